from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation


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
