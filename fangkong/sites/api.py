"""Disinfection and ventilation over JSON: the schedules in force in a subtree, the slots
of a subtree and day, logging a slot (Idempotency-Key honoured), compliance of a unit and
its children for a day. Outside the caller's scope: 404."""

from datetime import date, datetime

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Int, Items, Line
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Person
from fangkong.orgs.queries import get_unit_for

from . import queries, services
from .choices import Covers, SlotState, Via, Work

router = Router(tags=["sites"])


class SlotTimeOut(Schema):
    at: str = Field(description="HH:MM in the site's time zone")
    covers: Covers
    agent: str
    label: str


class ScheduleOut(Schema):
    site_kind: str
    set_at: str | None = Field(description="the unit it is set on; null: the shipped default")
    applies_to: str = Field(description="subtree: the sites of the kind below set_at; site: one")
    slots: list[SlotTimeOut]
    window_minutes: int = Field(description="on time within this many minutes of the start")
    grace_minutes: int = Field(description="late within this many more; then missed")


class UnitQuery(Schema):
    unit: Code


class SlotQuery(PageQuery):
    unit: Code
    day: Day | None = Field(None, description="the unit's day (default: today there)")
    state: SlotState | None = None


class SlotOut(Schema):
    id: int
    site: str = Field(description="the site's code")
    day: date
    starts_at: datetime
    ends_at: datetime = Field(description="on time until")
    missed_at: datetime = Field(description="late until; missed after")
    covers: Covers
    agent: str
    label: str
    state: SlotState
    logged_at: datetime | None
    done_by: str | None = Field(description="employee number of who did it")
    done: list[Work]
    note: str


class LogIn(Schema):
    done: Items(Work, 2) = Field(description="what was done: disinfection, ventilation")
    note: Line(300) = ""
    person: Line(64) | None = Field(None, description="employee number of who did it (site staff)")
    site: Code | None = Field(None, description="if given, must be the slot's site")


class CountsOut(Schema):
    unit: str
    name: str
    total: int = Field(description="slots of the day")
    expected: int = Field(description="still open (not logged, not missed)")
    done: int = Field(description="logged on time")
    late: int = Field(description="logged late")
    missed: int
    rate: int | None = Field(description="percent logged of those settled")


class ComplianceOut(CountsOut):
    day: date
    children: list[CountsOut]


class ComplianceQuery(Schema):
    unit: Code
    day: Day | None = None


def _schedule(row_kind, plan, set_at, applies_to) -> dict:
    return {
        "site_kind": row_kind,
        "set_at": set_at,
        "applies_to": applies_to,
        "slots": [
            {"at": f"{s.at:%H:%M}", "covers": s.covers, "agent": s.agent, "label": s.label}
            for s in plan.slots
        ],
        "window_minutes": plan.window,
        "grace_minutes": plan.grace,
    }


@router.get("/sites/schedules", response=list[ScheduleOut], summary="Schedules in force")
def list_schedules(request, filters: Query[UnitQuery]):
    """Per site kind with sites in the subtree, the schedule its sites directly below the
    unit follow (set here, above, or the shipped default), then every schedule set inside
    the subtree (for a part of it, or one site's override)."""
    from .schedules import Resolver

    unit = get_unit_for(request.user, filters.unit)
    counts = queries.count_sites(unit)
    out = []
    for row in queries.effective_plans(unit):
        if row["plan"] is None or not (counts.get(row["kind"]) or row["own"]):
            continue
        schedule = row["plan"].schedule
        out.append(
            _schedule(
                row["kind"],
                row["plan"],
                schedule.unit.code if schedule else None,
                "site" if unit.kind == UnitKind.SITE and schedule else "subtree",
            )
        )
    for s in queries.list_schedules(request.user, unit).exclude(unit=unit):
        if not s.unit.path.startswith(unit.path):
            continue  # above: already in force at the unit
        plan = Resolver([s]).plan_of(s)
        out.append(
            _schedule(
                s.site_kind,
                plan,
                s.unit.code,
                "site" if s.unit.kind == UnitKind.SITE else "subtree",
            )
        )
    return out


