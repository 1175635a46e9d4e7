"""Time-driven work of the supplies ledger: the days of cover slide at each unit's
midnight (`supplies.cover`); a request nobody decided in time goes to the level above,
and a transfer nobody confirmed within FANGKONG_SUPPLY_RECEIPT_HOURS is chased
(`supplies.overdue`). Each is idempotent and safe from two workers: a row is marked in
the transaction that tells, under its lock (SKIP LOCKED on PostgreSQL)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import messages
from .choices import RequestAction, RequestState, TransferState
from .cover import refresh_stale
from .models import Request, Transfer
from .services.ledger import _event

log = logging.getLogger(__name__)
BATCH = 200


def refresh_cover() -> dict:
    return {"balances": refresh_stale()}


def _locked(qs):
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_for_update()


def _each(rows, tell, what: str) -> tuple[int, int]:
    """`tell(row)` for each row in a savepoint of its own: a failing one is logged and
    counted, the others go on. (done, failed)."""
    done = failed = 0
    for row in rows:
        try:
            with transaction.atomic():
                tell(row)
                done += 1
        except Exception:
            failed += 1
            log.exception("%s %s", what, row.pk)
    return done, failed


def _overdue(request, now) -> None:
    messages.tell_overdue(request, now)
    request.overdue_at = now
    request.save(update_fields=["overdue_at"])
    _event(request, RequestAction.OVERDUE, None, now)


def _unconfirmed(transfer, now) -> None:
    messages.chase_receipt(transfer, now)
    transfer.chased_at = now
    transfer.save(update_fields=["chased_at"])


def tell_overdue(now=None) -> dict:
    now = now or timezone.now()
    with transaction.atomic():
        due = _locked(
            Request.objects.filter(
                state=RequestState.OPEN, due_at__lte=now, overdue_at__isnull=True
            ).select_related("unit", "item")
        )[:BATCH]
        requests, failed = _each(due, lambda r: _overdue(r, now), "overdue supply request")
    cutoff = now - timedelta(hours=settings.SUPPLY_RECEIPT_HOURS)
    with transaction.atomic():
        late = _locked(
            Transfer.objects.filter(
                state=TransferState.IN_TRANSIT, sent_at__lte=cutoff, chased_at__isnull=True
            ).select_related("from_unit", "to_unit", "item")
        )[:BATCH]
        transfers, late_failed = _each(late, lambda t: _unconfirmed(t, now), "unconfirmed transfer")
    return {"requests": requests, "transfers": transfers, "failed": failed + late_failed}
