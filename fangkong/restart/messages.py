"""What return to work tells people, through notify's one entry point (`queue`) on the
topic registered in apps.py (`restart_plan`): the parent's office and leading group when a
plan is filed, the unit's liaisons and admins when it is decided."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.notify.services import queue
from fangkong.orgs.choices import Role
from fangkong.orgs.queries import list_liaison_user_ids, nearest_role_holders

TOPIC = "restart_plan"


def plan_url(plan) -> str:
    return reverse("restart:detail", args=[plan.pk])


def tell_filed(plan, n: int) -> int:
    parent = plan.unit.parent
    if parent is None:
        return 0
    users = nearest_role_holders([parent], (Role.OFFICE, Role.LEADING_GROUP)).get(
        parent.pk, (None, [])
    )[1]
    values = {"unit": plan.unit.name}
    return queue(
        key=f"restart-filed:{plan.pk}:{n}",
        topic=TOPIC,
        unit=parent,
        users=users,
        subject=lambda v=values: _("%(unit)s filed its return-to-work plan") % v,
        body=lambda v=values: _("Approve it, return it for changes or tell it to wait.") % v,
        url=plan_url(plan),
    )


def tell_decided(plan, n: int) -> int:
    unit = plan.unit
    users = set(list_liaison_user_ids([unit]).get(unit.pk, set()))
    users |= set(nearest_role_holders([unit], (Role.UNIT_ADMIN,)).get(unit.pk, (None, []))[1])
    values = {"unit": unit.name, "state": plan.get_state_display(), "note": plan.decision_note}
    return queue(
        key=f"restart-decided:{plan.pk}:{n}",
        topic=TOPIC,
        unit=unit,
        users=users,
        subject=lambda v=values: _("Return-to-work plan of %(unit)s: %(state)s") % v,
        body=lambda v=values: v["note"],
        url=plan_url(plan),
    )
