from fangkong.core.scope import scope_of

from .models import Unit


def scope(request):
    """The units at the top of the user's scope, shown in the layout ("current scope")."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    current = scope_of(user)
    if current.everything:
        roots = Unit.objects.filter(parent__isnull=True)
    else:
        roots = Unit.objects.filter(path__in=current.paths)
    return {"scope_units": roots.only("code", "name").order_by("path")[:5]}
