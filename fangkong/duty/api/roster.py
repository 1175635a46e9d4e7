"""The duty roster over JSON: who is on duty now, rooms, shifts, templates (apply to a
month), gaps and swaps (the duty log is in log.py). A room outside the caller's scope is a 404; a
write the caller's roles do not allow on a visible room is a 403. Times are ISO 8601
with an offset (a naive time is refused); days and months are the room's local ones."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.schemas import Clock, Code, Day, Id, Int, Line, Moment
from fangkong.orgs.models import Person
from fangkong.orgs.queries import get_unit_for

from ..choices import DutyRole
from ..clock import day_window, local_today, next_month, parse_month
from ..models import DutyRoom, RosterTemplate, Shift
from ..queries import roster as queries
from ..queries.coverage import HORIZON_DAYS, list_gaps, upcoming_window
from ..queries.on_duty import on_duty
from ..services import roster as services
from ..services import swaps, templates
from ..services.common import unknown_person

router = Router(tags=["duty"])


# --- schemas ----------------------------------------------------------------------------


class DutyPersonOut(Schema):
    id: int
    name: str
    employee_no: str


class RoomOut(Schema):
    unit: str
    unit_name: str
    name: str
    phone: str
    active: bool
    gap_roles: list[str] = Field(description="roles uncovered at some time in the next 7 days")


class ShiftOut(Schema):
    id: int
    room: str = Field(description="the room's unit code")
    role: DutyRole
    person: DutyPersonOut
    starts_at: datetime
    ends_at: datetime
    template: int | None
    edited: bool
    note: str


class NowOut(Schema):
    unit: str
    at: datetime
    room: RoomOut | None
    staff: list[DutyPersonOut]
    manager: list[DutyPersonOut]
    leader: list[DutyPersonOut]
    shifts: list[ShiftOut]


class RoomIn(Schema):
    unit: Code
    name: Line(100)
    phone: Line(30) = ""
    active: bool = True


class ShiftIn(Schema):
    role: DutyRole
    person: Id | None = Field(None, description="a person id")
    employee_no: Line(32) | None = Field(None, description="or an employee number of the group")
    starts_at: Moment
    ends_at: Moment
    note: Line(200) = ""


class TemplateOut(Schema):
    id: int
    name: str
    role: DutyRole
    shift_hours: int
    start_time: time
    anchor_on: date
    people: list[int]


class TemplateIn(Schema):
    name: Line(100)
    role: DutyRole
    shift_hours: Int(1, 24 * 7) = 24
    start_time: Clock
    anchor_on: Day
    people: list[Id] = Field(max_length=200, description="person ids in rotation order")


class ApplyIn(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class AppliedOut(Schema):
    month: str
    created: int
    removed: int
    kept: int


class GapsOut(Schema):
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    gaps: dict[str, list[dict[str, datetime]]]


class SwapIn(Schema):
    to_person: Id | None = None
    employee_no: Line(32) | None = None
    reason: Line(200) = ""


class DecideIn(Schema):
    approve: bool
    note: Line(200) = ""


class SwapOut(Schema):
    id: int
    shift: int
    from_person: int
    to_person: int
    state: str
    reason: str
    decision_note: str


# --- helpers ----------------------------------------------------------------------------


def _room_out(room: DutyRoom, gap_roles=()) -> dict:
    return {
        "unit": room.unit.code,
        "unit_name": room.unit.name,
        "name": room.name,
        "phone": room.phone,
        "active": room.active,
        "gap_roles": list(gap_roles),
    }


def _person_out(person: Person) -> dict:
    return {"id": person.pk, "name": person.name, "employee_no": person.employee_no}


def _shift_out(shift: Shift) -> dict:
    return {
        "id": shift.pk,
        "room": shift.room.unit.code,
        "role": shift.role,
        "person": _person_out(shift.person),
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
        "template": shift.template_id,
        "edited": shift.edited,
        "note": shift.note,
    }


def _template_out(template: RosterTemplate) -> dict:
    return {
        "id": template.pk,
        "name": template.name,
        "role": template.role,
        "shift_hours": template.shift_hours,
        "start_time": template.start_time,
        "anchor_on": template.anchor_on,
        "people": template.people,
    }


def _person(room: DutyRoom, person_id: int | None, employee_no: str | None, field: str):
    if person_id is not None:
        person = queries.get_roster_person(room, person_id)
    else:
        person = queries.find_person(room, employee_no or "")
    if person is None:
        raise unknown_person(field)
    return person


# --- endpoints --------------------------------------------------------------------------


@router.get("/duty/now", response=NowOut, summary="Who is on duty now for a unit")
def duty_now(request, unit: Code, at: Moment | None = None):
    """The nearest duty room on the unit's line (itself, then its ancestors) and who is on
    duty there at `at` (default now), by role."""
    target = get_unit_for(request.user, unit)
    if at is not None and timezone.is_naive(at):
        raise InvalidInput({"at": _("A time needs its time zone.")})
    at = at or timezone.now()
    found = on_duty(target, at)
    room = found["room"]
    for shift in found["shifts"]:
        shift.room = room
    return {
        "unit": target.code,
        "at": at,
        "room": _room_out(room) if room else None,
        **{role: [_person_out(p) for p in found[role]] for role in DutyRole.values},
        "shifts": [_shift_out(s) for s in found["shifts"]],
    }


@router.get("/duty/rooms", response=list[RoomOut], summary="Duty rooms in scope")
def room_list(request):
    rooms = queries.annotate_coverage(queries.list_rooms(request.user))
    return [_room_out(r, r.gap_roles) for r in rooms]


@router.post("/duty/rooms", response={201: RoomOut}, summary="Open or change a duty room")
@idempotent
def room_save(request, payload: RoomIn):
    unit = get_unit_for(request.user, payload.unit)
    room = services.save_room(
        actor=request.user, unit=unit, name=payload.name, phone=payload.phone, active=payload.active
    )
    return 201, _room_out(room)


@router.get("/duty/rooms/{unit_code}/shifts", response=list[ShiftOut])
def shift_list(
    request,
    unit_code: Code,
    start: Day | None = Query(  # noqa: B008
        None, alias="from", description="first local day (default: the 1st of this month)"
    ),
    end: Day | None = Query(  # noqa: B008
        None, alias="to", description="last local day (default: end of the month)"
    ),
):
    """The room's shifts overlapping the local days [from, to] (at most 62 days)."""
    room = queries.get_room_for(request.user, unit_code)
    first = start or local_today(room.unit).replace(day=1)
    last = end or next_month(first) - timedelta(days=1)
    if last < first or (last - first).days > 62:
        raise InvalidInput({"to": _("A period of 1 to 62 days, its end not before its start.")})
    low = day_window(first, room.unit)[0]
    high = day_window(last, room.unit)[1]
    shifts = queries.list_shifts(room, low, high).select_related("room__unit")
    return [_shift_out(s) for s in shifts]


