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

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
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
from .models import Slot, SlotTally
from .permissions import SitesPerm
from .schedules import Resolver

# A slot may be logged from a little before its start (the worker is early), not before.
EARLY = timedelta(minutes=30)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")
MISSED_KIND = "site_slot_missed"
CHUNK = 1000

SITE_FIELDS = ("id", "path", "kind", "site_kind", "timezone", "active_from", "active_to")


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


@transaction.atomic
def sync_slots(day: date, *, now: datetime | None = None, sites=None) -> dict:
    """Make the slots of `day` for every open site with a schedule (or of `sites`): new
    ones created (those whose on-time window is still ahead of `now`), ones not started yet brought in line with a changed schedule or dropped
    when no longer wanted; started, logged and missed slots are kept as they are.
    Idempotent and safe from two workers (a unique key per site, day and number)."""
    now = now or timezone.now()
    units = (
        Unit.objects.filter(kind=UnitKind.SITE).exclude(site_kind="")
        if sites is None
        else Unit.objects.filter(pk__in=[s.pk for s in sites])
    )
    resolver = Resolver()
    wanted: dict[tuple[int, int], Slot] = {}
    for site in units.only(*SITE_FIELDS).iterator(chunk_size=2000):
        if not site.is_open_on(day):
            continue
        plan = resolver.plan(site)
        if plan is None:
            continue
        for spec in plan.slots:
            starts, ends, missed = plan.times(site, day, spec)
            wanted[(site.pk, spec.number)] = Slot(
                site_id=site.pk,
                unit_path=site.path,
                day=day,
                number=spec.number,
                starts_at=starts,
                ends_at=ends,
                missed_at=missed,
                covers=spec.covers,
                agent=spec.agent,
                label=spec.label,
            )
    existing_qs = Slot.objects.filter(day=day)
    if sites is not None:
        existing_qs = existing_qs.filter(site_id__in=[s.pk for s in sites])
    touched: set[int] = set()
    stale, changed = [], []
    existing = set()
    for row in existing_qs.values_list(
        "pk", "site_id", "number", "state", "starts_at", "ends_at", "missed_at", "covers", "agent"
    ).iterator(chunk_size=5000):
        pk, site_id, number, state, starts, ends, missed, covers, agent = row
        key = (site_id, number)
        existing.add(key)
        if state != SlotState.EXPECTED or starts <= now:
            continue  # started or settled: history is not rewritten
        want = wanted.get(key)
        if want is None:
            stale.append(pk)
            touched.add(site_id)
        elif (want.starts_at, want.ends_at, want.missed_at, want.covers, want.agent) != (
            starts,
            ends,
            missed,
            covers,
            agent,
        ):
            want.pk = pk
            changed.append(want)
    # A slot is made only while it can still be done on time: a schedule set, a site
    # opened or a first run at noon does not make the morning's slots missed at once.
    new = [s for key, s in wanted.items() if key not in existing and s.ends_at > now]
    Slot.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    for ids in _chunks(stale):
        Slot.objects.filter(pk__in=ids, state=SlotState.EXPECTED).delete()
    Slot.objects.bulk_update(
        changed, ["starts_at", "ends_at", "missed_at", "covers", "agent", "label"], batch_size=1000
    )
    touched |= {s.site_id for s in new}
    refresh_tallies(day, touched)
    return {"created": len(new), "changed": len(changed), "removed": len(stale)}


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
