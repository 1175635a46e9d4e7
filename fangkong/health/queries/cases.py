"""Reads of health cases, scoped to HealthPerm.VIEW_HEALTH."""

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.http import Http404

from fangkong.core.audit import log_read
from fangkong.core.permissions import Permission
from fangkong.core.scope import get_object_for, scope_of

from ..choices import CaseResult, CaseState, ObservationReason
from ..models import HealthCase, Observation
from ..permissions import HealthPerm


def list_cases(user, *, unit=None, state: str = "open"):
    """Cases in the user's scope (or `unit`'s subtree): "open" (default), "closed", "all",
    or one state."""
    qs = HealthCase.objects.visible_to(user, HealthPerm.VIEW_HEALTH).select_related(
        "person", "unit"
    )
    if unit is not None:
        qs = qs.in_subtree(unit)
    log_read(user, "view", "health_case", "", unit.path if unit else "", {"cases": state})
    if state == "open":
        qs = qs.exclude(state=CaseState.CLOSED)
    elif state in CaseState.values:
        qs = qs.filter(state=state)
    elif state != "all":
        qs = qs.exclude(state=CaseState.CLOSED)
    return qs.order_by("-opened_at", "-id")


def get_case_for(user, case_id, perm: Permission = HealthPerm.VIEW_HEALTH) -> HealthCase:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    case = get_object_for(user, HealthCase.objects.select_related("person", "unit"), perm, pk=pk)
    log_read(user, "view", "health_case", case.pk, case.unit_path)
    return case


def _open_at(moment):
    return Q(opened_at__lte=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gt=moment))


def get_case_counts_for(user, unit, at: datetime) -> dict | None:
    """The cases of `unit`'s subtree open at `at` and a day before, by result (as last
    recorded), and the people under observation at `at` (close contacts among them); None
    when the user may not see health data of the unit (the counts are health data: logged
    as a read). Two queries."""
    if not scope_of(user, HealthPerm.VIEW_HEALTH).covers(unit.path):
        return None
    log_read(user, "view", "case_counts", "", unit.path, detail=at.isoformat())
    before = at - timedelta(days=1)
    counts = {}
    for key, moment in (("now", at), ("before", before)):
        open_ = _open_at(moment)
        counts[f"{key}_open"] = Count("id", filter=open_)
        for result in (CaseResult.CONFIRMED, CaseResult.SUSPECTED):
            counts[f"{key}_{result}"] = Count("id", filter=open_ & Q(result=result))
    # A case closed before the day before cannot count: only the recent and open rows.
    row = (
        HealthCase.objects.in_subtree(unit)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=before))
        .aggregate(**counts)
    )
    day = unit.local_date(at)
    watched = (
        Observation.objects.in_subtree(unit)
        .filter(start_on__lte=day)
        .filter(Q(released_at__isnull=True) | Q(released_at__gt=at))
        .aggregate(
            total=Count("id"),
            close_contacts=Count("id", filter=Q(reason=ObservationReason.CLOSE_CONTACT)),
        )
    )
    cases: dict[str, dict] = {}
    for name in ("open", CaseResult.CONFIRMED, CaseResult.SUSPECTED):
        cases[str(name)] = {
            "value": row[f"now_{name}"],
            "change": row[f"now_{name}"] - row[f"before_{name}"],
        }
    return {
        "cases": cases,
        "observation": watched["total"],
        "close_contacts": watched["close_contacts"],
    }
