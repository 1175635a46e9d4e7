"""The return-to-work item of the to-do list (core.tasks): plans filed by the units below
that wait for my decision."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.tasks import Task

from . import queries


def plans_to_decide(user, now):
    for plan in queries.list_to_decide(user, limit=10):
        yield Task(
            kind="restart.plans_to_decide",
            title=_("Decide the return-to-work plan of %(unit)s") % {"unit": plan.unit.name},
            url=reverse("restart:detail", args=[plan.pk]),
            unit=plan.unit,
            due_at=plan.filed_at,
        )
