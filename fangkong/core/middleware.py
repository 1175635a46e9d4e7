from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from .audit import bind_request, unbind_request


def activate_user_language(request, user) -> None:
    """Use the language the user chose in their profile, if any (else Accept-Language)."""
    try:
        language = user.profile.language
    except ObjectDoesNotExist:
        return
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            activate_user_language(request, request.user)
        return self.get_response(request)


class AccessContextMiddleware:
    """Binds the request for the access log of the queries (core.audit.log_read)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = bind_request(request)
        try:
            return self.get_response(request)
        finally:
            unbind_request(token)


class NoStoreMiddleware:
    """Pages of a signed-in user, the personal check-in links and every API answer carry
    personal data: no browser, proxy or shared computer may keep a copy (`Cache-Control:
    no-store`, issue 10). Static files never get here (whitenoise answers them first)."""

    PRIVATE_PREFIXES = ("/api/", "/health/c/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith(self.PRIVATE_PREFIXES):
            add_never_cache_headers(response)
        return response
