import logging
import time

from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from . import metrics
from .audit import bind_request, unbind_request

logger = logging.getLogger("fangkong.metrics")


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


class ContentSecurityPolicyMiddleware:
    """Every answer carries one Content-Security-Policy (issue 10): scripts and styles
    only from our own static files, no inline script, `<style>` or style attribute, no
    plugin, no framing. Templates keep their scripts in static files (data through
    `json_script` or data- attributes) and their styles in stylesheets; htmx's own
    indicator style is off (`htmx-config` in base.html, the rules are in app.css).
    Styles that scripts set through the DOM (ECharts, Bootstrap's popper) are not
    inline styles in the policy's sense and stay allowed. `data:` images: Bootstrap's
    icons in its CSS (checkboxes, selects, the navbar toggler)."""

    POLICY = "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        )
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.POLICY)
        return response


class RequestMetricsMiddleware:
    """Times every request for /metrics (core.metrics: by route name, never the path).
    First in MIDDLEWARE, so the time covers the whole stack."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.failing = False

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        try:
            metrics.observe(request, response, time.monotonic() - started)
        except Exception:  # a metrics directory gone must not fail the request
            if not self.failing:
                logger.exception("request metrics not recorded")
            self.failing = True
        return response
