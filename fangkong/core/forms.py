from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .auth import check_credentials


class RateLimitedLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": _("Too many failed logins; try again in %(minutes)s minutes."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            user, locked = check_credentials(self.request, username, password)
            if locked:
                raise forms.ValidationError(
                    self.error_messages["locked_out"],
                    code="locked_out",
                    params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                )
            if user is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(user)
            self.user_cache = user
        return self.cleaned_data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


def form_errors(form, exc) -> None:
    """Put a service's field errors (a ServiceError) on a Django form: each on its field,
    unknown fields and a bare message on the form as a whole."""
    for field, field_messages in exc.fields.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, str(exc.message))
