"""Reads of inspections, scoped: a visit or item outside the reader's subtree is a 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from fangkong.core.permissions import CorePerm
from fangkong.core.scope import get_object_for, scope_of
from fangkong.orgs.models import Unit

from .choices import RectState, Result, VisitState
from .models import Answer, Assignment, ChecklistItem, Rectification, Visit
from .permissions import InspectionPerm

LIST_STATES = ("open", "fixed", "closed", "overdue", "all")
REPEAT_DAYS = 90  # a finding found again at the same unit within a quarter repeats


def get_visit_for(user, visit_id: int) -> Visit:
    return get_object_for(
        user, Visit.objects.select_related("unit", "inspector", "checklist__checklist"), pk=visit_id
    )


def get_rectification_for(user, rect_id: int) -> Rectification:
    return get_object_for(
        user,
        Rectification.objects.select_related(
            "unit",
            "visit",
            "visit__inspector",
            "owner",
            "supply_item",
            "supply_request",
            "fixed_by",
            "verified_by",
        ),
        pk=rect_id,
    )


def list_visits(user, *, unit: Unit | None = None, inspector=None) -> QuerySet[Visit]:
    qs = Visit.objects.visible_to(user).select_related("unit", "inspector", "checklist__checklist")
    if unit is not None:
        qs = qs.in_subtree(unit)
    if inspector is not None:
        qs = qs.filter(inspector=inspector)
    return qs.annotate(findings=Count("rectifications")).order_by("-day", "-id")


def list_assignments(user, *, inspector=None) -> QuerySet[Assignment]:
    qs = Assignment.objects.visible_to(user).select_related(
        "unit", "inspector", "inspector__person"
    )
    if inspector is not None:
        qs = qs.filter(inspector=inspector)
    return qs


def with_last_visits(assignments) -> list[Assignment]:
    """The assignments, each with `last_visit` and `next_visit` (days of the inspector's
    visits of the unit: the latest done, the next planned), in one query."""
    rows = list(assignments)
    if not rows:
        return rows
    days = (
        Visit.objects.filter(
            inspector__in={a.inspector_id for a in rows}, unit__in={a.unit_id for a in rows}
        )
        .values("inspector_id", "unit_id", "state")
        .annotate(last=Max("day"), first=Min("day"))
    )
    done: dict[tuple[int, int], date] = {}
    planned: dict[tuple[int, int], date] = {}
    for d in days:
        key = (d["inspector_id"], d["unit_id"])
        if d["state"] == VisitState.DONE:
            done[key] = d["last"]
        else:
            planned[key] = min(d["first"], planned.get(key, d["first"]))
    for a in rows:
        a.last_visit = done.get((a.inspector_id, a.unit_id))
        a.next_visit = planned.get((a.inspector_id, a.unit_id))
    return rows


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def other_visits(unit: Unit, day: date, inspector) -> list[Visit]:
    """Visits of the unit by others in the week of `day` (迎检大战: the burden of being
    inspected again and again), nearest first. Not scoped: the fact is shown, by name."""
    start = week_start(day)
    rows = (
        Visit.objects.filter(unit=unit, day__gte=start, day__lt=start + timedelta(days=7))
        .exclude(inspector=inspector)
        .select_related("inspector", "inspector__person")
        .order_by("day", "id")
    )
    return sorted(rows, key=lambda v: (v.day != day, abs((v.day - day).days)))


def visit_items(visit: Visit) -> list[dict]:
    """The visit's checklist by section: each item with its answer (or None) and photos."""
    answers = {a.item_id: a for a in Answer.objects.filter(visit=visit).prefetch_related("photos")}
    sections: dict[str, list] = {}
    for item in ChecklistItem.objects.filter(version_id=visit.checklist_id):
        sections.setdefault(item.section, []).append({"item": item, "answer": answers.get(item.pk)})
    return [{"name": name, "items": items} for name, items in sections.items()]


def progress(visit: Visit) -> tuple[int, int, int]:
    """(answered, of all items, failed)."""
    total = ChecklistItem.objects.filter(version_id=visit.checklist_id).count()
    answers = Answer.objects.filter(visit=visit)
    return answers.count(), total, answers.filter(result=Result.FAIL).count()


def list_rectifications(
    user, *, unit: Unit | None = None, state: str = "", now: datetime | None = None
) -> QuerySet[Rectification]:
    """Items of the user's view (of `unit`'s subtree), by state; the rows alone (a page of
    them gets its unit, owner and inspector from `with_related`)."""
    qs = Rectification.objects.visible_to(user)
    if unit is not None:
        qs = qs.in_subtree(unit)
    now = now or timezone.now()
    if state == "overdue":
        qs = qs.filter(state=RectState.OPEN, due_at__lte=now)
    elif state in RectState.values:
        qs = qs.filter(state=state)
    return qs


