"""Scoped reads of incidents: the board of a subtree, one incident's timeline, and who may
sign (签收) for which level, with what the page tells those who may not."""

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import log_read
from fangkong.core.errors import InvalidInput
from fangkong.core.localtime import show
from fangkong.core.scope import get_object_for
from fangkong.notify.recipients import on_duty_user_ids, roster_standing
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Person, RoleAssignment
from fangkong.orgs.services import group_of

from .choices import ACK_MINUTES, IncidentState
from .models import Clock, Incident, Receipt


def _overdue(now):
    """Incidents with a clock past its deadline and not met (escalated or not yet)."""
    return Exists(
        Clock.objects.filter(
            incident=OuterRef("pk"), met_at__isnull=True, cancelled_at__isnull=True, due_at__lt=now
        )
    )


def list_incidents(user, *, unit=None, state: str = "open", kind: str = "", now=None):
    """The incidents of the user's scope (or `unit`'s subtree) — and those reported up to
    a unit of the scope, which is the same thing: a level above covers the subtree."""
    now = now or timezone.now()
    qs = (
        Incident.objects.visible_to(user)
        .select_related("unit", "target_unit")
        .annotate(overdue=_overdue(now))
    )
    if unit is not None:
        qs = qs.in_subtree(unit)
    if state == "overdue":
        qs = qs.filter(state=IncidentState.OPEN, overdue=True)
    elif state in IncidentState.values:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-discovered_at", "-id")


def count_board(user, *, unit=None, now=None) -> dict:
    qs = list_incidents(user, unit=unit, state="all", now=now)
    return {
        "open": qs.filter(state=IncidentState.OPEN).count(),
        "overdue": qs.filter(Q(state=IncidentState.OPEN) & Q(overdue=True)).count(),
    }


def get_incident_for(user, incident_id) -> Incident:
    try:
        pk = int(incident_id)
    except (TypeError, ValueError):
        raise Http404 from None
    incident = get_object_for(
        user, Incident.objects.select_related("unit", "target_unit", "site", "closed_by"), pk=pk
    )
    log_read(user, "view", "incident", incident.pk, incident.unit_path)
    return incident


def get_timeline(incident: Incident) -> dict:
    return {
        "events": list(incident.events.select_related("actor", "unit")),
        "receipts": list(incident.receipts.select_related("unit", "acknowledged_by")),
        "clocks": list(incident.clocks.select_related("unit").order_by("due_at")),
        "phone_reports": list(incident.phone_reports.select_related("to_unit")),
        "written_reports": list(incident.written_reports.prefetch_related("attachments")),
        "people": list(incident.people.all()),
    }


def find_people(user, unit, numbers) -> list[int]:
    """The ids of the people the filer names by employee number: in the unit's group
    (numbers are unique only within a group) and in the filer's scope; one unknown number
    and the filing is refused."""
    numbers = {str(n).strip() for n in numbers if str(n).strip()}
    if not numbers:
        return []
    found = dict(
        Person.objects.visible_to(user)
        .filter(group=group_of(unit), employee_no__in=numbers)
        .values_list("employee_no", "pk")
    )
    unknown = sorted(numbers - set(found))
    if unknown:
        raise InvalidInput(
            {"people": _("Not on your roster: %(numbers)s.") % {"numbers": "、".join(unknown)}},
            code="unknown_person",
        )
    return list(found.values())


def receipts_for(user, incident: Incident) -> list[Receipt]:
    """The receiving levels `user` may acknowledge for: those where they hold a role other
    than viewer on exactly that unit, or are on duty (a superuser: every level)."""
    receipts = list(incident.receipts.select_related("unit"))
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return receipts
    units = set(
        RoleAssignment.objects.filter(user=user, unit_id__in=[r.unit_id for r in receipts])
        .exclude(role=Role.VIEWER)
        .values_list("unit_id", flat=True)
    )
    return [r for r in receipts if r.unit_id in units or user.pk in on_duty_user_ids(r.unit)]


