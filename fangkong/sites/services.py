"""Writes of disinfection and ventilation: the expected slots of a day (`sync_slots`, run
by the sweep ahead of time), a slot logged (`log_slot`: from the site's QR code, the
liaison's page or the API) and a slot missed (`miss_slot`, by the sweep after its time).

Guarantees:
- a slot exists before its time, so a missed one is a row in state missed, not an absence;
- each site's `SlotTally` of the day changes in the same transaction as its slots, under
  the tally row's lock (a log and the sweep never lose a count);
- a slot is logged once: a second log, a log of a slot not started, of a missed slot or of
  another site's slot is refused with the field named, and nothing is written;
- a missed slot tells the site's liaison once and is one entry of the ledger.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.localtime import show
from fangkong.core.permissions import require
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Person, Unit

from .choices import Covers, SlotState, Via, Work
from .models import Schedule, Slot, SlotTally
from .permissions import SitesPerm
from .schedules import Resolver, default_plan

# A slot may be logged from a little before its start (the worker is early), not before.
EARLY = timedelta(minutes=30)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
MISSED_KIND = "site_slot_missed"
CHUNK = 1000
log = logging.getLogger(__name__)


# --- the expected slots -------------------------------------------------------------------


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def refresh_tallies(day: date, site_ids) -> int:
    """Recount the tallies of `site_ids` for `day` from their slots, under the tally rows'
    locks (a log committing meanwhile is counted: the count is read after the lock)."""
    n = 0
    for ids in _chunks(sorted(set(site_ids))):
        existing = {
            t.site_id: t
            for t in SlotTally.objects.select_for_update().filter(day=day, site_id__in=ids)
        }
        counts: dict[int, dict] = defaultdict(lambda: dict.fromkeys(SlotTally.COUNTS, 0))
        paths = {}
        rows = (
            Slot.objects.filter(day=day, site_id__in=ids)
            .values_list("site_id", "unit_path", "state")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for site_id, path, state, k in rows:
            counts[site_id][state] += k
            counts[site_id]["total"] += k
            paths[site_id] = path
        new, changed = [], []
        for site_id in ids:
            c = counts.get(site_id)
            tally = existing.get(site_id)
            if tally is None:
                if c is not None:
                    new.append(SlotTally(site_id=site_id, unit_path=paths[site_id], day=day, **c))
                continue
            c = c or dict.fromkeys(SlotTally.COUNTS, 0)
            if any(getattr(tally, k) != v for k, v in c.items()):
                for k, v in c.items():
                    setattr(tally, k, v)
                changed.append(tally)
        SlotTally.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        SlotTally.objects.bulk_update(changed, SlotTally.COUNTS, batch_size=2000)
        n += len(new) + len(changed)
    return n


# The sweep works in SQL over two scratch tables of its connection: each open site with
# the schedule that applies to it (its own, else the nearest up its line, else the default:
# src 0), and the slot times of each (schedule, site kind, time zone) that occurs — a few
# hundred rows, computed in Python by the same `Plan.times_in` as every other reader, so the
# wall-clock rules of each zone stay exactly Python's. The day's rows are then one INSERT …
# SELECT, whatever the number of sites.
SWEEP_SITES = "sites_sweep_site"
SWEEP_TIMES = "sites_sweep_time"


def _create_scratch(cursor) -> None:
    for table in (SWEEP_SITES, SWEEP_TIMES):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {SWEEP_SITES} (site_id integer PRIMARY KEY, "
        "unit_path varchar(255) NOT NULL, site_kind varchar(20) NOT NULL, "
        "tz varchar(64) NOT NULL, src integer NOT NULL)"
    )
    cursor.execute(
        f"CREATE TEMPORARY TABLE {SWEEP_TIMES} (src integer NOT NULL, "
        "site_kind varchar(20) NOT NULL, tz varchar(64) NOT NULL, number integer NOT NULL, "
        "starts_at timestamp with time zone NOT NULL, ends_at timestamp with time zone NOT NULL, "
        "missed_at timestamp with time zone NOT NULL, covers varchar(20) NOT NULL, "
        "agent varchar(100) NOT NULL, label varchar(40) NOT NULL, "
        "PRIMARY KEY (src, site_kind, tz, number))"
    )


def _fill_sites(cursor, day: date, sites) -> None:
    """The open sites (or `sites`) with the source of their plan: the id of the nearest
    schedule of their kind on their line (the site's own first: the longest path), else 0.
    The schedules' own path copy is matched, never a join back to the units: SQLite would
    walk all 10,000 units for each site."""
    unit = Unit._meta.db_table
    schedule = Schedule._meta.db_table
    sql = (
        f"INSERT INTO {SWEEP_SITES} (site_id, unit_path, site_kind, tz, src) "
        "SELECT u.id, u.path, u.site_kind, u.timezone, COALESCE(("
        f"SELECT sc.id FROM {schedule} sc "
        "WHERE sc.site_kind = u.site_kind AND u.path LIKE sc.unit_path || '%%' "
        "ORDER BY length(sc.unit_path) DESC LIMIT 1), 0) "
        f"FROM {unit} u WHERE u.kind = %s AND u.site_kind <> '' "
        "AND (u.active_from IS NULL OR u.active_from <= %s) "
        "AND (u.active_to IS NULL OR u.active_to >= %s)"
    )
    d = connection.ops.adapt_datefield_value(day)
    if sites is None:
        cursor.execute(sql, [UnitKind.SITE.value, d, d])
        return
    for ids in _chunks(sorted({s.pk for s in sites}), 500):
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"{sql} AND u.id IN ({marks})", [UnitKind.SITE.value, d, d, *ids])


def _fill_times(cursor, day: date) -> None:
    """The slot times of `day` of every (source, site kind, zone) the sites have."""
    cursor.execute(f"SELECT DISTINCT src, site_kind, tz FROM {SWEEP_SITES}")
    combos = cursor.fetchall()
    by_id = {s.pk: s for s in Schedule.objects.filter(pk__in={c[0] for c in combos if c[0]})}
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for src, site_kind, tz in combos:
        plan = Resolver.plan_of(by_id[src]) if src else default_plan(site_kind)
        if plan is None:
            continue
        try:
            zone = ZoneInfo(tz)
        except (ValueError, ZoneInfoNotFoundError):
            log.error("sites: unknown time zone %r, its sites get no slots", tz)
            continue
        for spec in plan.slots:
            starts, ends, missed = plan.times_in(zone, day, spec)
            rows.append(
                (src, site_kind, tz, spec.number, adapt(starts), adapt(ends), adapt(missed))
                + (spec.covers, spec.agent, spec.label)
            )
    if rows:
        cursor.executemany(
            f"INSERT INTO {SWEEP_TIMES} (src, site_kind, tz, number, starts_at, ends_at, "
            "missed_at, covers, agent, label) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


PLAN_JOIN = f"{SWEEP_TIMES} p ON p.src = s.src AND p.site_kind = s.site_kind AND p.tz = s.tz"


def _insert_slots(cursor, day: date, now: datetime) -> int:
    # A slot is made only while it can still be done on time: a schedule set, a site
    # opened or a first run at noon does not make the morning's slots missed at once.
    cursor.execute(
        f"INSERT INTO {Slot._meta.db_table} (site_id, unit_path, day, number, starts_at, "
        "ends_at, missed_at, covers, agent, label, state, done, note, photo, via) "
        "SELECT s.site_id, s.unit_path, %s, p.number, p.starts_at, p.ends_at, p.missed_at, "
        "p.covers, p.agent, p.label, %s, '[]', '', '', '' "
        f"FROM {SWEEP_SITES} s INNER JOIN {PLAN_JOIN} WHERE p.ends_at > %s "
        "ON CONFLICT DO NOTHING",
        [
            connection.ops.adapt_datefield_value(day),
            SlotState.EXPECTED.value,
            connection.ops.adapt_datetimefield_value(now),
        ],
    )
    return max(cursor.rowcount, 0)


def _out_of_line(cursor, day: date, now: datetime, sites) -> list[tuple]:
    """The day's slots not started and still expected that the plan no longer has (the
    wanted times None) or wants at other times, in another way or with another agent."""
    sql = (
        "SELECT o.id, o.site_id, p.number, p.starts_at, p.ends_at, p.missed_at, p.covers, "
        f"p.agent, p.label FROM {Slot._meta.db_table} o "
        f"LEFT JOIN {SWEEP_SITES} s ON s.site_id = o.site_id "
        f"LEFT JOIN {PLAN_JOIN} AND p.number = o.number "
        "WHERE o.day = %s AND o.state = %s AND o.starts_at > %s AND (p.number IS NULL "
        "OR p.starts_at <> o.starts_at OR p.ends_at <> o.ends_at "
        "OR p.missed_at <> o.missed_at OR p.covers <> o.covers OR p.agent <> o.agent)"
    )
    params = [
        connection.ops.adapt_datefield_value(day),
        SlotState.EXPECTED.value,
        connection.ops.adapt_datetimefield_value(now),
    ]
    if sites is None:
        cursor.execute(sql, params)
        return cursor.fetchall()
    found = []
    for ids in _chunks(sorted({s.pk for s in sites}), 500):
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(f"{sql} AND o.site_id IN ({marks})", [*params, *ids])
        found += cursor.fetchall()
    return found


def _sync_tallies(cursor, day: date, touched: set[int]) -> None:
    """Tallies for the day's sites that have slots and none yet, counted in one INSERT …
    SELECT; then a recount, under the rows' locks, of those whose total is not their slots'
    count (slots added or dropped) and of `touched`. No join of the day's slots with its
    tallies: the statistics of a day not yet analysed say one row, and PostgreSQL then
    nests 33,000 slots over 8,000 tallies (98 s); two plain reads compared here do not."""
    slot, tally = Slot._meta.db_table, SlotTally._meta.db_table
    d = connection.ops.adapt_datefield_value(day)
    counts = ", ".join(
        f"SUM(CASE WHEN state = '{state.value}' THEN 1 ELSE 0 END)"
        for state in (SlotState.EXPECTED, SlotState.DONE, SlotState.LATE, SlotState.MISSED)
    )
    cursor.execute(
        f"INSERT INTO {tally} (site_id, unit_path, day, total, expected, done, late, missed) "
        f"SELECT site_id, MAX(unit_path), %s, COUNT(*), {counts} FROM {slot} "
        "WHERE day = %s GROUP BY site_id ON CONFLICT DO NOTHING",
        [d, d],
    )
    cursor.execute(f"SELECT site_id, COUNT(*) FROM {slot} WHERE day = %s GROUP BY site_id", [d])
    made = dict(cursor.fetchall())
    cursor.execute(f"SELECT site_id, total FROM {tally} WHERE day = %s", [d])
    off = {site_id for site_id, total in cursor.fetchall() if made.get(site_id, 0) != total}
    refresh_tallies(day, touched | off)


@transaction.atomic
def sync_slots(day: date, *, now: datetime | None = None, sites=None) -> dict:
    """Make the slots of `day` for every open site with a schedule (or of `sites`): new
    ones created (those whose on-time window is still ahead of `now`), ones not started
    yet brought in line with a changed schedule or dropped when no longer wanted; started,
    logged and missed slots are kept as they are. Each site's plan is the rule of
    `schedules.Resolver` (its own schedule, else the nearest up its line, else the
    default), in its own time zone. Idempotent and safe from two workers (a unique key per
    site, day and number; rows already there are left alone)."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        _create_scratch(cursor)
        _fill_sites(cursor, day, sites)
        _fill_times(cursor, day)
        created = _insert_slots(cursor, day, now)
        stale, changed, touched = [], [], set()
        for pk, site_id, number, starts, ends, missed, covers, agent, label in _out_of_line(
            cursor, day, now, sites
        ):
            if number is None:
                stale.append(pk)
                touched.add(site_id)
                continue
            changed.append(
                Slot(
                    pk=pk,
                    starts_at=_aware(starts),
                    ends_at=_aware(ends),
                    missed_at=_aware(missed),
                    covers=covers,
                    agent=agent,
                    label=label,
                )
            )
        for ids in _chunks(stale):
            Slot.objects.filter(pk__in=ids, state=SlotState.EXPECTED).delete()
        Slot.objects.bulk_update(
            changed,
            ["starts_at", "ends_at", "missed_at", "covers", "agent", "label"],
            batch_size=1000,
        )
        _sync_tallies(cursor, day, touched)
        for table in (SWEEP_SITES, SWEEP_TIMES):
            cursor.execute(f"DROP TABLE {table}")
    return {"created": created, "changed": len(changed), "removed": len(stale)}


