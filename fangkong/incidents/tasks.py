"""The incidents' items of the to-do list (core.tasks): a level's acknowledgement (签收)
waiting for me, and the phone or written report my unit still owes, each with its clock."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.localtime import show
from fangkong.core.tasks import Task
from fangkong.notify.recipients import on_duty_user_ids
from fangkong.orgs.choices import Role
from fangkong.orgs.models import RoleAssignment

from .choices import ClockKind, IncidentState
from .models import Clock, Incident, Receipt

LIMIT = 20


def _acting_units(user) -> set[int]:
    return set(
        RoleAssignment.objects.filter(user=user)
        .exclude(role=Role.VIEWER)
        .values_list("unit_id", flat=True)
    )


def incidents_waiting(user, now):
    visible = Incident.objects.visible_to(user).filter(state=IncidentState.OPEN)
    acting = _acting_units(user)
    pending = (
        Receipt.objects.filter(incident__in=visible, acknowledged_at__isnull=True)
        .select_related("incident", "unit")
        .order_by("incident__filed_at")[: LIMIT * 5]
    )
    clocks = {
        (c.incident_id, c.unit_id): c
        for c in Clock.objects.filter(
            incident__in={r.incident_id for r in pending},
            kind=ClockKind.ACK,
            met_at__isnull=True,
            cancelled_at__isnull=True,
        )
    }
    shown = 0
    for receipt in pending:
        if shown >= LIMIT:
            break
        if not (
            user.is_superuser
            or receipt.unit_id in acting
            or user.pk in on_duty_user_ids(receipt.unit, now)
        ):
            continue
        shown += 1
        clock = clocks.get((receipt.incident_id, receipt.unit_id))
        due = clock.due_at if clock else None
        values = {"title": receipt.incident.title, "unit": receipt.unit.name}
        yield Task(
            kind="incidents.ack",
            title=_("Sign for %(unit)s: %(title)s") % values,
            url=reverse("incidents:detail", args=[receipt.incident_id]),
            unit=receipt.unit,
            due_at=due,
            urgent=True,
            action=reverse("incidents:ack", args=[receipt.incident_id]),
            action_label=_("Sign (签收)"),
        )
    owed = (
        Clock.objects.filter(
            incident__in=visible,
            kind__in=(ClockKind.PHONE, ClockKind.WRITTEN),
            met_at__isnull=True,
            cancelled_at__isnull=True,
        )
        .select_related("incident", "unit")
        .order_by("due_at")[: LIMIT * 5]
    )
    shown = 0
    for clock in owed:
        incident = clock.incident
        if shown >= LIMIT or not (incident.filed_by_id == user.pk or clock.unit_id in acting):
            continue
        shown += 1
        values = {
            "title": incident.title,
            "time": show(clock.due_at, clock.unit, "time"),
        }
        title = (
            _("Phone the report of %(title)s up by %(time)s")
            if clock.kind == ClockKind.PHONE
            else _("File the written report of %(title)s by %(time)s")
        )
        yield Task(
            kind=f"incidents.{clock.kind}",
            title=title % values,
            url=reverse("incidents:detail", args=[incident.pk]),
            unit=clock.unit,
            due_at=clock.due_at,
            urgent=True,
        )
