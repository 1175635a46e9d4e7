from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation

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
