"""Coverage: every duty room must have every role on duty 24 hours a day (值班人员、值班经理
和带班领导24小时在岗). A gap is a stretch of time with nobody on duty in a role."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.utils import timezone

from fangkong.orgs.choices import Role
from fangkong.orgs.queries import nearest_role_holders

from ..choices import DutyRole
from ..models import DutyRoom, Shift

HORIZON_DAYS = 7

Interval = tuple[datetime, datetime]


def uncovered(intervals, start: datetime, end: datetime) -> list[Interval]:
    """The parts of [start, end) that no interval covers, in order."""
    gaps: list[Interval] = []
    cursor = start
    for begin, finish in sorted(intervals):
        if cursor >= end:
            break
        if begin > cursor:
            gaps.append((cursor, min(begin, end)))
        cursor = max(cursor, finish)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def list_gaps(rooms, start: datetime, end: datetime) -> dict[int, dict[str, list[Interval]]]:
    """For each room, each role's uncovered intervals in [start, end); one query for all
    rooms. Every role appears, with an empty list when covered."""
    rooms = list(rooms)
    by_key: dict[tuple[int, str], list[Interval]] = defaultdict(list)
    rows = Shift.objects.filter(room__in=rooms, starts_at__lt=end, ends_at__gt=start).values_list(
        "room_id", "role", "starts_at", "ends_at"
    )
    for room_id, role, begin, finish in rows:
        by_key[(room_id, role)].append((begin, finish))
    return {
        room.pk: {role: uncovered(by_key[(room.pk, role)], start, end) for role in DutyRole.values}
        for room in rooms
    }


def upcoming_window(now: datetime | None = None, days: int = HORIZON_DAYS) -> Interval:
    now = now or timezone.now()
    return now, now + timedelta(days=days)


def list_upcoming_gaps(rooms, now: datetime | None = None, days: int = HORIZON_DAYS):
    start, end = upcoming_window(now, days)
    return list_gaps(rooms, start, end)


def admin_user_ids(units) -> dict[int, set[int]]:
    """For each unit, the active users holding `unit_admin` on the nearest unit of its
    line (itself, then its ancestors) that has any; one query for all units."""
    units = list(units)
    found = nearest_role_holders(units, Role.UNIT_ADMIN)
    return {u.pk: set(found.get(u.pk, (None, []))[1]) for u in units}


def active_rooms():
    return DutyRoom.objects.filter(active=True).select_related("unit")
