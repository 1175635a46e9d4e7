"""Scoped reads of incidents: the board of a subtree and one incident's timeline."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import log_read
from fangkong.core.errors import InvalidInput
from fangkong.core.scope import get_object_for
from fangkong.orgs.models import Person
from fangkong.orgs.services import group_of

from .choices import IncidentState
from .models import Clock, Incident


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
