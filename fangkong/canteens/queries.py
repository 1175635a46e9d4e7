"""Scoped reads of canteens: a canteen within the reader's scope of its site unit; today's
head counts on post of the departments it serves are health's (the check-in tallies:
remote, travelling and observed people do not eat there); a plan's view with its slots,
their loads and times."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.http import Http404

from fangkong.core.fields import subtree_q
from fangkong.health.queries.checkins import get_checkin_summary
from fangkong.orgs.models import Unit

from .choices import Mode
from .models import Canteen, Diner, Plan, Window


def list_canteens(user, *, unit: Unit | None = None) -> QuerySet:
    rows = Canteen.objects.visible_to(user).select_related("unit", "unit__parent")
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    return rows.order_by("unit_path")


def get_canteen_for(user, code: str) -> Canteen:
    canteen = list_canteens(user).filter(unit__code=(code or "").strip()).first()
    if canteen is None:
        raise Http404
    return canteen


def list_diners(canteen: Canteen) -> list[Diner]:
    return list(Diner.objects.filter(canteen=canteen).select_related("unit"))


def get_window(canteen: Canteen, meal: str) -> Window | None:
    return Window.objects.filter(canteen=canteen, meal=meal).first()


def slot_count(window: Window) -> int:
    minutes = (
        datetime.combine(date.min, window.ends) - datetime.combine(date.min, window.starts)
    ).seconds // 60
    return max(minutes // max(window.slot_minutes, 1), 1)


def slot_times(starts: time, minutes: int, index: int) -> tuple[time, time]:
    first = datetime.combine(date.min, starts) + timedelta(minutes=minutes * index)
    return first.time(), (first + timedelta(minutes=minutes)).time()


def head_counts(diners: list[Diner], day: date) -> dict[int, int]:
    """People on post today per department (unit id), from health's check-in tallies."""
    return {d.unit_id: get_checkin_summary(d.unit, day)["at_post"] for d in diners}


def latest_plan(canteen: Canteen, day: date, meal: str) -> Plan | None:
    return Plan.objects.filter(canteen=canteen, day=day, meal=meal).order_by("-version").first()


def published_plan(canteen: Canteen, day: date, meal: str) -> Plan | None:
    return Plan.objects.filter(canteen=canteen, day=day, meal=meal, state="published").first()


def list_plans(canteen: Canteen, day: date | None = None, meal: str = "") -> QuerySet:
    rows = Plan.objects.filter(canteen=canteen).prefetch_related("rows__unit")
    if day:
        rows = rows.filter(day=day)
    if meal:
        rows = rows.filter(meal=meal)
    return rows.order_by("-day", "meal", "-version")


@dataclass
class SlotView:
    index: int
    starts: time
    ends: time
    load: int
    rows: list = field(default_factory=list)


@dataclass
class PlanView:
    plan: Plan
    slots: list[SlotView]
    away: list  # rows not in the hall (takeaway, desks, too big for one slot)
    hall: int
    total: int


def get_plan_view(plan: Plan) -> PlanView:
    rows = list(plan.rows.select_related("unit").order_by("slot", "unit__path"))
    slots = []
    for i in range(plan.slots):
        starts, ends = slot_times(plan.starts, plan.slot_minutes, i)
        mine = [r for r in rows if r.slot == i]
        slots.append(SlotView(i, starts, ends, sum(r.people for r in mine), mine))
    away = [r for r in rows if r.slot is None]
    hall = sum(s.load for s in slots)
    return PlanView(plan, slots, away, hall, sum(r.people for r in rows))


def chart_data(view: PlanView) -> dict:
    """The chart's series: people per slot, stacked by department, and the capacity."""
    labels = [f"{s.starts:%H:%M}" for s in view.slots]
    series = []
    for s in view.slots:
        for r in s.rows:
            data = [0] * len(view.slots)
            data[s.index] = r.people
            series.append({"name": r.unit.name, "data": data})
    return {"labels": labels, "series": series, "capacity": view.plan.capacity}


def row_mode_label(row):
    return Mode(row.mode).label
