import sys

from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from . import auth, followups
from .auth import may_use_api
from .errors import ServiceError
from .forms import LanguageForm, RateLimitedLoginForm, TokenForm
from .models import AccessLog, FollowUp, UserProfile
from .permissions import CorePerm
from .scope import scope_of


def refusal_status(response):
    """A login page whose form was refused by the throttle answers 429 with Retry-After
    (the form's error tells the person), as the API's token endpoint does."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    refusal = getattr(form, "refusal", None)
    if refusal is not None:
        response.status_code = 429
        response["Retry-After"] = str(refusal.retry_after)
    return response


class LoginView(auth_views.LoginView):
    form_class = RateLimitedLoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        return refusal_status(super().post(request, *args, **kwargs))


def admin_login(request):
    """The admin's login (its form is core.forms.AdminLoginForm) with the same 429."""
    return refusal_status(admin.site.login(request))


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


def _require_api_access(user) -> None:
    if not may_use_api(user):
        raise Http404


@login_required
def tokens(request):
    _require_api_access(request.user)
    new_token = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            _token, new_token = auth.create_token(request.user, form.cleaned_data["name"])
            form = TokenForm()
    else:
        form = TokenForm()
    return render(
        request,
        "core/tokens.html",
        {"form": form, "new_token": new_token, "tokens": request.user.api_tokens.all()},
    )


@login_required
@require_POST
def token_revoke(request, token_id: int):
    _require_api_access(request.user)
    if not auth.revoke_token(request.user, token_id):
        raise Http404
    messages.success(request, _("The token has been revoked."))
    return redirect("core:tokens")


@require_POST
def set_language(request):
    form = LanguageForm(request.POST)
    if form.is_valid():
        language = form.cleaned_data["language"]
        translation.activate(language)
        if request.user.is_authenticated:
            UserProfile.objects.update_or_create(user=request.user, defaults={"language": language})
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    response = redirect(target)
    if form.is_valid():
        response.set_cookie("django_language", form.cleaned_data["language"], samesite="Lax")
    return response


@login_required
def access_log(request):
    scope = scope_of(request.user, CorePerm.READ_ACCESS_LOG)
    if scope.empty:
        raise Http404
    # Entries without a unit (a province-wide export) only appear for whole-tree admins.
    entries = AccessLog.objects.filter(scope.q("unit_path"))
    username = request.GET.get("user", "").strip()
    if username:
        entries = entries.filter(username=username)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/access_log.html", {"page": page, "username": username})


@login_required
def followup_list(request):
    """Follow-up work (opening incidents, ledger entries, the office's notices): what is
    waiting, failing or given up, with a retry for the last two."""
    if scope_of(request.user, CorePerm.READ_ACCESS_LOG).empty:
        raise Http404
    state = request.GET.get("state", "")
    state = state if state in FollowUp.State.values else ""
    rows = followups.list_followups_for(request.user, state=state)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for item in page:
        item.label = followups.label(item.handler)
    return render(
        request,
        "core/followups.html",
        {"page": page, "state": state, "states": FollowUp.State.choices},
    )


@login_required
@require_POST
def followup_retry(request, followup_id: int):
    try:
        followups.retry_followup(actor=request.user, followup_id=followup_id)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The follow-up will be run again."))
    back = request.POST.get("next", "")
    target = reverse("core:followups")
    return redirect(back if back.startswith(target) else target)


def favicon(request):
    """The site's icon where a browser looks for it by itself (resolved at request time:
    the static files' manifest exists only once they are collected)."""
    return redirect(static("fangkong/favicon.svg"), permanent=True)


def server_error(request):
    """handler500: a page request that met a database not answering (restarting, failing
    over) gets 503 with Retry-After, not Django's 500: a reload in a moment works. Any
    other error is the 500 page."""
    from .api import DATABASE_DOWN, RETRY_AFTER, request_logger

    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        # One warning line per request, as the API's, not an error with its traceback.
        request_logger.warning(
            "Service Unavailable: %s (database: %s)",
            request.path,
            type(sys.exc_info()[1]).__name__,
            extra={"status_code": 503, "request": request},
        )
        # Rendered without the request's context: its processors would ask the database.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
    return defaults.server_error(request)


@never_cache
@require_safe
def healthz(request):
    """No login and no data: each check ok or not, with a reason; 503 when a required one
    failed (core.healthz)."""
    from .healthz import run_checks

    healthy, answer = run_checks()
    response = JsonResponse(answer, status=200 if healthy else 503)
    # A probe every few seconds: not one "Service Unavailable" error line each time, but
    # one warning when this process finds the server unhealthy (core.healthz).
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@never_cache
@require_safe
def metrics_view(request):
    """Prometheus's text format for the token's bearer or an allowed address; anyone else
    gets the 404 of a page that does not exist."""
    from . import metrics

    if not metrics.may_scrape(request):
        raise Http404
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)
