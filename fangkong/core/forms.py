import math
from datetime import date

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .auth import LOCKED_OUT, SLOWED_DOWN, check_credentials


class ThrottledLoginMixin:
    """Authenticate through core.auth.check_credentials: failures are recorded and
    throttled the same on every way in. A refusal is kept on the form (`refusal`), so
    the view can answer 429 with Retry-After (`views.refusal_status`)."""

    refusal = None
    throttle_messages = {
        LOCKED_OUT: _("Too many failed logins; try again in %(minutes)s minutes."),
        SLOWED_DOWN: _("Too many failed logins; wait %(seconds)s seconds and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            user, refusal = check_credentials(self.request, username, password)
            if refusal is not None:
                self.refusal = refusal
                raise forms.ValidationError(
                    self.throttle_messages[refusal.code],
                    code=refusal.code,
                    params={
                        "minutes": math.ceil(refusal.retry_after / 60),
                        "seconds": refusal.retry_after,
                    },
                )
            if user is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(user)
            self.user_cache = user
        return self.cleaned_data


class RateLimitedLoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form (`admin.site.login_form`): the same throttle as /login/."""


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


def service_errors(request, exc) -> dict:
    """A service's refusal (a ServiceError) on a page: the field errors to show beside
    their fields, a bare message as a flash message."""
    if not exc.fields:
        messages.error(request, str(exc.message))
    return exc.fields


def parse_day(value) -> date | None:
    """A day typed in a form or a query (YYYY-MM-DD), None when empty or not a day."""
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None
