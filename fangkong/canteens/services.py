"""Writes of canteens. Guarantees: each write runs in one transaction and checks the
actor's right on the canteen's unit (None: the replanning sweep); a canteen has seats and
safe-distance seats above zero (a canteen with capacity 0 is refused, naming the field);
a plan never puts more people into a slot than the safe-distance seats and keeps each
department in one slot (the planner, `planner.place`; an adjustment over capacity is
refused naming the department, nothing written); each proposal or adjustment is a new
version, publishing one supersedes the one published before and tells the departments."""

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.numbers import normalize_number
from fangkong.core.permissions import require
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Unit

from . import queries
from .choices import Meal, Mode, PlanReason, PlanState
from .messages import tell_departments
from .models import Canteen, Diner, Plan, PlanRow, Window
from .permissions import CanteenPerm
from .planner import NoCapacity, place

MANAGE = CanteenPerm.MANAGE_CANTEENS
MAX_SEATS = 10_000
DEFAULT_WINDOWS = {
    Meal.BREAKFAST: (time(7, 0), time(8, 30), 30),
    Meal.LUNCH: (time(11, 30), time(13, 0), 20),
    Meal.DINNER: (time(17, 30), time(19, 0), 30),
}


def _count(value, field: str) -> int:
    text = normalize_number(str(value if value is not None else "")).strip()
    if not text.isdigit():
        raise InvalidInput({field: _("A whole number, please.")})
    n = int(text)
    if n > MAX_SEATS:
        raise InvalidInput({field: _("At most %(n)s.") % {"n": MAX_SEATS}})
    return n


def _time(value, field: str) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput({field: _("A time such as 11:30, please.")}) from None


def _actor(actor, path: str) -> None:
    if actor is not None:
        require(actor, MANAGE, path)


def served_units(unit: Unit) -> list[Unit]:
    """By default a canteen serves the departments beside it (its parent's other
    non-site children), else its parent."""
    parent = unit.parent
    if parent is None:
        return []
    siblings = list(
        Unit.objects.filter(parent=parent, active_to__isnull=True)
        .exclude(kind=UnitKind.SITE)
        .order_by("path")
    )
    return siblings or [parent]


@transaction.atomic
def setup_canteen(
    *, actor, unit: Unit, seats, safe_seats, windows: dict | None = None, departments=None
) -> Canteen:
    """Create or change the canteen of a canteen site. `windows`: {meal: (starts, ends,
    slot minutes)}; `departments`: the units it serves (default: `served_units`)."""
    _actor(actor, unit.path)
    if unit.kind != UnitKind.SITE or unit.site_kind != SiteKind.CANTEEN:
        raise InvalidInput({"unit": _("Choose a site that is a canteen.")})
    seats = _count(seats, "seats")
    safe_seats = _count(safe_seats, "safe_seats")
    if seats == 0:
        raise InvalidInput({"seats": _("A canteen with no seats cannot serve anyone.")},
                           code="capacity_zero")  # fmt: skip
    if safe_seats == 0:
        raise InvalidInput(
            {"safe_seats": _("With no safe-distance seats nobody can eat in the canteen.")},
            code="capacity_zero",
        )
    if safe_seats > seats:
        raise InvalidInput({"safe_seats": _("Not more than the seats.")})
    canteen, created = Canteen.objects.select_for_update().get_or_create(
        unit=unit, defaults={"unit_path": unit.path, "seats": seats, "safe_seats": safe_seats}
    )
    canteen.seats, canteen.safe_seats = seats, safe_seats
    canteen.save(update_fields=["seats", "safe_seats"])
    given = windows if windows is not None else (DEFAULT_WINDOWS if created else {})
    for meal, (starts, ends, minutes) in given.items():
        if meal not in Meal.values:
            raise InvalidInput({"meal": _("Not a meal.")})
        starts, ends = _time(starts, f"{meal}.starts"), _time(ends, f"{meal}.ends")
        minutes = _count(minutes, f"{meal}.slot_minutes")
        if ends <= starts:
            raise InvalidInput({f"{meal}.ends": _("After the start, please.")})
        if not 5 <= minutes <= 120:
            raise InvalidInput({f"{meal}.slot_minutes": _("Between 5 and 120 minutes.")})
        Window.objects.update_or_create(
            canteen=canteen, meal=meal,
            defaults={"starts": starts, "ends": ends, "slot_minutes": minutes},
        )  # fmt: skip
    if departments is not None or created:
        units = list(departments) if departments is not None else served_units(unit)
        Diner.objects.filter(canteen=canteen).exclude(unit__in=units).delete()
        for u in units:
            Diner.objects.get_or_create(canteen=canteen, unit=u, defaults={"unit_path": u.path})
    record_change(actor, "create" if created else "update", canteen, unit.path)
    return canteen


