"""Who is on duty now, for any unit: the nearest active duty room on the unit's line (the
unit itself, then its ancestors), and the people whose shifts there cover the moment."""

from datetime import datetime, timedelta

from django.utils import timezone

from fangkong.core.fields import subtree_q
from fangkong.orgs.models import Person, Unit

from ..choices import DutyRole
from ..models import DutyRoom, Shift


def nearest_room(unit: Unit) -> DutyRoom | None:
    """The unit's own active duty room, else the nearest one above it; one query."""
    lineage = [*unit.ancestor_ids, unit.pk]
    rooms = {
        r.unit_id: r
        for r in DutyRoom.objects.filter(unit_id__in=lineage, active=True).select_related("unit")
    }
    for unit_id in reversed(lineage):
        if unit_id in rooms:
            return rooms[unit_id]
    return None


def shifts_at(room: DutyRoom, at: datetime) -> list[Shift]:
    return list(
        Shift.objects.filter(room=room, starts_at__lte=at, ends_at__gt=at)
        .select_related("person")
        .order_by("role", "starts_at", "person__name")
    )


def on_duty(unit: Unit, at: datetime | None = None) -> dict:
    """{"room": DutyRoom | None, "staff": [Person], "manager": [Person], "leader": [Person],
    "shifts": [Shift]} at `at` (default now). A role with nobody on duty is an empty list
    (a gap in the nearest room is not filled from further up: it shows as a gap)."""
    at = at or timezone.now()
    result: dict = {"room": nearest_room(unit), "shifts": []}
    result.update({role: [] for role in DutyRole.values})
    if result["room"] is not None:
        result["shifts"] = shifts_at(result["room"], at)
        for shift in result["shifts"]:
            result[shift.role].append(shift.person)
    return result


def on_duty_user_ids(unit: Unit, at: datetime | None = None, roles=None) -> set[int]:
    """The resolver registered with notify (`register_on_duty_resolver`): the logins of
    the people on duty for `unit` at `at`, in `roles` (None: every duty role). People
    without a login, inactive people and inactive users are left out."""
    wanted = set(DutyRole.values) if roles is None else set(roles)
    found = on_duty(unit, at)
    people: list[Person] = [p for role in DutyRole.values if role in wanted for p in found[role]]
    ids = {p.user_id for p in people if p.is_active and p.user_id is not None}
    if not ids:
        return set()
    from django.contrib.auth import get_user_model

    return set(
        get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
    )


def on_duty_by_room(rooms, at: datetime | None = None) -> dict[int, dict[str, list[Person]]]:
    """For each room, the people on duty at `at` by role; one query for all rooms."""
    at = at or timezone.now()
    rooms = list(rooms)
    result: dict[int, dict[str, list[Person]]] = {
        room.pk: {role: [] for role in DutyRole.values} for room in rooms
    }
    for shift in (
        Shift.objects.filter(room__in=rooms, starts_at__lte=at, ends_at__gt=at)
        .select_related("person")
        .order_by("starts_at", "person__name")
    ):
        result[shift.room_id][shift.role].append(shift.person)
    return result


ROSTER_DAYS = 30  # a shift this close, before or after, puts someone on a room's roster


def roster_standing(unit: Unit, user_id: int, at: datetime) -> tuple[bool, datetime | None]:
    """The roster resolver registered with notify: whether the login holds a shift in the
    room serving `unit` within ROSTER_DAYS of `at`, and when their next one starts."""
    room = nearest_room(unit)
    if room is None:
        return False, None
    shifts = Shift.objects.filter(
        room=room,
        person__user_id=user_id,
        ends_at__gt=at - timedelta(days=ROSTER_DAYS),
        starts_at__lt=at + timedelta(days=ROSTER_DAYS),
    )
    starts = list(shifts.values_list("starts_at", flat=True))
    upcoming = [s for s in starts if s > at]
    return bool(starts), min(upcoming, default=None)


def contacts(unit: Unit, at: datetime) -> dict | None:
    """Whom to call to report to `unit`: its duty room's phone and who is on duty there
    (leader, manager, staff), with their phones (registered with notify.recipients)."""
    found = on_duty(unit, at)
    room = found["room"]
    if room is None:
        return None
    order = (DutyRole.MANAGER, DutyRole.LEADER, DutyRole.STAFF)
    people = [
        {"role": DutyRole(role).label, "name": person.name, "phone": person.phone}
        for role in order
        for person in found[role]
    ]
    return {"room": room.name, "room_phone": room.phone, "unit": room.unit, "people": people}


def on_duty_here_and_below(unit: Unit, at: datetime | None = None) -> list[dict]:
    """Who is on duty at `at` for `unit` (its nearest room) and in the rooms of the units
    one level below it: [{"unit", "room", <role>: [Person]}], this level first, then the
    rooms below by path. Three queries however many units there are."""
    at = at or timezone.now()
    here = nearest_room(unit)
    below = list(
        DutyRoom.objects.filter(
            subtree_q("unit__path", unit.path), unit__depth=unit.depth + 1, active=True
        )
        .select_related("unit")
        .order_by("unit__path")
    )
    rooms = ([here] if here is not None else []) + below
    people = on_duty_by_room(rooms, at) if rooms else {}
    rows: list[dict] = []
    if here is None:
        rows.append({"unit": unit, "room": None, **{role: [] for role in DutyRole.values}})
    for room in rooms:
        rows.append({"unit": unit if room is here else room.unit, "room": room, **people[room.pk]})
    return rows
