from django.conf import settings
from django.utils import timezone

from fangkong.core.scope import scope_of

from .models import Unit

SESSION_KEY = "_fk_time_zone"


def viewer_zone(user) -> str:
    """The zone a person reads times in when a page is not about one unit: the zone of
    the units at the top of their scope, if they share one, else the site's."""
    scope = scope_of(user)
    roots = (
        Unit.objects.filter(parent__isnull=True)
        if scope.everything
        else (Unit.objects.filter(path__in=scope.paths))
    )
    zones = set(roots.values_list("timezone", flat=True)[:50])
    return zones.pop() if len(zones) == 1 else settings.TIME_ZONE


def remember_zone(sender, request, user, **kwargs) -> None:
    """At login (a `user_logged_in` receiver), so that pages ask for it no more."""
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = viewer_zone(user)


class ViewerTimeZoneMiddleware:
    """Activate the viewer's zone (`viewer_zone`, kept in the session from the login) for
    the request:
    `timezone.localdate()` in a view is their day and `|date` in a template their clock.
    Pages about one unit show its times with the `local` filters (`core.localtime`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            name = request.session.get(SESSION_KEY)
            if name is None:
                name = request.session[SESSION_KEY] = viewer_zone(user)
            timezone.activate(name)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