@transaction.atomic
def set_mode(*, actor, canteen: Canteen, unit: Unit, mode: str) -> Diner:
    """How a department eats: in the hall in its slot, takeaway, at the desks."""
    _actor(actor, canteen.unit_path)
    if mode not in Mode.values:
        raise InvalidInput({"mode": _("In the canteen, takeaway or at the desks.")})
    diner = Diner.objects.filter(canteen=canteen, unit=unit).first()
    if diner is None:
        raise InvalidInput({"unit": _("The canteen does not serve this department.")})
    diner.mode = mode
    diner.save(update_fields=["mode"])
    record_change(actor, "update", diner, canteen.unit_path)
    return diner


def _next_version(canteen, day, meal) -> int:
    last = (
        Plan.objects.select_for_update()
        .filter(canteen=canteen, day=day, meal=meal)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    return (last or 0) + 1


@transaction.atomic
def propose_plan(
    *, actor, canteen: Canteen, day: date, meal: str, reason: str = PlanReason.PROPOSED
) -> Plan:
    """A new draft version from today's head counts on post and the departments' modes."""
    _actor(actor, canteen.unit_path)
    canteen = Canteen.objects.select_for_update().get(pk=canteen.pk)
    if meal not in Meal.values:
        raise InvalidInput({"meal": _("Breakfast, lunch or dinner.")})
    window = queries.get_window(canteen, meal)
    if window is None:
        raise InvalidInput({"meal": _("The canteen does not serve this meal.")}, code="no_window")
    diners = queries.list_diners(canteen)
    if not diners:
        raise InvalidInput({"departments": _("The canteen serves no department.")})
    counts = queries.head_counts(diners, day)
    slots = queries.slot_count(window)
    hall = [(d.unit_id, counts[d.unit_id]) for d in diners if d.mode == Mode.HALL]
    try:
        placed = place(canteen.safe_seats, slots, hall)
    except NoCapacity:
        raise InvalidInput(
            {"safe_seats": _("The canteen has no safe-distance seats: nobody can eat there.")},
            code="capacity_zero",
        ) from None
    plan = Plan.objects.create(
        canteen=canteen,
        unit_path=canteen.unit_path,
        day=day,
        meal=meal,
        version=_next_version(canteen, day, meal),
        reason=reason,
        capacity=canteen.safe_seats,
        slot_minutes=window.slot_minutes,
        starts=window.starts,
        slots=slots,
        created_by=actor,
    )
    PlanRow.objects.bulk_create(
        PlanRow(
            plan=plan,
            unit_id=d.unit_id,
            mode=d.mode,
            people=counts[d.unit_id],
            slot=placed.slot_of.get(d.unit_id),
        )
        for d in diners
    )
    record_change(actor, "create", plan, canteen.unit_path)
    return plan


def _slot_value(value, field: str, slots: int):
    text = str(value if value is not None else "").strip()
    if text in (Mode.TAKEAWAY, Mode.DESK):
        return text
    if not text.isdigit() or not 1 <= int(text) <= slots:
        raise InvalidInput({field: _("A slot from 1 to %(n)s, takeaway or desk.") % {"n": slots}})
    return int(text) - 1


@transaction.atomic
def adjust_plan(*, actor, plan: Plan, moves: dict) -> Plan:
    """A new draft version of `plan` with departments moved: {unit code: slot number
    (1-based), "takeaway" or "desk"}. Refused if a slot would pass the safe capacity."""
    _actor(actor, plan.unit_path)
    latest = queries.latest_plan(plan.canteen, plan.day, plan.meal)
    if latest is None or latest.pk != plan.pk:
        raise Conflict("stale_plan", _("A newer version of this plan exists; adjust that one."))
    rows = list(plan.rows.select_related("unit"))
    by_code = {r.unit.code: r for r in rows}
    changes = {}
    for code, value in moves.items():
        row = by_code.get(str(code).strip())
        if row is None:
            raise InvalidInput({"unit": _("Not a department of this plan: %(c)s") % {"c": code}})
        changes[row.unit_id] = _slot_value(value, f"slot.{code}", plan.slots)
    loads = [0] * plan.slots
    new_rows = []
    for r in rows:
        slot, mode = r.slot, r.mode
        if r.unit_id in changes:
            value = changes[r.unit_id]
            if isinstance(value, int):
                slot, mode = value, Mode.HALL
            else:
                slot, mode = None, value
        if slot is not None:
            loads[slot] += r.people
        new_rows.append((r, slot, mode))
    for i, load in enumerate(loads):
        if load > plan.capacity:
            names = "、".join(r.unit.name for r, s, _m in new_rows if s == i)
            raise InvalidInput(
                {"slot": _("Slot %(n)s would hold %(load)s people (%(names)s), more than the "
                           "%(cap)s safe-distance seats.")
                 % {"n": i + 1, "load": load, "names": names, "cap": plan.capacity}},
                code="over_capacity",
            )  # fmt: skip
    new = Plan.objects.create(
        canteen=plan.canteen,
        unit_path=plan.unit_path,
        day=plan.day,
        meal=plan.meal,
        version=_next_version(plan.canteen, plan.day, plan.meal),
        reason=PlanReason.ADJUSTED,
        capacity=plan.capacity,
        slot_minutes=plan.slot_minutes,
        starts=plan.starts,
        slots=plan.slots,
        created_by=actor,
    )
    PlanRow.objects.bulk_create(
        PlanRow(plan=new, unit_id=r.unit_id, mode=mode, people=r.people, slot=slot)
        for r, slot, mode in new_rows
    )
    record_change(actor, "update", new, plan.unit_path, changes={"moves": moves})
    return new


@transaction.atomic
def publish_plan(*, actor, plan: Plan, now: datetime | None = None) -> Plan:
    """Publish the latest version: the one published before is superseded, and each
    department's liaisons hear their slot (notify, topic canteen_plan)."""
    _actor(actor, plan.unit_path)
    plan = Plan.objects.select_for_update().select_related("canteen__unit").get(pk=plan.pk)
    latest = queries.latest_plan(plan.canteen, plan.day, plan.meal)
    if latest is None or latest.pk != plan.pk:
        raise Conflict("stale_plan", _("A newer version of this plan exists; publish that one."))
    if plan.state == PlanState.PUBLISHED:
        return plan
    Plan.objects.filter(
        canteen=plan.canteen, day=plan.day, meal=plan.meal, state=PlanState.PUBLISHED
    ).update(state=PlanState.SUPERSEDED)
    plan.state = PlanState.PUBLISHED
    plan.published_at = now or timezone.now()
    plan.published_by = actor
    plan.save(update_fields=["state", "published_at", "published_by"])
    tell_departments(plan, list(plan.rows.select_related("unit")), queries.slot_times)
    record_change(actor, "publish", plan, plan.unit_path)
    return plan
