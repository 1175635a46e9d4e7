"""Which slots a site has each day: the shipped defaults per site kind (seeds 003/004),
the schedules an office sets for the sites of a kind in its subtree, and a site's own
override. The nearest schedule up the site's line wins; an empty schedule switches a kind
off below it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import record_change
from fangkong.core.errors import InvalidInput
from fangkong.core.permissions import require
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Unit

from .choices import Covers
from .models import Schedule
from .permissions import SitesPerm

MAX_SLOTS = 12
CHLORINE = "含氯消毒剂（84消毒液）"
ALCOHOL = "75%酒精"

# Seeds 003/004: 每天两次…加密消毒，开启门窗通风换气 (offices); 13 heat stations daily;
# duty vehicles before each shift (two shifts a day); community public areas twice.
DEFAULTS: dict[str, list[dict]] = {
    SiteKind.OFFICE: [
        {"at": "08:30", "covers": Covers.BOTH, "agent": CHLORINE, "label": "上午"},
        {"at": "14:30", "covers": Covers.BOTH, "agent": CHLORINE, "label": "下午"},
    ],
    SiteKind.HEAT_STATION: [
        {"at": "09:00", "covers": Covers.BOTH, "agent": CHLORINE, "label": "上午"},
    ],
    SiteKind.COMMUNITY: [
        {"at": "08:00", "covers": Covers.BOTH, "agent": CHLORINE, "label": "公共区域 上午"},
        {"at": "16:00", "covers": Covers.DISINFECTION, "agent": CHLORINE, "label": "公共区域 下午"},
    ],
    SiteKind.VEHICLE: [
        {"at": "07:30", "covers": Covers.DISINFECTION, "agent": ALCOHOL, "label": "白班出车前"},
        {"at": "19:30", "covers": Covers.DISINFECTION, "agent": ALCOHOL, "label": "夜班出车前"},
    ],
    SiteKind.DUTY_BRIGADE: [
        {"at": "08:30", "covers": Covers.BOTH, "agent": CHLORINE, "label": "上午"},
        {"at": "14:30", "covers": Covers.BOTH, "agent": CHLORINE, "label": "下午"},
    ],
    SiteKind.CANTEEN: [
        {"at": "10:00", "covers": Covers.BOTH, "agent": CHLORINE, "label": "午餐前"},
        {"at": "16:30", "covers": Covers.BOTH, "agent": CHLORINE, "label": "晚餐前"},
    ],
}
# The office building (办公楼每日三消毒) is an office site with an override of three.
OFFICE_BUILDING = [
    {"at": "08:00", "covers": Covers.BOTH, "agent": CHLORINE, "label": "上午"},
    {"at": "12:30", "covers": Covers.DISINFECTION, "agent": CHLORINE, "label": "中午"},
    {"at": "17:00", "covers": Covers.BOTH, "agent": CHLORINE, "label": "下班后"},
]
WINDOW = 120
GRACE = 120


@dataclass(frozen=True)
class SlotSpec:
    number: int
    at: time
    covers: str
    agent: str
    label: str


@dataclass(frozen=True)
class Plan:
    """The slots a site has on a day, and where they come from."""

    slots: tuple[SlotSpec, ...]
    window: int
    grace: int
    schedule: Schedule | None  # None: the shipped default

    def times(self, site: Unit, day: date, spec: SlotSpec) -> tuple[datetime, datetime, datetime]:
        return self.times_in(site.tzinfo, day, spec)

    def times_in(
        self, zone: tzinfo, day: date, spec: SlotSpec
    ) -> tuple[datetime, datetime, datetime]:
        """Start, on time until, missed after: the slot's time on `day` in `zone`, the
        windows added on the wall clock (as Python adds to an aware datetime)."""
        starts = datetime.combine(day, spec.at, tzinfo=zone)
        ends = starts + timedelta(minutes=self.window)
        return starts, ends, ends + timedelta(minutes=self.grace)


def _specs(rows) -> tuple[SlotSpec, ...]:
    specs = []
    for row in sorted(rows, key=lambda r: r["at"]):
        hh, mm = (int(x) for x in row["at"].split(":"))
        specs.append(
            SlotSpec(
                number=len(specs) + 1,
                at=time(hh, mm),
                covers=row.get("covers") or Covers.BOTH,
                agent=row.get("agent", ""),
                label=row.get("label", ""),
            )
        )
    return tuple(specs)


def default_plan(site_kind: str) -> Plan | None:
    rows = DEFAULTS.get(site_kind)
    return Plan(_specs(rows), WINDOW, GRACE, None) if rows else None


def _plan(schedule: Schedule) -> Plan:
    return Plan(_specs(schedule.slots), schedule.window_minutes, schedule.grace_minutes, schedule)


class Resolver:
    """Plans for many sites from one read of the schedules (the sweep's 10,000 sites)."""

    def __init__(self, schedules=None):
        self.by_unit: dict[tuple[int, str], Schedule] = {}
        for s in schedules if schedules is not None else Schedule.objects.all():
            self.by_unit[(s.unit_id, s.site_kind)] = s

    @staticmethod
    def plan_of(schedule: Schedule) -> Plan:
        return _plan(schedule)

    def plan(self, site: Unit) -> Plan | None:
        if site.kind != UnitKind.SITE or not site.site_kind:
            return None
        ids = [int(p) for p in site.path.strip("/").split("/") if p]
        for unit_id in reversed(ids):  # the site itself first, then up its line
            schedule = self.by_unit.get((unit_id, site.site_kind))
            if schedule is not None:
                return _plan(schedule)
        return default_plan(site.site_kind)


def plan_for(site: Unit) -> Plan | None:
    ids = [int(p) for p in site.path.strip("/").split("/") if p]
    return Resolver(Schedule.objects.filter(unit_id__in=ids, site_kind=site.site_kind)).plan(site)


# --- setting a schedule ----------------------------------------------------------------

LINE = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*(\S+)?\s*(.*)$")
COVER_WORDS = {
    "both": Covers.BOTH,
    "消毒通风": Covers.BOTH,
    "消毒+通风": Covers.BOTH,
    "消毒和通风": Covers.BOTH,
    "disinfection": Covers.DISINFECTION,
    "消毒": Covers.DISINFECTION,
    "ventilation": Covers.VENTILATION,
    "通风": Covers.VENTILATION,
}


def parse_slots(text: str) -> list[dict]:
    """The slots typed on the schedule page, a line each: "08:30 消毒通风 含氯消毒剂"
    (time, what it covers, the agent). Raises ValueError with a message naming the line."""
    rows = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        m = LINE.match(line)
        if not m:
            raise ValueError(_("Line %(n)s: start with a time such as 08:30.") % {"n": n})
        hh, mm, word, agent = int(m[1]), int(m[2]), (m[3] or "both"), m[4].strip()
        if hh > 23 or mm > 59:
            raise ValueError(_("Line %(n)s: %(t)s is not a time of day.") % {"n": n, "t": m[0]})
        covers = COVER_WORDS.get(word.lower())
        if covers is None:
            raise ValueError(_("Line %(n)s: say 消毒, 通风 or 消毒通风 after the time.") % {"n": n})
        rows.append({"at": f"{hh:02d}:{mm:02d}", "covers": covers, "agent": agent[:100]})
    return rows


def clean_slots(rows) -> list[dict]:
    """Validated slot rows (from the page or the API), sorted; ValueError otherwise."""
    clean, seen = [], set()
    for row in rows:
        at = str(row.get("at", "")).strip()
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", at)
        if not m or int(m[1]) > 23 or int(m[2]) > 59:
            raise ValueError(_("%(t)s is not a time of day (HH:MM).") % {"t": at or "—"})
        at = f"{int(m[1]):02d}:{m[2]}"
        if at in seen:
            raise ValueError(_("Two slots at %(t)s.") % {"t": at})
        seen.add(at)
        covers = row.get("covers") or Covers.BOTH
        if covers not in Covers.values:
            raise ValueError(_("Unknown value: %(value)s.") % {"value": covers})
        clean.append(
            {
                "at": at,
                "covers": covers,
                "agent": str(row.get("agent", ""))[:100],
                "label": str(row.get("label", ""))[:40],
            }
        )
    if len(clean) > MAX_SLOTS:
        raise ValueError(_("At most %(n)s slots a day.") % {"n": MAX_SLOTS})
    return sorted(clean, key=lambda r: r["at"])


@transaction.atomic
def set_schedule(
    *,
    actor,
    unit: Unit,
    site_kind: str,
    slots,
    window_minutes: int = WINDOW,
    grace_minutes: int = GRACE,
    now=None,
) -> Schedule:
    """Set the schedule of `site_kind` for `unit`'s subtree (on a site: its override).
    Slots not yet started follow at the next sweep; past slots are kept as they were."""
    require(actor, SitesPerm.MANAGE_SCHEDULES, unit.path)
    errors = {}
    if site_kind not in SiteKind.values:
        errors["site_kind"] = _("Unknown site kind.")
    elif unit.kind == UnitKind.SITE and unit.site_kind != site_kind:
        errors["site_kind"] = _("This site is of another kind.")
    try:
        rows = clean_slots(slots)
    except ValueError as exc:
        errors["slots"] = str(exc)
    if not 10 <= window_minutes <= 24 * 60:
        errors["window_minutes"] = _("Between 10 minutes and 24 hours.")
    if not 0 <= grace_minutes <= 24 * 60:
        errors["grace_minutes"] = _("Between 0 and 24 hours.")
    if errors:
        raise InvalidInput(errors)
    schedule, _created = Schedule.objects.update_or_create(
        unit=unit,
        site_kind=site_kind,
        defaults={
            "unit_path": unit.path,
            "slots": rows,
            "window_minutes": window_minutes,
            "grace_minutes": grace_minutes,
            "updated_at": now or timezone.now(),
            "updated_by": actor,
        },
    )
    record_change(actor, "set_site_schedule", schedule, unit.path, {"slots": rows})
    return schedule


@transaction.atomic
def clear_schedule(*, actor, unit: Unit, site_kind: str) -> int:
    """Drop `unit`'s own schedule of the kind: the one above (or the default) applies."""
    require(actor, SitesPerm.MANAGE_SCHEDULES, unit.path)
    return Schedule.objects.filter(unit=unit, site_kind=site_kind).delete()[0]
