"""Reads of the daily check-in: completeness and counts from the tallies (never a count
over a million check-ins), and the person-level lists, scoped to HealthPerm.VIEW_HEALTH."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Exists, OuterRef, Sum

from fangkong.core.audit import log_read
from fangkong.core.scope import scope_of
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.queries import get_unit_summary, head_count

from ..choices import Category
from ..models import CheckIn, CheckInLink, CheckInTally
from ..permissions import HealthPerm

COUNTS = CheckInTally.COUNTS


def _empty() -> dict:
    return {name: 0 for name in COUNTS} | {"by_category": {c: 0 for c in Category.values}}


def _add(total: dict, category: str, row) -> None:
    for name, value in zip(COUNTS, row, strict=True):
        total[name] += value or 0
    total["by_category"][category] += row[0] or 0


def _finish(total: dict, expected: int) -> dict:
    total["expected"] = expected
    total["missing"] = max(expected - total["checked_in"], 0)
    total["rate"] = round(100 * total["checked_in"] / expected, 1) if expected else None
    return total


def get_checkin_summary(unit: Unit, day: date) -> dict:
    """Expected (active people of the subtree), checked in, missing, fever, whereabouts and
    the count per category, for `unit`'s subtree on `day`. Two queries."""
    total = _empty()
    rows = (
        CheckInTally.objects.in_subtree(unit)
        .filter(day=day)
        .values("category")
        .annotate(*[Sum(n) for n in COUNTS])
        .values_list("category", *[f"{n}__sum" for n in COUNTS])
    )
    for category, *counts in rows:
        _add(total, category, counts)
    return _finish(total, head_count(unit))


def list_child_summaries(unit: Unit, day: date) -> tuple[list[Unit], dict, dict]:
    """`unit`'s children, each with `.checkins` (its subtree's summary), the summary of the
    people placed directly in `unit`, and the subtree's (as get_checkin_summary, from the
    same rows). Three queries whatever the size."""
    children, head_total, direct = get_unit_summary(unit)
    cut = len(unit.path)
    per_child: dict[str, dict] = defaultdict(_empty)
    rows = (
        CheckInTally.objects.in_subtree(unit)
        .filter(day=day)
        .values("unit_path", "category")
        .annotate(*[Sum(n) for n in COUNTS])
        .values_list("unit_path", "category", *[f"{n}__sum" for n in COUNTS])
    )
    for path, category, *counts in rows:
        _add(per_child[path[cut:].split("/", 1)[0]], category, counts)
    total = _empty()
    for bucket in per_child.values():
        for name in COUNTS:
            total[name] += bucket[name]
        for category, n in bucket["by_category"].items():
            total["by_category"][category] += n
    for child in children:
        # The day's figures ride on the page row (orgs' Unit knows nothing of health).
        child.checkins = _finish(per_child[str(child.pk)], child.head_count)  # type: ignore[attr-defined]
    return children, _finish(per_child[""], direct), _finish(total, head_total)


def get_checkin_summary_for(user, unit: Unit, day: date) -> dict:
    """`get_checkin_summary` as `user` may see it: the fever count is health data, shown
    (and logged as a read) only under HealthPerm.VIEW_HEALTH on the unit; others get the
    completeness figures with `fever` and `observation` None."""
    summary = get_checkin_summary(unit, day)
    if scope_of(user, HealthPerm.VIEW_HEALTH).covers(unit.path):
        log_read(user, "view", "checkin_summary", "", unit.path, detail={"day": day})
    else:
        summary["fever"] = summary["observation"] = None
    return summary


def not_checked_in(unit: Unit, day: date):
    """Active people of the subtree with no check-in on `day`: the 未晨检 list, its
    export and the Excel sheet to fill in (no access-log row: callers log their read)."""
    done = CheckIn.objects.filter(person=OuterRef("pk"), day=day)
    return (
        Person.objects.in_subtree(unit)
        .filter(is_active=True)
        .filter(~Exists(done))
        .select_related("unit")
        .order_by("unit_path", "employee_no")
    )


def list_not_checked_in(user, unit: Unit, day: date):
    """Active people of the subtree with no check-in on `day` (a queryset, for paging)."""
    log_read(user, "view", "checkin", "", unit.path, detail={"day": day, "checkins": "missing"})
    return not_checked_in(unit, day)


def list_checkins(user, unit: Unit, day: date, *, fever: bool | None = None, category: str = ""):
    shown = "fever" if fever else "all"
    log_read(user, "view", "checkin", "", unit.path, detail={"day": day, "checkins": shown})
    qs = (
        CheckIn.objects.in_subtree(unit)
        .filter(day=day)
        .select_related("person", "unit", "entered_by", "vouched_by")
    )
    if fever is not None:
        qs = qs.filter(is_fever=fever)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("unit_path", "person__employee_no")


def list_person_checkins(user, person: Person, limit: int = 30):
    """A person's last check-ins (their health record: logged as a read)."""
    log_read(user, "view", "health_record", person.pk, person.unit_path)
    return list(
        person.checkins.order_by("-day")
        .select_related("entered_by", "vouched_by")
        .prefetch_related("revisions")[:limit]
    )


def list_grid(unit: Unit, day: date) -> list[Person]:
    """The people directly in `unit` for the liaison's grid, each with `.checkin` (today's,
    or None) and `.default_category`."""
    from ..services.checkins import default_categories

    people = list(Person.objects.filter(unit=unit, is_active=True).order_by("employee_no"))
    today = {
        c.person_id: c
        for c in CheckIn.objects.filter(unit=unit, day=day).select_related("vouched_by")
    }
    defaults = default_categories(people, day)
    for person in people:
        # The grid's row: the person with the day's check-in (orgs' Person knows no health).
        person.checkin = today.get(person.pk)  # type: ignore[attr-defined]
        person.default_category = defaults[person.pk]  # type: ignore[attr-defined]
    return people


def live_links(people) -> dict[int, CheckInLink]:
    return {
        link.person_id: link
        for link in CheckInLink.objects.filter(
            person_id__in=[p.pk for p in people], revoked_at__isnull=True
        )
    }
