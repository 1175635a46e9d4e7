"""The canteens' item of the to-do list (core.tasks): for the people who may plan a
canteen, a canteen whose lunch of today has no published plan yet (before lunch)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangkong.core.scope import scope_of
from fangkong.core.tasks import Task

from . import queries
from .choices import Meal
from .services import MANAGE

LIMIT = 10


def plans_to_publish(user, now):
    scope = scope_of(user, MANAGE)
    if scope.empty:
        return
    for canteen in queries.list_canteens(user)[:LIMIT]:
        if not scope.covers(canteen.unit_path):
            continue
        window = queries.get_window(canteen, Meal.LUNCH)
        local = canteen.unit.local_time(now)
        if window is None or local.time() >= window.starts:
            continue
        if queries.published_plan(canteen, local.date(), Meal.LUNCH):
            continue
        url = reverse("canteens:detail", args=[canteen.unit.code])
        yield Task(
            kind="canteens.plans_to_publish",
            title=_("Publish today's lunch plan of %(name)s") % {"name": canteen.unit.name},
            url=f"{url}?{urlencode({'meal': Meal.LUNCH})}",
            unit=canteen.unit,
        )