class SlotTimeIn(Schema):
    at: Line(5) = Field(description="HH:MM in the site's time zone")
    covers: Covers = Covers.BOTH
    agent: Line(100) = ""
    label: Line(40) = ""


class ScheduleIn(Schema):
    unit: Code = Field(description="the unit it is set on (a site: its override)")
    site_kind: Line(20)
    slots: Items(SlotTimeIn, 24) = Field(description="empty: sites of the kind get no slots")
    window_minutes: Int(0, 24 * 60) = 120
    grace_minutes: Int(0, 24 * 60) = 120


@router.post("/sites/schedules", response={201: ScheduleOut}, summary="Set a schedule")
@idempotent
def set_schedule(request, payload: ScheduleIn):
    """Set the schedule of a site kind for a unit's subtree (on a site: its override).
    Slots not started yet follow at the next sweep."""
    from .schedules import Resolver
    from .schedules import set_schedule as set_

    unit = get_unit_for(request.user, payload.unit)
    schedule = set_(
        actor=request.user,
        unit=unit,
        site_kind=payload.site_kind,
        slots=[s.dict() for s in payload.slots],
        window_minutes=payload.window_minutes,
        grace_minutes=payload.grace_minutes,
    )
    applies = "site" if unit.kind == UnitKind.SITE else "subtree"
    return 201, _schedule(schedule.site_kind, Resolver.plan_of(schedule), unit.code, applies)


def _slot_out(s) -> dict:
    return {
        "id": s.pk,
        "site": s.site.code,
        "day": s.day,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "missed_at": s.missed_at,
        "covers": s.covers,
        "agent": s.agent,
        "label": s.label,
        "state": s.state,
        "logged_at": s.logged_at,
        "done_by": s.done_by.employee_no if s.done_by else None,
        "done": s.done,
        "note": s.note,
    }


@router.get("/sites/slots", response=Page[SlotOut], summary="Slots of a subtree and day")
def list_slots(request, filters: Query[SlotQuery]):
    unit = get_unit_for(request.user, filters.unit)
    day = filters.day or unit.local_date()
    rows = queries.list_slots(request.user, unit, day, state=filters.state or "")
    return paginate(rows, filters, out=_slot_out)


@router.post("/sites/slots/{slot_id}/log", response=SlotOut, summary="Log a slot as done")
@idempotent
def log_slot(request, slot_id: Id, payload: LogIn):
    """Done on time up to `ends_at`, late up to `missed_at`. Refused (4xx naming the
    field): a slot not started yet or missed (`slot`), one of another site than `site`,
    one already logged (409), `done` missing what the slot covers, `person` not on the
    site's staff."""
    slot = queries.get_slot_for(request.user, slot_id)
    site = None
    if payload.site:
        try:
            site = get_unit_for(request.user, payload.site)
        except Http404:
            raise InvalidInput({"site": _("Unknown unit code.")}, code="unknown_unit") from None
    person = None
    if payload.person:
        person = (
            Person.objects.in_subtree(slot.site)
            .filter(employee_no=payload.person, is_active=True)
            .first()
        )
        if person is None:
            raise InvalidInput({"person": _("Choose someone on this site's staff.")})
    logged = services.log_slot(
        slot=slot,
        done=payload.done,
        note=payload.note,
        person=person,
        actor=request.user,
        via=Via.API,
        site=site,
    )
    return _slot_out(logged)


def _counts(unit, c) -> dict:
    return {
        "unit": unit.code,
        "name": unit.name,
        **{k: c[k] for k in ("total", "expected", "done", "late", "missed", "rate")},
    }


@router.get("/sites/compliance", response=ComplianceOut, summary="Compliance for a day")
def compliance(request, filters: Query[ComplianceQuery]):
    unit = get_unit_for(request.user, filters.unit)
    day = filters.day or unit.local_date()
    totals, children = queries.get_compliance(unit, day)
    return {
        **_counts(unit, totals),
        "day": day,
        "children": [_counts(c, c.compliance) for c in children],
    }
