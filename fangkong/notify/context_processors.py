from django.utils.functional import SimpleLazyObject

from .queries import count_unread


def inbox(request):
    """`notify_unread`: the user's unread in-app messages, counted only if a template
    uses it (the navbar badge loads by itself through htmx, so pages pay no query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path.startswith("/api/"):
        return {}
    return {"notify_unread": SimpleLazyObject(lambda: count_unread(user))}
