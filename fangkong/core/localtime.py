"""Times as a person sees them: on the wall clock of the unit they are about, in one format.

Every time shown to a person — pages, exports, ledger texts, messages, robot payloads —
goes through `show` (or the `local` template filters of `core/templatetags/localtime.py`),
with the unit the record belongs to: a deadline of a heat station in Urumqi is shown on
Urumqi's clock whoever looks at it and whatever the server's zone. Times are stored in
UTC; a naive datetime is a bug and is refused.

`zone` is anything with a `tzinfo` attribute (a `Unit`), a `ZoneInfo`, a zone name, or
None for the site's zone (`settings.TIME_ZONE`). Requests also activate the viewer's
zone (`orgs.middleware`), so `timezone.localdate()` in a view is the viewer's day.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, tzinfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DATETIME = "%Y-%m-%d %H:%M"  # the one format of a moment
SHORT = "%m-%d %H:%M"  # the same, in a table or a message where the year is plain
TIME = "%H:%M"

STYLES = {"datetime": DATETIME, "short": SHORT, "time": TIME}


def zone_of(zone=None) -> tzinfo:
    """The time zone named by `zone` (see the module docstring)."""
    if zone is None:
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
    if isinstance(zone, tzinfo):
        return zone
    if isinstance(zone, str):
        return zoneinfo.ZoneInfo(zone)
    return zone.tzinfo


def to_local(moment: datetime | str, zone=None) -> datetime:
    """`moment` (aware, or an ISO string with its offset) on `zone`'s wall clock."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every stored time carries its zone")
    return moment.astimezone(zone_of(zone))


def show(moment: datetime | str | None, zone=None, style: str = "datetime") -> str:
    """`moment` as a person reads it: "2020-02-03 09:00" on `zone`'s clock ("" for None);
    `style` "short" leaves out the year when it is this year's ("12-03 09:00"), "time" the
    day."""
    if moment is None or moment == "":
        return ""
    local = to_local(moment, zone)
    if style == "short":
        if local.year != timezone.now().astimezone(local.tzinfo).year:
            style = "datetime"  # another year's: say which
    return local.strftime(STYLES[style])


# The zones a unit is likely to be in, by the names people use; any other is its offset.
ZONE_NAMES = {
    "Asia/Shanghai": _("Beijing time"),
    "Asia/Chongqing": _("Beijing time"),
    "Asia/Harbin": _("Beijing time"),
    "PRC": _("Beijing time"),
    "Asia/Urumqi": _("Urumqi time"),
    "Asia/Hong_Kong": _("Hong Kong time"),
    "Asia/Macau": _("Macao time"),
    "Asia/Taipei": _("Taipei time"),
    "Asia/Tokyo": _("Tokyo time"),
    "Asia/Seoul": _("Seoul time"),
    "Asia/Singapore": _("Singapore time"),
    "Europe/London": _("London time"),
    "Europe/Berlin": _("Berlin time"),
    "America/New_York": _("New York time"),
    "UTC": _("Coordinated Universal Time (UTC)"),
    "Etc/UTC": _("Coordinated Universal Time (UTC)"),
}


def zone_name(zone=None, moment: datetime | None = None) -> str:
    """The zone as a person names it ("北京时间"), or its offset at `moment` (now by
    default) as "UTC+05:45": never an IANA name such as "Asia/Shanghai"."""
    tz = zone_of(zone)
    key = getattr(tz, "key", None) or str(tz)
    if key in ZONE_NAMES:
        return str(ZONE_NAMES[key])
    offset = (moment or datetime.now(tz)).astimezone(tz).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