def sign_note(user, incident: Incident, now: datetime | None = None) -> str:
    """What the incident page tells `user` about signing (签收) while a level still has to:
    why they cannot (off duty, inspector, the reporting unit, a level that does not
    sign), or, for an inspector who may sign for a level, what signing does. "" when
    there is nothing to explain (they sign as the officer or duty person they are, or
    every level has signed)."""
    if incident.state != IncidentState.OPEN or user is None or not user.is_authenticated:
        return ""
    now = now or timezone.now()
    receipts = list(incident.receipts.select_related("unit"))
    pending = [r for r in receipts if r.acknowledged_at is None]
    if not pending:
        return ""
    held = list(
        RoleAssignment.objects.filter(user=user).values_list("role", "unit_id", "unit__path")
    )
    mine = [r for r in receipts_for(user, incident) if r.acknowledged_at is None]
    if mine:
        receipt = mine[0]
        there = {role for role, unit_id, _path in held if unit_id == receipt.unit_id}
        inspector_only = there and there <= {Role.INSPECTOR, Role.VIEWER}
        if (
            not user.is_superuser
            and inspector_only
            and user.pk not in on_duty_user_ids(receipt.unit, now)
        ):
            return _(
                "As an inspector of %(unit)s you may sign for it: signing confirms that "
                "%(unit)s has received the report, meets its %(minutes)s-minute "
                "acknowledgement deadline and is recorded under your name, so its duty room "
                "no longer has to sign."
            ) % {"unit": receipt.unit.name, "minutes": ACK_MINUTES}
        return ""
    units = "、".join(r.unit.name for r in pending)
    for receipt in pending:
        on_roster, next_start = roster_standing(receipt.unit, user.pk, now)
        if on_roster and next_start is not None:
            return _(
                "You are not on duty now (your next shift starts %(when)s): the staff "
                "on duty for %(unit)s sign for it."
            ) % {"when": show(next_start, receipt.unit, "short"), "unit": receipt.unit.name}
        if on_roster:
            return _("You are not on duty now: the staff on duty for %(unit)s sign for it.") % {
                "unit": receipt.unit.name
            }
    covering = [
        (role, unit_id) for role, unit_id, path in held if incident.unit_path.startswith(path)
    ]
    roles = {role for role, _unit in covering}
    if Role.INSPECTOR in roles:
        return _(
            "You are an inspector here and may only view: the duty room or the officers "
            "of %(units)s sign for it."
        ) % {"units": units}
    acting = [u for role, u in covering if role not in (Role.VIEWER, Role.INSPECTOR)]
    if incident.unit_id in acting:
        return _(
            "Your unit reported this incident: the levels it was reported to sign for it "
            "(%(units)s)."
        ) % {"units": units}
    if acting:
        return _(
            "This incident goes up to %(target)s; the levels above it follow it but do not sign."
        ) % {"target": incident.target_unit.name}
    return _(
        "Only the staff on duty or the officers of %(units)s sign for it; your role "
        "here is to view."
    ) % {"units": units}


def get_command_counts(user, unit, at: datetime) -> dict:
    """The incidents of `unit`'s subtree open at `at`: how many, how many with a clock
    past its deadline and unmet then (the board's "overdue"), and the receiving levels
    that had not signed (签收) yet, each with its count. Three queries."""
    late = Clock.objects.filter(
        incident=OuterRef("pk"),
        due_at__lt=at,
    ).filter(
        Q(met_at__isnull=True) | Q(met_at__gt=at),
        Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=at),
    )
    open_ = (
        Incident.objects.visible_to(user)
        .in_subtree(unit)
        .filter(filed_at__lte=at)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at))
    )
    counts = open_.aggregate(open=Count("id"), overdue=Count("id", filter=Exists(late)))
    unsigned = list(
        Receipt.objects.filter(incident__in=open_.values("pk"))
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gt=at))
        .values("unit__code", "unit__name", "unit__path")
        .annotate(n=Count("id"))
        .order_by("unit__path")
    )
    return {
        "open": counts["open"],
        "overdue": counts["overdue"],
        "on_time": counts["open"] - counts["overdue"],
        "unsigned": [
            {"code": r["unit__code"], "name": r["unit__name"], "count": r["n"]} for r in unsigned
        ],
    }
