"""Scoped reads of the ledger. A unit outside the user's scope is a 404 (the caller gets
it through orgs.queries.get_unit_for); without a unit, the whole scope is listed."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from fangkong.core.permissions import CorePerm, Permission
from fangkong.core.scope import get_object_for, scope_of
from fangkong.orgs.models import Unit

from .choices import Grade
from .models import Entry

DEFAULT_DAYS = 30


@dataclass
class LedgerFilter:
    unit: Unit | None
    start: date
    end: date
    kind: str = ""
    grade: str = ""
    waived: bool | None = None


def default_period(today: date | None = None) -> tuple[date, date]:
    end = today or timezone.localdate()
    return end - timedelta(days=DEFAULT_DAYS - 1), end


def get_entry_for(user, entry_id, perm: Permission = CorePerm.VIEW) -> Entry:
    try:
        entry_id = int(entry_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    entries = Entry.objects.select_related("unit").prefetch_related("annotations")
    return get_object_for(user, entries, perm, pk=entry_id)


def _in_period(user, f: LedgerFilter):
    entries = Entry.objects.filter(day__range=(f.start, f.end))
    if f.unit is None:
        return entries.visible_to(user)
    if not scope_of(user).covers(f.unit.path):
        return entries.none()
    return entries.in_subtree(f.unit)


def list_entries(user, f: LedgerFilter):
    """The entries of the subtree and period, newest day first, with their notes."""
    entries = _in_period(user, f)
    if f.kind:
        entries = entries.filter(kind=f.kind)
    if f.grade:
        entries = entries.filter(grade=f.grade)
    if f.waived is not None:
        entries = entries.filter(waived=f.waived)
    return (
        entries.select_related("unit")
        .prefetch_related("annotations")
        .order_by("-day", "unit_path", "id")
    )


def count_by_grade(user, f: LedgerFilter) -> dict:
    """Counts of the subtree, period and kind: non-waived entries per grade, and waived."""
    entries = _in_period(user, f)
    if f.kind:
        entries = entries.filter(kind=f.kind)
    counts = {grade: Count("id", filter=Q(grade=grade, waived=False)) for grade in Grade.values}
    return entries.aggregate(**counts, waived=Count("id", filter=Q(waived=True)))
