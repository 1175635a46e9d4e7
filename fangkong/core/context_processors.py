from django.conf import settings

from .auth import may_use_api
from .nav import items_for


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "nav_items": items_for(request),
        "may_use_api": lambda: may_use_api(request.user),  # asked only where a menu shows it
    }
