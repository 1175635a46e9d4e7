from django.conf import settings

from .nav import items_for


def site(request):
    return {"SITE_NAME": settings.SITE_NAME, "nav_items": items_for(request)}
