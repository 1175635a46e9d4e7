"""The canteens' panel of the command view (core.command): today's lunch of the
subtree's canteens — planned and published, people in the hall, the fullest slot."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import queries
from .choices import Meal


def canteens_today(user, unit, now):
    canteens = list(queries.list_canteens(user, unit=unit)[:50])
    if not canteens:
        return None
    published = hall = 0
    fullest = 0.0
    for c in canteens:
        plan = queries.published_plan(c, c.unit.local_time(now).date(), Meal.LUNCH)
        if plan is None:
            continue
        published += 1
        view = queries.get_plan_view(plan)
        hall += view.hall
        for s in view.slots:
            fullest = max(fullest, s.load / plan.capacity if plan.capacity else 0)
    url = f"{reverse('canteens:list')}?{urlencode({'unit': unit.code})}"
    return {
        "title": _("Canteens (lunch)"),
        "url": url,
        "figures": [
            {"label": _("plans published"), "value": f"{published}/{len(canteens)}", "url": url},
            {"label": _("people in the hall"), "value": hall, "url": url},
            {"label": _("fullest slot"), "value": f"{round(100 * fullest)}%", "url": url},
        ],
        "source": _("The published staggering plans and today's check-ins."),
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("canteens.today", canteens_today, order=80)