@router.post("/duty/rooms/{unit_code}/shifts", response={201: ShiftOut})
@idempotent
def shift_create(request, unit_code: Code, payload: ShiftIn):
    """Put someone on duty. An overlap with another shift of the person (any room) is
    refused with code `shift_overlap`."""
    room = queries.get_room_for(request.user, unit_code)
    person = _person(room, payload.person, payload.employee_no, "person")
    shift = services.create_shift(
        actor=request.user,
        room=room,
        role=payload.role,
        person=person,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        note=payload.note,
    )
    return 201, _shift_out(shift)


@router.get("/duty/rooms/{unit_code}/templates", response=list[TemplateOut])
def template_list(request, unit_code: Code):
    room = queries.get_room_for(request.user, unit_code)
    return [_template_out(t) for t in room.templates.all()]


@router.post("/duty/rooms/{unit_code}/templates", response={201: TemplateOut})
@idempotent
def template_create(request, unit_code: Code, payload: TemplateIn):
    room = queries.get_room_for(request.user, unit_code)
    template = templates.save_template(
        actor=request.user,
        room=room,
        role=payload.role,
        name=payload.name,
        shift_hours=payload.shift_hours,
        start_time=payload.start_time,
        anchor_on=payload.anchor_on,
        people=payload.people,
    )
    return 201, _template_out(template)


@router.post("/duty/rooms/{unit_code}/templates/{template_id}/apply", response=AppliedOut)
@idempotent
def template_apply(request, unit_code: Code, template_id: Id, payload: ApplyIn):
    """Make the template's shifts for a whole local month in one action (idempotent:
    future shifts of the template in that month are replaced, begun ones kept)."""
    room = queries.get_room_for(request.user, unit_code)
    template = queries.get_template_for(request.user, room, template_id)
    month = parse_month(payload.month)
    if month is None:
        raise InvalidInput({"month": _("A month is written YYYY-MM.")})
    result = templates.apply_template(actor=request.user, template=template, month=month)
    return {
        "month": payload.month,
        "created": result.created,
        "removed": result.removed,
        "kept": result.kept,
    }


@router.get("/duty/rooms/{unit_code}/gaps", response=GapsOut)
def gap_list(request, unit_code: Code, days: int = Query(HORIZON_DAYS, ge=1, le=62)):
    """Each role's uncovered intervals from now over the next `days` days (default 7)."""
    room = queries.get_room_for(request.user, unit_code)
    start, end = upcoming_window(days=days)
    gaps = list_gaps([room], start, end)[room.pk]
    return {
        "from": start,
        "to": end,
        "gaps": {role: [{"from": a, "to": b} for a, b in gaps[role]] for role in gaps},
    }


def _swap_out(swap) -> dict:
    return {
        "id": swap.pk,
        "shift": swap.shift_id,
        "from_person": swap.from_person_id,
        "to_person": swap.to_person_id,
        "state": swap.state,
        "reason": swap.reason,
        "decision_note": swap.decision_note,
    }


@router.post("/duty/shifts/{shift_id}/swaps", response={201: SwapOut})
@idempotent
def swap_request(request, shift_id: Id, payload: SwapIn):
    shift = queries.get_shift_for(request.user, shift_id)
    person = _person(shift.room, payload.to_person, payload.employee_no, "to_person")
    return 201, _swap_out(
        swaps.request_swap(actor=request.user, shift=shift, to_person=person, reason=payload.reason)
    )


@router.post("/duty/swaps/{swap_id}/decide", response=SwapOut)
@idempotent
def swap_decide(request, swap_id: Id, payload: DecideIn):
    swap = queries.get_swap_for(request.user, swap_id)
    return _swap_out(
        swaps.decide_swap(actor=request.user, swap=swap, approve=payload.approve, note=payload.note)
    )
