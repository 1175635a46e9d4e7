"""Queueing messages, delivering them from the outbox, and what users and admins do with them.

Delivery (`deliver_due`, run by `fangkong worker` every 2 s) works in three steps:
1. claim: in one short transaction, take up to `batch` due messages and mark them
   `sending` with a claim token and a lease (`next_attempt_at` = end of the lease).
   PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so two workers take disjoint rows;
   SQLite: the IMMEDIATE transaction mode (settings) makes the claim a writer, so two
   claims run one after the other and the second sees the first's `sending` rows.
2. send, outside any transaction (no lock is held while a robot answers);
3. record each result with `UPDATE … WHERE claim_token = <ours>`: a result is kept only
   while the claim is still ours.
A worker killed between 1 and 3 leaves `sending` rows whose lease runs out; the next
claim takes them again. The lease (LEASE_SECONDS) is far longer than a sweep can take, so
only a worker that really died loses its claim.
"""

import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict
from fangkong.orgs.models import Unit

from . import channels as delivery
from .choices import CLAIMABLE, Channel, State
from .models import Message, UnitChannel
from .queries import get_message_for

logger = logging.getLogger(__name__)

BATCH = 50
SEND_THREADS = 8  # robots of different targets are called in parallel
MAX_BACKOFF_SECONDS = 3600


def lease_seconds() -> float:
    # A sweep starts no send after NOTIFY_TIMEOUT and each send (SMTP: a few round trips,
    # each bounded by the timeout) ends well within 10 timeouts.
    return max(60.0, 12 * settings.NOTIFY_TIMEOUT)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, 4 min… at most an hour."""
    seconds = settings.NOTIFY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


# --- queueing ---------------------------------------------------------------------------


def queue(
    *, key: str, subject: str, body: str = "", users: Iterable = (),
    channels: Iterable[UnitChannel] = (), unit: Unit | None = None, topic: str = "",
    url: str = "", not_before: datetime | None = None,
) -> int:  # fmt: skip
    """Queue a message to the in-app inbox of each of `users` (users or their ids) and to
    each unit channel in `channels`; one row per target, keyed `{key}|u{user id}` or
    `{key}|c{channel id}`. `unit` is what the message is about (it scopes the delivery log).

    Guarantees: writes rows only, no network, so call it inside the caller's transaction:
    the messages exist if and only if the caller's change commits. Idempotent: a target
    already queued under `key` is skipped, even against a concurrent call with the same key
    (a unique constraint; the insert ignores conflicts). Returns the number of new rows.
    """
    when = not_before or timezone.now()
    common = {
        "subject": " ".join(str(subject).split())[:200], "body": str(body), "unit": unit,
        "unit_path": unit.path if unit is not None else "", "topic": topic, "url": url,
        "next_attempt_at": when,
    }  # fmt: skip
    rows: dict[str, Message] = {}
    for user in users:
        user_id = getattr(user, "pk", user)
        rows[f"{key}|u{user_id}"] = Message(channel=Channel.INAPP, recipient_id=user_id, **common)
    for channel in channels:
        rows[f"{key}|c{channel.pk}"] = Message(channel=channel.kind, endpoint=channel, **common)
    if not rows:
        return 0
    existing = set(
        Message.objects.filter(dedupe_key__in=list(rows)).values_list("dedupe_key", flat=True)
    )
    new = []
    for dedupe_key, message in rows.items():
        if dedupe_key not in existing:
            message.dedupe_key = dedupe_key
            new.append(message)
    Message.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


# --- delivery ---------------------------------------------------------------------------


def claim(batch: int = BATCH, *, now: datetime | None = None) -> tuple[str, list[Message]]:
    """Take up to `batch` due messages for this worker (see the module docstring)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = Message.objects.filter(state__in=CLAIMABLE, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:batch])
        if not ids:
            return token, []
        # The filter is repeated: a row that stopped being due meanwhile is not taken.
        Message.objects.filter(pk__in=ids, state__in=CLAIMABLE, next_attempt_at__lte=now).update(
            state=State.SENDING, claim_token=token, claimed_at=now,
            next_attempt_at=now + timedelta(seconds=lease_seconds()),
        )  # fmt: skip
        claimed = Message.objects.filter(pk__in=ids, claim_token=token)
        return token, list(claimed.select_related("endpoint", "recipient").order_by("id"))


@dataclass
class _Outcome:
    error: delivery.DeliveryError | None = None
    attempted: bool = True
    follow: int | None = None  # not attempted: wait as long as this failed sibling


def _target(message: Message) -> tuple:
    return (message.channel, message.endpoint_id, message.recipient_id)


def _send_group(group: list[Message], deadline: float, timeout: float) -> dict[int, _Outcome]:
    """Send messages to one target in order. After a failure the rest of the group waits
    (a robot that hangs costs one timeout per sweep, not one per message); after the
    deadline nothing more is started."""
    outcomes: dict[int, _Outcome] = {}
    for index, message in enumerate(group):
        if time.monotonic() >= deadline:
            for rest in group[index:]:
                outcomes[rest.pk] = _Outcome(attempted=False)
            break
        try:
            delivery.send(message, timeout=timeout)
        except delivery.DeliveryError as exc:
            outcomes[message.pk] = _Outcome(error=exc)
        except Exception as exc:  # a bug in a sender fails the message, not the sweep
            logger.exception("sender for %s failed on message %s", message.channel, message.pk)
            outcomes[message.pk] = _Outcome(error=delivery.DeliveryError(type(exc).__name__))
        else:
            outcomes[message.pk] = _Outcome()
            continue
        for rest in group[index + 1 :]:
            outcomes[rest.pk] = _Outcome(attempted=False, follow=message.pk)
        break
    return outcomes


