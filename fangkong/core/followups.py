"""Durable follow-up work: what must happen because of a fact, and must not be lost.

A service that writes a fact emits an event inside its own transaction:

    followups.emit("health.case_result", key=case.pk, unit_path=case.unit_path, case_id=case.pk)

which writes one `FollowUp` row per handler subscribed to the event (a later app
subscribes from its `AppConfig.ready()`, so the emitting app imports nothing of it):

    followups.subscribe("health.case_result", "incidents.open_from_case", open_from_case_id)

The rows exist if and only if the fact commits: a crash after the commit loses nothing.
The worker's sweep `core.followups` (every 2 s, in the urgent lane) runs due rows, each
in its own transaction: the row is locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
workers take different rows; SQLite's IMMEDIATE transactions serialize them), the handler
runs in a savepoint, and the row is marked done in the same transaction as the handler's
writes, so the work is done exactly once for database work. A failure rolls the handler
back and retries after 30 s, 1 min, 2 min… (`FANGKONG_FOLLOWUP_BACKOFF_SECONDS`, at most an
hour); after `FANGKONG_FOLLOWUP_MAX_ATTEMPTS` it is given up (`dead`) and shown to system
admins at /me/followups/ with a retry button. A worker killed mid-handler rolls back with
its transaction and the row is due again at once. Handlers are idempotent anyway (a second
emit of the same key is ignored; a retried handler finds its earlier, committed work).

Handlers take the event's payload as keyword arguments (JSON: ids, not objects). Payloads
name records, never personal data, since errors and rows are shown to admins.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .models import FollowUp
from .permissions import CorePerm

logger = logging.getLogger("fangkong.followups")

MAX_BACKOFF_SECONDS = 3600
KEEP_DONE = timedelta(days=7)

_handlers: dict[str, Callable[..., object]] = {}
_labels: dict[str, object] = {}
_subscribers: dict[str, list[str]] = defaultdict(list)


def subscribe(event: str, name: str, handler: Callable[..., object], *, label="") -> None:
    """Run `handler(**payload)` for every `event` emitted from now on; `name` (unique,
    "app.what") is what the rows call it, `label` what the admin page shows."""
    _handlers[name] = handler
    _labels[name] = label or name
    if name not in _subscribers[event]:
        _subscribers[event].append(name)


def subscribers(event: str) -> list[str]:
    return list(_subscribers.get(event, ()))


def label(name: str):
    return _labels.get(name, name)


def registered() -> dict[str, list[str]]:
    """Every event and the names of its handlers (for the docs and the admin page)."""
    return {event: list(names) for event, names in _subscribers.items()}


def emit(event: str, *, key, unit_path: str = "", **payload) -> int:
    """Write the follow-ups of `event` about the fact `key` (unique per event): one row
    per subscribed handler. Call it inside the transaction that writes the fact. A key
    already emitted is skipped (a unique constraint), so emitting twice does the work once.
    Returns the number of new rows; with no subscriber nothing is written."""
    names = _subscribers.get(event)
    if not names:
        return 0
    now, key = timezone.now(), f"{event}:{key}"[:200]
    done = set(
        FollowUp.objects.filter(key=key, handler__in=names).values_list("handler", flat=True)
    )
    rows = [
        FollowUp(
            event=event,
            handler=name,
            key=key,
            payload=payload,
            unit_path=unit_path,
            next_attempt_at=now,
            created_at=now,
        )
        for name in names
        if name not in done
    ]
    FollowUp.objects.bulk_create(rows, ignore_conflicts=True)  # a concurrent twin: skipped
    return len(rows)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min… at most an hour."""
    seconds = settings.FOLLOWUP_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def _due(now: datetime):
    due = FollowUp.objects.filter(
        state__in=(FollowUp.State.PENDING, FollowUp.State.FAILED), next_attempt_at__lte=now
    )
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    return due.order_by("next_attempt_at", "id")


def run_one(now: datetime | None = None) -> FollowUp | None:
    """Run the next due follow-up in a transaction of its own; None when none is due."""
    now = now or timezone.now()
    with transaction.atomic():
        item = _due(now).first()
        if item is None:
            return None
        item.attempts += 1
        handler = _handlers.get(item.handler)
        try:
            if handler is None:
                raise LookupError(f"no handler is registered as {item.handler!r}")
            with transaction.atomic():  # a failing handler leaves nothing behind
                handler(**item.payload)
        except Exception as exc:
            item.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if item.attempts >= settings.FOLLOWUP_MAX_ATTEMPTS:
                item.state = FollowUp.State.DEAD
                logger.error(
                    "follow-up %s (%s) given up after %s attempts: %s",
                    item.pk,
                    item.handler,
                    item.attempts,
                    type(exc).__name__,
                )
            else:
                item.state = FollowUp.State.FAILED
                item.next_attempt_at = now + backoff(item.attempts)
                logger.warning(
                    "follow-up %s (%s) failed, attempt %s: %s",
                    item.pk,
                    item.handler,
                    item.attempts,
                    type(exc).__name__,
                )
        else:
            item.state, item.done_at, item.last_error = FollowUp.State.DONE, now, ""
        item.save(update_fields=["state", "attempts", "next_attempt_at", "last_error", "done_at"])
        return item


def run_due(limit: int = 200, now: datetime | None = None) -> dict[str, int]:
    """The worker's sweep `core.followups`: run up to `limit` due follow-ups, each in its
    own transaction. Returns counts by resulting state."""
    now = now or timezone.now()
    counts: Counter = Counter()
    for _ in range(limit):
        item = run_one(now)
        if item is None:
            break
        counts[item.state] += 1
    return dict(counts)


def purge(now: datetime | None = None) -> int:
    """Forget follow-ups done more than a week ago (sweep `core.followups_purge`)."""
    now = now or timezone.now()
    done = FollowUp.objects.filter(state=FollowUp.State.DONE, done_at__lt=now - KEEP_DONE)
    return done.delete()[0]


def run_all(now: datetime | None = None) -> dict[str, int]:
    """Run every due follow-up (tests and `fangkong worker --once`)."""
    return run_due(limit=10_000, now=now)


# --- admins ------------------------------------------------------------------------------


def list_followups_for(user, *, state: str = ""):
    """Follow-ups about units in the user's `read_access_log` scope (those about no unit
    only for whole-tree admins), those needing attention first."""
    rows = FollowUp.objects.visible_to(user, CorePerm.READ_ACCESS_LOG)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-created_at", "-id")


@transaction.atomic
def retry_followup(*, actor, followup_id: int) -> FollowUp:
    """Give a given-up (or failing) follow-up a fresh series of attempts, starting now.
    In the actor's `read_access_log` scope (404 otherwise); a done one is a conflict.
    Audited."""
    from django.utils.translation import gettext_lazy as _

    from .audit import record_change
    from .errors import Conflict
    from .scope import get_object_for

    item = get_object_for(
        actor, FollowUp.objects.select_for_update(), CorePerm.READ_ACCESS_LOG, pk=followup_id
    )
    if item.state not in (FollowUp.State.DEAD, FollowUp.State.FAILED):
        raise Conflict("not_failed", _("Only a follow-up that failed can be run again."))
    old = {"attempts": item.attempts, "error": item.last_error[:200]}
    item.state, item.attempts, item.next_attempt_at = FollowUp.State.PENDING, 0, timezone.now()
    item.save(update_fields=["state", "attempts", "next_attempt_at"])
    record_change(actor, "retry_followup", item, item.unit_path, old)
    return item
