"""Local time of a duty room: shifts are stored in UTC, but days, months and shift starts
are the wall-clock time of the room's unit (`Unit.timezone`)."""

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta


def tz_of(unit) -> zoneinfo.ZoneInfo:
    return unit.tzinfo


def local(dt: datetime, unit) -> datetime:
    return unit.local_time(dt)


def local_today(unit, now: datetime | None = None) -> date:
    return unit.local_date(now)


def aware(naive: datetime, unit) -> datetime:
    """A wall-clock time of the unit as an aware UTC datetime."""
    return naive.replace(tzinfo=tz_of(unit)).astimezone(UTC)


def day_window(day: date, unit) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time())
    return aware(start, unit), aware(start + timedelta(days=1), unit)


def next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def prev_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def month_window(first: date, unit) -> tuple[datetime, datetime]:
    """[local midnight of the 1st, local midnight of the next month's 1st) in UTC."""
    first = first.replace(day=1)
    return (
        aware(datetime.combine(first, time()), unit),
        aware(datetime.combine(next_month(first), time()), unit),
    )


def parse_month(value: str | None) -> date | None:
    """'YYYY-MM' → the first of that month, or None when it is not one."""
    try:
        year, month = (int(part) for part in str(value or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None