def _aware(value) -> datetime:
    """A timestamp read back from the scratch table: SQLite gives the stored text (UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


# --- logging a slot -----------------------------------------------------------------------


def _when(moment, site) -> str:
    return show(moment, site, "short")


def _count(slot: Slot, old: str, new: str) -> None:
    updated = SlotTally.objects.filter(site_id=slot.site_id, day=slot.day).update(
        **{old: F(old) - 1, new: F(new) + 1}
    )
    if not updated:
        refresh_tallies(slot.day, [slot.site_id])


def clean_done(done, covers: str) -> list[str]:
    """What a log says was done: known values, at least what the slot covers."""
    if isinstance(done, str):
        done = [done]
    values = sorted({str(v).strip() for v in done or () if str(v).strip()})
    unknown = [v for v in values if v not in Work.values]
    if unknown:
        raise ValueError(_("Unknown value: %(value)s.") % {"value": ", ".join(unknown)})
    if not values:
        raise ValueError(_("Tick what was done."))
    missing = Covers.work(covers) - set(values)
    if missing:
        raise ValueError(
            _("This slot covers %(covers)s: tick %(missing)s too.")
            % {
                "covers": Covers(covers).label,
                "missing": "、".join(str(Work(m).label) for m in sorted(missing)),
            }
        )
    return values


def _check_photo(photo) -> str | None:
    if photo is None:
        return None
    if photo.size > MAX_PHOTO_BYTES:
        return _("The photo is larger than 10 MB.")
    kind = (getattr(photo, "content_type", "") or "").lower()
    if kind and kind not in PHOTO_TYPES:
        return _("Send a photo (JPEG, PNG, WebP or HEIC).")
    return None


@transaction.atomic
def log_slot(
    *,
    slot: Slot,
    done,
    note: str = "",
    photo=None,
    person: Person | None = None,
    actor=None,
    via: str = Via.PAGE,
    site: Unit | None = None,
    now: datetime | None = None,
) -> Slot:
    """Record that `slot` was done: on time up to its `ends_at`, late up to `missed_at`.
    `site` (the QR link's) must be the slot's; `person` (who did it) must be on the site's
    staff. `actor` is the logged-in user (None from the QR code, which is its own
    credential). Refused with the field named and nothing written otherwise."""
    now = now or timezone.now()
    slot = Slot.objects.select_for_update(of=("self",)).select_related("site").get(pk=slot.pk)
    if actor is not None:
        require(actor, SitesPerm.LOG_SLOTS, slot.unit_path)
    if site is not None and slot.site_id != site.pk:
        raise InvalidInput({"slot": _("This slot belongs to another site.")}, code="other_site")
    when = {"start": _when(slot.starts_at, slot.site), "end": _when(slot.missed_at, slot.site)}
    if slot.is_logged:
        raise Conflict(
            "already_logged",
            _("This slot was already logged at %(t)s.") % {"t": _when(slot.logged_at, slot.site)},
            {"slot": [_("Already logged.")]},
        )
    if slot.state == SlotState.MISSED:
        raise Conflict(
            "missed",
            _("This slot was missed: it could be logged until %(end)s.") % when,
            {"slot": [_("Missed.")]},
        )
    errors: dict[str, str] = {}
    code = "invalid"
    if not slot.site.is_open_on(slot.site.local_date(now)):
        errors["slot"], code = _("This site is closed."), "site_closed"
    elif slot.starts_at - EARLY > now:
        errors["slot"] = _("This slot starts at %(start)s; log it then.") % when
        code = "not_started"
    try:
        values = clean_done(done, slot.covers)
    except ValueError as exc:
        errors["done"] = str(exc)
    note = (note or "").strip()
    if len(note) > 300:
        errors["note"] = _("At most 300 characters.")
    problem = _check_photo(photo)
    if problem:
        errors["photo"] = problem
    if person is not None and (
        not person.is_active or not person.unit_path.startswith(slot.unit_path)
    ):
        errors["person"] = _("Choose someone on this site's staff.")
    if errors:
        raise InvalidInput(errors, code=code)
    state = SlotState.DONE if now <= slot.ends_at else SlotState.LATE
    slot.state = state
    slot.logged_at = now
    slot.done = values
    slot.note = note
    slot.done_by = person
    slot.logged_by = actor
    slot.via = via
    if photo is not None:
        slot.photo.save(photo.name[-80:], photo, save=False)
    slot.save()
    _count(slot, SlotState.EXPECTED, state)
    record_change(
        actor,
        "log_site_slot",
        slot,
        slot.unit_path,
        {"state": state, "done": values, "via": via, "person": person.pk if person else None},
    )
    return slot


# --- a missed slot (called by the sweep, under the slot's lock) --------------------------


def miss_slot(slot: Slot, now: datetime) -> None:
    """The slot's time is over and nobody logged it: missed, the liaison told once, one
    entry in the ledger. The caller holds the slot's lock and checked its state."""
    from fangkong.accountability.services import record_entry

    from . import messages

    slot.state = SlotState.MISSED
    slot.told_at = now
    slot.save(update_fields=["state", "told_at"])
    _count(slot, SlotState.EXPECTED, SlotState.MISSED)
    messages.tell_missed(slot)
    record_entry(
        kind=MISSED_KIND,
        unit=slot.site,
        day=slot.day,
        object_type="site_slot",
        object_id=slot.pk,
        facts={
            "slot": slot.pk,
            "number": slot.number,
            "label": slot.label,
            "covers": slot.covers,
            "starts_at": slot.starts_at.isoformat(),
            "missed_at": slot.missed_at.isoformat(),
        },
        now=now,
    )
