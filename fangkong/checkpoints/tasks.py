"""The checkpoints' item of the to-do list (core.tasks): a liaison's checkpoints with no
shift counted yet today, once the morning shift is over (15:00 local time)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.tasks import Task
from fangkong.orgs.choices import Role
from fangkong.orgs.models import RoleAssignment

from . import queries
from .choices import SLOT_HOURS, Slot
from .models import Shift

LIMIT = 10


def counts_to_enter(user, now):
    units = [
        a.unit
        for a in RoleAssignment.objects.filter(user=user, role=Role.LIAISON).select_related("unit")
    ]
    shown = 0
    for unit in units:
        local = unit.local_time(now)
        if local.hour < SLOT_HOURS[Slot.MORNING][1]:
            continue
        day = local.date()
        checkpoints = list(queries.list_checkpoints(user, unit=unit)[:LIMIT])
        counted = set(
            Shift.objects.filter(checkpoint__in=checkpoints, day=day).values_list(
                "checkpoint_id", flat=True
            )
        )
        for c in checkpoints:
            if c.pk in counted or shown >= LIMIT:
                continue
            shown += 1
            yield Task(
                kind="checkpoints.counts_to_enter",
                title=_("Enter today's counts of checkpoint %(name)s") % {"name": c.name},
                url=reverse("checkpoints:detail", args=[c.code]),
                unit=c.unit,
            )
