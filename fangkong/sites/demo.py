"""Demo data of disinfection and ventilation, shaped by seeds 003/004: the CT group's
office sets the schedules (offices twice a day with the windows open, the HQ's office
building `CT-HQ-BLDG` three times — its own schedule, an override —, the 13 heat stations
daily, the 12 communities' public areas twice, the ~100 duty vehicles before each shift); two weeks of logs, mostly
on time, some late, a few missed (told to the liaison and in the ledger); today's slots
logged up to now; a QR code for every site of the group.

Idempotent: nothing is written when the group's sites already have slots.
"""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Person, Unit

from . import links, schedules, services
from .choices import Covers, SlotState, Via
from .models import Slot

HISTORY_DAYS = 14
OFFICE_BUILDING = "CT-HQ-BLDG"
LATE, MISSED = 0.08, 0.015


def _set(admin, code, kind, slots):
    unit = Unit.objects.filter(code=code).first()
    if unit is not None:
        schedules.set_schedule(actor=admin, unit=unit, site_kind=kind, slots=slots)


@transaction.atomic
def seed_sites(admin, log=print) -> None:
    group = Unit.objects.filter(code="CT").first()
    if group is None:
        return
    sites = list(Unit.objects.subtree(group).filter(kind=UnitKind.SITE).exclude(site_kind=""))
    if Slot.objects.filter(site__in=sites).exists():
        return  # seeded before
    d = schedules.DEFAULTS
    _set(admin, "CT", SiteKind.OFFICE, d[SiteKind.OFFICE])
    _set(admin, OFFICE_BUILDING, SiteKind.OFFICE, schedules.OFFICE_BUILDING)  # 办公楼每日三消毒
    _set(admin, "CT-HEAT", SiteKind.HEAT_STATION, d[SiteKind.HEAT_STATION])
    _set(admin, "CT", SiteKind.COMMUNITY, d[SiteKind.COMMUNITY])
    _set(admin, "CT-HEAT-FLEET", SiteKind.VEHICLE, d[SiteKind.VEHICLE])
    rng = random.Random(2020)
    now = timezone.now()
    today = timezone.localdate(now)
    staff: dict[str, list[int]] = {}
    for pk, path in (
        Person.objects.in_subtree(group).filter(is_active=True).values_list("pk", "unit_path")
    ):
        staff.setdefault(path, []).append(pk)
    by_site = {s.pk: s for s in sites}
    counts = {"done": 0, "late": 0, "missed": 0}
    for offset in range(HISTORY_DAYS, -1, -1):
        day = today - timedelta(days=offset)
        services.sync_slots(day, now=now - timedelta(days=offset + 2), sites=sites)
        changed, missed = [], []
        for slot in Slot.objects.filter(site__in=sites, day=day, state=SlotState.EXPECTED):
            site = by_site[slot.site_id]
            if slot.missed_at <= now and rng.random() < MISSED:
                missed.append(slot)
                continue
            roll = rng.random()
            if roll < LATE:
                at = slot.ends_at + timedelta(minutes=rng.randint(5, 100))
                state = SlotState.LATE
            else:
                at = slot.starts_at + timedelta(minutes=rng.randint(2, 80))
                state = SlotState.DONE
            if at > now:
                continue  # later today: still open
            people = staff.get(site.path) or []
            slot.state, slot.logged_at, slot.via = state, at, Via.DEMO
            slot.done = sorted(Covers.work(slot.covers))
            slot.done_by_id = rng.choice(people) if people else None
            changed.append(slot)
            counts[state] += 1
        Slot.objects.bulk_update(
            changed, ["state", "logged_at", "via", "done", "done_by"], batch_size=500
        )
        services.refresh_tallies(day, {s.site_id for s in changed})
        for slot in missed:
            slot.site = by_site[slot.site_id]
            services.miss_slot(slot, slot.missed_at + timedelta(minutes=1))
            counts["missed"] += 1
    links.issue_links(actor=admin, sites=sites)
    log(
        f"Disinfection: {len(sites)} sites of the group scheduled; {counts['done']} slots "
        f"done on time, {counts['late']} late, {counts['missed']} missed in "
        f"{HISTORY_DAYS} days."
    )