def with_related(page) -> list[Rectification]:
    """A page's items again, with their unit, owner and visit's inspector, in one query:
    joined before the sort and the limit, the database would join every item of the
    subtree (a province: 60,000) to keep 20."""
    ids = [r.pk for r in page]
    rows = Rectification.objects.select_related("unit", "owner", "visit__inspector").in_bulk(ids)
    return [rows[pk] for pk in ids]


def to_fix(user, units) -> QuerySet[Rectification]:
    """Open items of `units` (a liaison's) that the user may fix."""
    fix = scope_of(user, InspectionPerm.FIX)
    return Rectification.objects.filter(
        fix.q("unit_path"), unit__in=units, state=RectState.OPEN
    ).select_related("unit")


def to_verify(user) -> QuerySet[Rectification]:
    """Fixes waiting for `user`'s verification: of their own visits, or (the office) of their
    subtree; never their own fixes."""
    verify = scope_of(user, InspectionPerm.VERIFY)
    mine = Q(visit__inspector=user)
    if not verify.empty:
        mine |= verify.q("unit_path")
    return (
        Rectification.objects.filter(mine, state=RectState.FIXED)
        .exclude(fixed_by=user)
        .filter(scope_of(user, CorePerm.VIEW).q("unit_path"))
        .select_related("unit")
    )


@dataclass
class Board:
    unit: Unit
    open: int = 0
    fixed: int = 0
    overdue: int = 0
    closed_week: int = 0
    overdue_items: list = field(default_factory=list)
    fixed_items: list = field(default_factory=list)
    open_items: list = field(default_factory=list)
    closed_items: list = field(default_factory=list)
    repeats: list = field(default_factory=list)


def get_board(user, unit: Unit, now: datetime | None = None, limit: int = 20) -> Board:
    """The rectification board of `unit`'s subtree: open, overdue, closed this week (the
    unit's week, Monday first) and repeat findings (the same item failed at the same unit in
    more than one visit within REPEAT_DAYS days). A few queries over the board's index and
    the partial index of repeats, whatever the size of the subtree."""
    now = now or timezone.now()
    monday = week_start(unit.local_date(now))
    week_from = datetime.combine(monday, time.min, tzinfo=unit.tzinfo)
    qs = Rectification.objects.visible_to(user).in_subtree(unit)
    counts = qs.aggregate(
        open=Count("pk", filter=Q(state=RectState.OPEN)),
        fixed=Count("pk", filter=Q(state=RectState.FIXED)),
        overdue=Count("pk", filter=Q(state=RectState.OPEN, due_at__lte=now)),
        closed_week=Count("pk", filter=Q(state=RectState.CLOSED, closed_at__gte=week_from)),
    )
    board = Board(unit=unit, **counts)

    def first(order: str, **where) -> list[Rectification]:
        # The ids from the board's index alone, then those rows with their unit and owner:
        # joined before the sort, SQLite would join every matching item of the subtree.
        ids = list(qs.filter(**where).order_by(order, "pk").values_list("pk", flat=True)[:limit])
        rows = Rectification.objects.select_related("unit", "owner").in_bulk(ids)
        return [rows[pk] for pk in ids]

    board.overdue_items = first("due_at", state=RectState.OPEN, due_at__lte=now)
    board.open_items = first("due_at", state=RectState.OPEN, due_at__gt=now)
    board.fixed_items = first("fixed_at", state=RectState.FIXED)
    board.closed_items = first("-closed_at", state=RectState.CLOSED, closed_at__gte=week_from)
    # The items found again (Rectification.repeat_n, kept at creation), most repeated
    # first, one line per unit and item: a walk of the partial index of repeats.
    repeats: list[dict] = []
    seen: set = set()
    found_again = (
        qs.filter(repeat_n__gt=1, created_at__gte=now - timedelta(days=REPEAT_DAYS))
        .order_by("-repeat_n", "-created_at")
        .values("unit_id", "item_code", "repeat_n")
    )
    for row in found_again[: limit * 10]:
        key = (row["unit_id"], row["item_code"])
        if key not in seen:
            seen.add(key)
            repeats.append({"unit_id": key[0], "item_code": key[1], "n": row["repeat_n"]})
            if len(repeats) == limit:
                break
    if repeats:
        units = Unit.objects.in_bulk({r["unit_id"] for r in repeats})
        # The item's wording from the checklists (a small table), not from the items.
        titles = dict(
            ChecklistItem.objects.filter(code__in={r["item_code"] for r in repeats}).values_list(
                "code", "label"
            )
        )
        board.repeats = [
            {
                "unit": units[r["unit_id"]],
                "title": titles.get(r["item_code"], r["item_code"]),
                "n": r["n"],
            }
            for r in repeats
        ]
    return board


def rectification_events(rect: Rectification):
    return rect.events.select_related("by", "by__person")


def prefetch_photos(qs):
    from .models import Photo

    return qs.prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("at")))
