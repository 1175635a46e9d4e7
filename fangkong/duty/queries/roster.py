"""Scoped reads of the roster: rooms, shifts, templates, swaps, and the month calendar."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import Http404
from django.utils.functional import Promise

from fangkong.core.permissions import CorePerm, Permission
from fangkong.core.scope import get_object_for, scope_of
from fangkong.orgs.models import Person
from fangkong.orgs.services import group_of

from ..choices import DutyRole, SwapState
from ..clock import day_window, local, month_window
from ..models import DutyRoom, RosterTemplate, Shift, SwapRequest
from ..permissions import DutyPerm
from .coverage import list_gaps, list_upcoming_gaps


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


def get_room_for(user, code: str, perm: Permission = CorePerm.VIEW) -> DutyRoom:
    """The duty room of the unit with this code, inside the user's scope, or 404."""
    return get_object_for(user, DutyRoom.objects.select_related("unit"), perm, unit__code=code)


def get_shift_for(user, shift_id, perm: Permission = CorePerm.VIEW) -> Shift:
    queryset = Shift.objects.select_related("room__unit", "person", "template")
    return get_object_for(user, queryset, perm, pk=_int(shift_id))


def get_template_for(
    user, room: DutyRoom, template_id, perm: Permission = CorePerm.VIEW
) -> RosterTemplate:
    queryset = RosterTemplate.objects.select_related("room__unit").filter(room=room)
    return get_object_for(user, queryset, perm, pk=_int(template_id))


def get_swap_for(user, swap_id, perm: Permission = CorePerm.VIEW) -> SwapRequest:
    queryset = SwapRequest.objects.select_related(
        "shift__room__unit", "shift__person", "from_person", "to_person", "requested_by"
    )
    return get_object_for(user, queryset, perm, pk=_int(swap_id))


def list_rooms(user):
    return DutyRoom.objects.visible_to(user).select_related("unit").order_by("unit__path")


def annotate_coverage(rooms, now: datetime | None = None) -> list[DutyRoom]:
    """Give each room `.gaps` ({role: [(start, end)]} over the next 7 days) and
    `.gap_roles` (the roles with a gap); one query for all rooms."""
    rooms = list(rooms)
    gaps = list_upcoming_gaps([r for r in rooms if r.active], now)
    for room in rooms:
        room.gaps = gaps.get(room.pk, {})
        room.gap_roles = [role for role in DutyRole.values if room.gaps.get(role)]
    return rooms


def list_shifts(room: DutyRoom, start: datetime, end: datetime):
    """The room's shifts overlapping [start, end), by start."""
    return (
        Shift.objects.filter(room=room, starts_at__lt=end, ends_at__gt=start)
        .select_related("person")
        .order_by("starts_at", "role", "id")
    )


def list_templates(room: DutyRoom) -> list[RosterTemplate]:
    """The room's templates, each with `.rotation`: its people in order."""
    templates = list(room.templates.all())
    ids = {pid for t in templates for pid in t.people}
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)}
    for template in templates:
        template.rotation = [people[pid] for pid in template.people if pid in people]
    return templates


def list_pending_swaps(room: DutyRoom):
    return (
        SwapRequest.objects.filter(shift__room=room, state=SwapState.PENDING)
        .select_related("shift", "from_person", "to_person", "requested_by")
        .order_by("shift__starts_at")
    )


def find_person(room: DutyRoom, employee_no: str) -> Person | None:
    """The active person of the room's group with this employee number."""
    employee_no = (employee_no or "").strip()
    if not employee_no:
        return None
    return Person.objects.filter(
        group=group_of(room.unit), employee_no=employee_no, is_active=True
    ).first()


def get_roster_person(room: DutyRoom, person_id: int) -> Person | None:
    """The person of the room's group with this id (active or not, so the roster can say
    who has left); someone of another group is None, exactly as an unknown id (issue 10:
    out of scope and unknown read the same)."""
    return Person.objects.filter(pk=person_id, group=group_of(room.unit)).first()


def people_choices(room: DutyRoom, limit: int = 300) -> list[Person]:
    """People of the room's unit subtree, for pickers."""
    return list(
        Person.objects.in_subtree(room.unit)
        .filter(is_active=True)
        .only("pk", "name", "employee_no", "unit_path")
        .order_by("unit_path", "employee_no")[:limit]
    )


@dataclass
class RoleDay:
    role: str
    label: str | Promise  # a lazy translation
    shifts: list = field(default_factory=list)  # (shift, local start, local end)
    gaps: list = field(default_factory=list)  # (local start, local end)


@dataclass
class DayCell:
    day: date
    in_month: bool
    today: bool = False
    roles: list[RoleDay] = field(default_factory=list)

    @property
    def has_gap(self) -> bool:
        return any(r.gaps for r in self.roles)


def month_calendar(room: DutyRoom, first: date, today: date | None = None) -> dict:
    """The month grid of a room: weeks of days (Monday first), each day with every role's
    shifts and uncovered stretches in local time. Three queries whatever the month."""
    unit = room.unit
    start, end = month_window(first, unit)
    shifts = list(list_shifts(room, start, end))
    gaps = list_gaps([room], start, end)[room.pk]
    labels = dict(DutyRole.choices)
    weeks = []
    gap_days = 0
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        cells = []
        for day in week:
            cell = DayCell(day=day, in_month=day.month == first.month, today=day == today)
            if cell.in_month:
                low, high = day_window(day, unit)
                for role in DutyRole.values:
                    role_day = RoleDay(role, labels[role])
                    for shift in shifts:
                        if shift.role == role and shift.starts_at < high and shift.ends_at > low:
                            role_day.shifts.append(
                                (shift, local(shift.starts_at, unit), local(shift.ends_at, unit))
                            )
                    for begin, finish in gaps[role]:
                        if begin < high and finish > low:
                            role_day.gaps.append(
                                (local(max(begin, low), unit), local(min(finish, high), unit))
                            )
                    cell.roles.append(role_day)
                gap_days += cell.has_gap
            cells.append(cell)
        weeks.append(cells)
    return {"weeks": weeks, "gaps": gaps, "gap_days": gap_days, "shift_count": len(shifts)}


def can_manage(user, room: DutyRoom) -> bool:
    return scope_of(user, DutyPerm.MANAGE_DUTY).covers(room.unit.path)


def list_units_without_room(user, limit: int = 50):
    """Units of the scope that must keep a duty room — groups, subsidiaries and key units
    (seed 003: 值班值守) — and have no open one."""
    from django.db.models import Q

    from fangkong.orgs.choices import UnitKind
    from fangkong.orgs.models import Unit

    return list(
        Unit.objects.visible_to(user)
        .filter(Q(kind__in=[UnitKind.GROUP, UnitKind.SUBSIDIARY]) | Q(is_key_unit=True))
        .exclude(duty_room__active=True)
        .order_by("path")[:limit]
    )
