"""Disinfection's items of the to-do list (core.tasks): the slots of the sites I am the
liaison of that can be logged now (urgent once past their on-time window)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangkong.core.localtime import show
from fangkong.core.tasks import Task

from . import queries

LISTED = 5


def slots_due(user, now):
    for slot in queries.list_slots_due(user, now)[:LISTED]:
        values = {
            "site": slot.site.name,
            "label": slot.label or slot.get_covers_display(),
            "start": show(slot.starts_at, slot.site, "time"),
        }
        url = reverse("sites:site", args=[slot.site.code])
        yield Task(
            kind="sites.slot",
            title=_("%(site)s: log the %(label)s of %(start)s") % values,
            url=f"{url}?{urlencode({'day': slot.day.isoformat()})}#slot-{slot.pk}",
            unit=slot.site,
            due_at=slot.ends_at,
            urgent=slot.ends_at <= now,
        )
