"""Reads of health cases, scoped to HealthPerm.VIEW_HEALTH."""

from django.http import Http404

from fangkong.core.audit import log_read
from fangkong.core.permissions import Permission
from fangkong.core.scope import get_object_for

from ..choices import CaseState
from ..models import HealthCase
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
