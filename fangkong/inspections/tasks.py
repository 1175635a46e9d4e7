"""The inspections' items of the to-do list (core.tasks): rectification items of the units
I am the liaison or admin of, to fix (overdue ones urgent); fixes waiting for my
verification (my visits', or the office's subtree's)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.tasks import Task
from fangkong.orgs.choices import Role
from fangkong.orgs.models import RoleAssignment

from . import queries

LIMIT = 10


def to_fix(user, now):
    units = [
        a.unit
        for a in RoleAssignment.objects.filter(
            user=user, role__in=(Role.LIAISON, Role.UNIT_ADMIN)
        ).select_related("unit")
    ]
    if not units:
        return
    for rect in queries.to_fix(user, units).order_by("due_at")[:LIMIT]:
        yield Task(
            kind="inspections.to_fix",
            title=_("Rectify at %(unit)s: %(title)s")
            % {"unit": rect.unit.name, "title": rect.title},
            url=reverse("inspections:rectification_detail", args=[rect.pk]),
            unit=rect.unit,
            due_at=rect.due_at,
            urgent=rect.due_at <= now,
        )


def to_verify(user, now):
    for rect in queries.to_verify(user).order_by("fixed_at")[:LIMIT]:
        yield Task(
            kind="inspections.to_verify",
            title=_("Verify the fix at %(unit)s: %(title)s")
            % {"unit": rect.unit.name, "title": rect.title},
            url=reverse("inspections:rectification_detail", args=[rect.pk]),
            unit=rect.unit,
        )