def _send_all(messages: list[Message], timeout: float) -> dict[int, _Outcome]:
    groups: dict[tuple, list[Message]] = defaultdict(list)
    for message in messages:
        groups[_target(message)].append(message)
    deadline = time.monotonic() + timeout
    outcomes: dict[int, _Outcome] = {}
    remote = []
    for target, group in groups.items():
        if target[0] == Channel.INAPP:  # nothing to wait for
            outcomes.update(_send_group(group, float("inf"), timeout))
        else:
            remote.append(group)
    if len(remote) == 1:
        outcomes.update(_send_group(remote[0], deadline, timeout))
    elif remote:
        with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(remote))) as pool:
            for result in pool.map(lambda g: _send_group(g, deadline, timeout), remote):
                outcomes.update(result)
    return outcomes


def _record(messages: list[Message], outcomes: dict[int, _Outcome], token: str) -> Counter:
    now = timezone.now()
    counts: Counter = Counter()
    mine = Message.objects.filter(claim_token=token, state=State.SENDING)
    retry_at: dict[int, datetime] = {}
    with transaction.atomic():
        sent = [m.pk for m in messages if outcomes[m.pk].attempted and not outcomes[m.pk].error]
        if sent:
            done = mine.filter(pk__in=sent).update(
                state=State.SENT, sent_at=now, attempts=F("attempts") + 1, last_error="",
                claim_token="",
            )  # fmt: skip
            counts["sent"] += done
            counts["lost"] += len(sent) - done
        for message in messages:
            outcome = outcomes[message.pk]
            if not outcome.error:
                continue
            attempts = message.attempts + 1
            fields = {"attempts": attempts, "last_error": str(outcome.error)[:1000],
                      "claim_token": ""}  # fmt: skip
            if outcome.error.permanent or attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                fields["state"] = State.DEAD
            else:
                retry_at[message.pk] = now + backoff(attempts)
                fields.update(state=State.FAILED, next_attempt_at=retry_at[message.pk])
            logger.warning("message %s (%s) failed, attempt %s: %s", message.pk,
                           message.channel, attempts, fields["last_error"])  # fmt: skip
            if mine.filter(pk=message.pk).update(**fields):
                counts[str(fields["state"])] += 1
            else:
                counts["lost"] += 1
        for message in messages:
            outcome = outcomes[message.pk]
            if outcome.attempted:
                continue
            # Not tried: back to waiting, with no attempt counted.
            state = State.FAILED if message.attempts else State.QUEUED
            when = retry_at.get(outcome.follow, now) if outcome.follow else now
            if mine.filter(pk=message.pk).update(state=state, next_attempt_at=when, claim_token=""):
                counts["deferred"] += 1
            else:
                counts["lost"] += 1
    if counts["lost"]:
        logger.warning("%s messages were re-claimed before their results were recorded",
                       counts["lost"])  # fmt: skip
    return counts


def deliver_due(batch: int = BATCH, *, now: datetime | None = None) -> dict[str, int]:
    """Deliver up to `batch` due messages; returns counts by outcome (and "claimed").

    Guarantees: two workers at once never hold the same message, so none is sent twice
    unless a send outlives the lease; a worker killed mid-batch loses nothing (its
    messages are claimable again when the lease ends); a failure is retried with
    exponential back-off and after FANGKONG_NOTIFY_MAX_ATTEMPTS failures (or one that
    retrying cannot fix) the message is `dead`. A hanging target costs at most about one
    FANGKONG_NOTIFY_TIMEOUT per sweep: no send starts after it, and each send times out.
    """
    token, messages = claim(batch, now=now)
    if not messages:
        return {"claimed": 0}
    outcomes = _send_all(messages, settings.NOTIFY_TIMEOUT)
    counts = _record(messages, outcomes, token)
    return {"claimed": len(messages), **{k: v for k, v in counts.items() if v}}


def deliver_sweep(budget: float = 10.0) -> dict[str, int]:
    """The worker's sweep: batch after batch while batches come full, for about `budget` s."""
    total: Counter = Counter()
    start = time.monotonic()
    while True:
        result = deliver_due()
        total.update(result)
        if result["claimed"] < BATCH or time.monotonic() - start > budget:
            return {k: v for k, v in total.items() if v}


# --- users and admins -------------------------------------------------------------------


def mark_read(*, user, message_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own delivered in-app messages read: these ids, or all of them.
    Never another user's, never one still on its way."""
    unread = Message.objects.filter(
        recipient=user, channel=Channel.INAPP, state=State.SENT, read_at__isnull=True
    )
    if message_ids is not None:
        unread = unread.filter(pk__in=list(message_ids))
    return unread.update(read_at=timezone.now())


@transaction.atomic
def retry_message(*, actor, message_id: int) -> Message:
    """Give a dead message a fresh series of attempts, starting now.

    Only for system admins whose `read_access_log` scope covers the message's unit (404
    otherwise); a message that is not dead is a conflict. Audited.
    """
    message = get_message_for(actor, message_id, for_update=True)
    if message.state != State.DEAD:
        raise Conflict("not_dead", _("Only a message that was given up can be retried."))
    old_attempts = message.attempts
    message.state, message.attempts = State.QUEUED, 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["state", "attempts", "next_attempt_at"])
    record_change(actor, "retry_message", message, message.unit_path,
                  {"attempts": old_attempts, "error": message.last_error})  # fmt: skip
    return message
