"""Time-driven work of disinfection and ventilation, run by `fangkong worker`: the slots
of yesterday, today and tomorrow exist ahead of time (`sites.slots`), and a slot whose
time is over becomes missed (`sites.missed`). Both idempotent and safe from two workers:
a slot is marked missed in the transaction that tells, under its lock (SKIP LOCKED on
PostgreSQL); one bad row is logged and skipped."""

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from .choices import SlotState
from .models import Slot
from .services import miss_slot, sync_slots

log = logging.getLogger(__name__)
BATCH = 200
ROUNDS = 50


def sync_expected_slots(now=None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        str(day): sync_slots(day, now=now)
        for day in (today - timedelta(days=1), today, today + timedelta(days=1))
    }


def _locked(qs):
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_for_update()


def mark_missed(now=None) -> dict:
    """Every slot past its `missed_at` still expected: missed (see services.miss_slot)."""
    now = now or timezone.now()
    done = failed = 0
    for _round in range(ROUNDS):
        with transaction.atomic():
            due = list(
                _locked(
                    Slot.objects.filter(state=SlotState.EXPECTED, missed_at__lte=now)
                    .select_related("site")
                    .order_by("missed_at", "pk")
                )[:BATCH]
            )
            for slot in due:
                try:
                    with transaction.atomic():
                        miss_slot(slot, now)
                        done += 1
                except Exception:
                    failed += 1
                    log.exception("missed site slot %s", slot.pk)
        if len(due) < BATCH or failed:
            break
    return {"missed": done, "failed": failed}
