"""Queueing messages, delivering them from the outbox, and what users and admins do with them.

Delivery (`deliver_due`, run by the worker's sweep in `sweeps.py` every 2 s) works in three
steps:
1. claim: in one short transaction, take up to `batch` due messages and mark them
   `sending` with a claim token and a lease (`next_attempt_at` = end of the lease).
   PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so two workers take disjoint rows;
   SQLite: the IMMEDIATE transaction mode (settings) makes the claim a writer, so two
   claims run one after the other and the second sees the first's `sending` rows.
2. send, outside any transaction (no lock is held while a robot answers);
3. record each result with `UPDATE … WHERE claim_token = <ours>`: a result is kept only
   while the claim is still ours.
Results are recorded as the sends finish (each chunk of finished sends in one short
transaction), not at the end of the batch: a worker killed mid-batch re-sends at most the
messages whose sends had finished but were not yet recorded — in practice the one or two
in flight — and robots get a stable `X-Fangkong-Message` key to drop such a repeat.
A worker killed between 1 and 3 leaves `sending` rows whose lease runs out; the next
claim takes them again. The lease (`lease_seconds`) is far longer than a sweep can take,
so only a worker that really died loses its claim.
"""

import logging
import queue as queues
import time
import uuid
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Max, Value, When
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.localtime import show
from fangkong.core.locking import lock_rows
from fangkong.core.permissions import CorePerm, require
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import list_liaison_user_ids

from . import channels as delivery
from . import chases, queries
from .choices import CLAIMABLE, QUIET_CHANNELS, USER_CHANNELS, Channel, State
from .models import Chase, Message, RoutingRule, UnitChannel
from .permissions import NotifyPerm
from .queries import get_message_for
from .recipients import on_duty_user_ids
from .topics import get_topic, topic_choices

logger = logging.getLogger(__name__)

BATCH = 50
SEND_THREADS = 8  # robots of different targets are called in parallel
MAX_BACKOFF_SECONDS = 3600


def lease_seconds(urgent: bool = False) -> float:
    # A sweep starts no send after NOTIFY_TIMEOUT and each send (SMTP: a few round trips,
    # each bounded by the timeout) ends well within 10 timeouts. An urgent message would
    # rather risk a second copy (the receivers get a stable key to drop it) than wait a
    # minute for a dead worker's lease: 3 timeouts.
    if urgent:
        if settings.NOTIFY_URGENT_LEASE_SECONDS > 0:
            return settings.NOTIFY_URGENT_LEASE_SECONDS
        return max(15.0, 3 * settings.NOTIFY_TIMEOUT)
    if settings.NOTIFY_LEASE_SECONDS > 0:
        return settings.NOTIFY_LEASE_SECONDS
    return max(60.0, 12 * settings.NOTIFY_TIMEOUT)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, 4 min… at most an hour."""
    seconds = settings.NOTIFY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


# --- queueing ---------------------------------------------------------------------------


def _insert(rows: dict[str, Message]) -> int:
    """Insert the rows whose dedupe key (the dict's key) is new; the number inserted."""
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


# Dedupe-key letter of a message to a user on each channel ("u": the inbox, as `queue`).
_USER_KEY: dict[str, str] = {Channel.INAPP: "u", Channel.EMAIL: "e", Channel.SMS: "s"}


def already_queued(plan: dict[str, Iterable]) -> set[str]:
    """Of {message key: users}, the keys `queue` has already queued to every one of those
    users' inboxes. One query on the unique key, whatever the number of keys: a sweep that
    runs every few minutes skips what it did before without a lookup per unit."""
    wanted = {
        f"{key}|{_USER_KEY[Channel.INAPP]}{getattr(user, 'pk', user)}": key
        for key, users in plan.items()
        for user in users
    }
    found = set(
        Message.objects.filter(dedupe_key__in=list(wanted)).values_list("dedupe_key", flat=True)
    )
    missing = {key for dedupe_key, key in wanted.items() if dedupe_key not in found}
    return {key for key, users in plan.items() if users and key not in missing}


def quiet_window() -> tuple[clock, clock] | None:
    """FANGKONG_QUIET_HOURS as (start, end), or None. A malformed value holds nothing (a
    typo must not stop an alert; the `notify.E001` system check reports it)."""
    value = settings.NOTIFY_QUIET_HOURS.strip().lower()
    if value in ("", "off", "none"):
        return None
    try:
        start, end = (clock.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        logger.error("FANGKONG_QUIET_HOURS is not HH:MM-HH:MM: %r", value)
        return None
    return None if start == end else (start, end)


def quiet_until(unit: Unit | None, at: datetime) -> datetime:
    """When a non-urgent SMS or mail due at `at` may go: the end of the quiet hours
    (FANGKONG_QUIET_HOURS, in the unit's time zone) if `at` falls in them, else `at`."""
    window = quiet_window()
    if window is None:
        return at
    start, end = window
    zone = zoneinfo.ZoneInfo(unit.timezone if unit is not None else settings.TIME_ZONE)
    local = at.astimezone(zone)
    now = local.time()
    if start < end:  # "12:00-14:00"
        if not start <= now < end:
            return at
        day = local.date()
    else:  # over midnight, "22:00-07:00"
        if end <= now < start:
            return at
        day = local.date() + timedelta(days=1) if now >= start else local.date()
    return datetime.combine(day, end, tzinfo=zone)


Text = str | Callable[[], str]


def _render(value: Text) -> str:
    return str(value() if callable(value) else value)


_lookups: ContextVar[dict | None] = ContextVar("notify_lookups", default=None)


@contextmanager
def cached_lookups():
    """Inside the block, who a topic and unit route to, who is on duty for a unit, users'
    addresses and a unit's channels are looked up once: for a sweep that queues many
    messages about few units (incident escalations). Outside, every call looks up afresh."""
    token = _lookups.set({})
    try:
        yield
    finally:
        _lookups.reset(token)


def _memo(key, lookup):
    cache = _lookups.get()
    if cache is None:
        return lookup()
    if key not in cache:
        cache[key] = lookup()
    return cache[key]


def queue(
    *,
    key: str,
    topic: str,
    subject: Text,
    body: Text = "",
    unit: Unit | None = None,
    users: Iterable = (),
    channels: Iterable[UnitChannel] | None = None,
    rules: bool = True,
    url: str = "",
    not_before: datetime | None = None,
    chase: Chase | None = None,
) -> int:
    """The one way to send a message: queue it, about `unit`, to everybody who should hear
    of `topic` (registered by its app, `notify.topics`):
    - `users` (users or ids), the topic's default recipients chosen by the caller: their
      in-app inbox;
    - the users the unit's routing rules for the topic (or "*") name (`queries.route`), on
      the rules' channels (in-app, email, SMS); not with `rules=False` (a digest to a robot);
    - when the topic says so (`on_duty`), the people on duty for the unit (`recipients`):
      inbox and SMS;
    - the unit's robots and mailboxes (`UnitChannel`, the nearest configured unit up its
      line), or exactly `channels` when given (`()`: none).
    A user gets one row per channel (keys `{key}|u…`, `|e…`, `|s…`, `|c…`): email only with
    an address, SMS only with a phone number on their roster entry; inactive users none.

    `subject` and `body` are strings, lazy translations or callables returning a string;
    each user's copy is rendered in their language (UserProfile.language, else
    LANGUAGE_CODE), robots and mailboxes get LANGUAGE_CODE. Unless the topic is urgent,
    SMS and mail that fall in the quiet hours wait for their end (`quiet_until`); in-app
    never waits.

    Guarantees: writes rows only, no network, so call it inside the caller's transaction:
    the messages exist if and only if the caller's change commits. Idempotent: a target
    already queued under `key` is skipped, even against a concurrent call with the same key
    (a unique constraint; the insert ignores conflicts). Returns the number of new rows.
    An unregistered topic is a LookupError (a programming error, not a user's).
    """
    spec = get_topic(topic)
    urgent = spec.urgent
    start = not_before or timezone.now()
    held = start if urgent else quiet_until(unit, start)
    plan: dict[int, set[str]] = defaultdict(set)
    for user in users:
        plan[getattr(user, "pk", user)].add(Channel.INAPP)
    if unit is not None and rules:
        routed = _memo(("route", topic, unit.pk), lambda: queries.route(topic=topic, unit=unit))
        for user_id, wanted in routed.items():
            plan[user_id] |= wanted
    if unit is not None and spec.on_duty:
        for user_id in _memo(("on_duty", unit.pk), lambda: on_duty_user_ids(unit)):
            plan[user_id] |= {Channel.INAPP, Channel.SMS}
    details = (
        _memo(("details", frozenset(plan)), lambda: queries.recipient_details(plan)) if plan else {}
    )
    texts: dict[str, tuple[str, str]] = {}

    def texts_in(language: str) -> tuple[str, str]:
        if language not in texts:
            with translation.override(language):
                texts[language] = (" ".join(_render(subject).split())[:200], _render(body))
        return texts[language]

    common = {
        "unit": unit,
        "unit_path": unit.path if unit is not None else "",
        "topic": topic,
        "url": url,
        "urgent": urgent,
        "chase": chase,
    }
    rows: dict[str, Message] = {}
    for user_id in sorted(plan):
        if user_id not in details:
            continue
        email, phone, language = details[user_id]
        subject_text, body_text = texts_in(language)
        for channel in sorted(plan[user_id]):
            if channel not in _USER_KEY or (channel == Channel.EMAIL and not email):
                continue
            if channel == Channel.SMS and not phone:
                continue
            rows[f"{key}|{_USER_KEY[channel]}{user_id}"] = Message(
                channel=channel,
                recipient_id=user_id,
                subject=subject_text,
                body=body_text,
                next_attempt_at=held if channel in QUIET_CHANNELS else start,
                **common,
            )
    if channels is None:
        endpoints = (
            _memo(("channels", unit.pk), lambda: queries.list_channels_for(unit)) if unit else []
        )
    else:
        endpoints = list(channels)
    if endpoints:
        subject_text, body_text = texts_in(settings.LANGUAGE_CODE)
        for endpoint in endpoints:
            rows[f"{key}|c{endpoint.pk}"] = Message(
                channel=endpoint.kind,
                endpoint=endpoint,
                subject=subject_text,
                body=body_text,
                next_attempt_at=held if endpoint.kind in QUIET_CHANNELS else start,
                **common,
            )
    return _insert(rows)


# --- 催办: chasing units ------------------------------------------------------------------

CHASE_INTERVAL = timedelta(minutes=5)  # at most one reminder per (what, unit) this often


@dataclass
class ChaseOutcome:
    unit: Unit
    what: str
    # "sent"; "skipped": chased less than CHASE_INTERVAL ago (`last`, `next_at`); "done":
    # the unit no longer owes it; "nobody": nobody to tell (no liaison, rule or robot).
    status: str
    chase: Chase | None = None
    last: datetime | None = None
    next_at: datetime | None = None

    @property
    def message(self) -> str:
        unit = self.unit
        if self.status == "sent":
            return _("%(unit)s reminded.") % {"unit": unit.name}
        if self.status == "skipped":
            return _(
                "%(unit)s was already reminded at %(at)s; the next reminder is possible "
                "after %(next)s."
            ) % {
                "unit": unit.name,
                "at": show(self.last, unit, "time"),
                "next": show(self.next_at, unit, "time"),
            }
        if self.status == "done":
            return _("%(unit)s has done it already.") % {"unit": unit.name}
        return _("%(unit)s has nobody to remind (no liaison).") % {"unit": unit.name}


def chase(*, actor, what: str, units: Iterable) -> list[ChaseOutcome]:
    """Remind each of `units` (units or codes) about `what` ("report", "ack:17"…; see
    `chases`) through the topic "chase": the unit's liaisons, plus what its routing rules
    and robots add. Guarantees: the actor may chase only the units the kind allows
    (others are `unknown_unit`, as an unknown code); at most one reminder per (what,
    unit) every CHASE_INTERVAL — the unit rows are locked first, so two clicks at the same
    moment send one and the other is "skipped"; a unit that no longer owes it is "done".
    One outcome per unit, in order. All in one transaction with the messages' rows."""
    kind, ref = chases.parse_what(actor, what)
    what = f"{kind.code}:{ref}"
    codes = list(dict.fromkeys(getattr(u, "code", u) for u in units))
    if not codes:
        raise InvalidInput({"units": _("Choose at least one unit.")})
    with transaction.atomic():
        targets = kind.targets(actor, ref, codes)
        lock_rows(Unit, [u.pk for u in targets])  # the 5-minute rule under concurrency
        now = timezone.now()
        recent = dict(
            Chase.objects.filter(what=what, unit__in=targets, at__gt=now - CHASE_INTERVAL)
            .values("unit_id")
            .annotate(last=Max("at"))
            .values_list("unit_id", "last")
        )
        pending = kind.pending(ref, targets) if kind.pending else None
        recipients = (
            kind.recipients(ref, targets) if kind.recipients else list_liaison_user_ids(targets)
        )
        outcomes = []
        for unit in targets:
            if unit.pk in recent:
                last = recent[unit.pk]
                outcomes.append(
                    ChaseOutcome(unit, what, "skipped", last=last, next_at=last + CHASE_INTERVAL)
                )
                continue
            if pending is not None and unit.pk not in pending:
                outcomes.append(ChaseOutcome(unit, what, "done"))
                continue
            row = Chase.objects.create(what=what, unit=unit, by=actor, at=now)
            subject, body, url = kind.compose(ref, unit)
            sent = queue(
                key=f"chase:{row.pk}",
                topic="chase",
                unit=unit,
                subject=subject,
                body=body,
                users=recipients.get(unit.pk, ()),
                url=url,
                chase=row,
            )
            if not sent:
                row.delete()
                outcomes.append(ChaseOutcome(unit, what, "nobody"))
                continue
            outcomes.append(ChaseOutcome(unit, what, "sent", chase=row, last=now))
        done = [o for o in outcomes if o.status == "sent"]
        if done:
            units_sent = [o.unit.code for o in done]
            record_change(
                actor, "chase", done[0].chase, changes={"what": what, "units": units_sent}
            )
    return outcomes


def describe_chases(outcomes: list[ChaseOutcome]) -> tuple[bool, str]:
    """(anything sent, one sentence): a single unit's outcome, or the counts of "all"."""
    if len(outcomes) == 1:
        return outcomes[0].status == "sent", outcomes[0].message
    counts = Counter(o.status for o in outcomes)
    parts = [_("%(n)s units reminded.") % {"n": counts["sent"]}]
    if counts["skipped"]:
        parts.append(
            _("%(n)s skipped: already reminded in the last 5 minutes.") % {"n": counts["skipped"]}
        )
    if counts["done"]:
        parts.append(_("%(n)s have done it already.") % {"n": counts["done"]})
    if counts["nobody"]:
        parts.append(_("%(n)s have nobody to remind (no liaison).") % {"n": counts["nobody"]})
    return bool(counts["sent"]), " ".join(parts)


# --- delivery ---------------------------------------------------------------------------


def claim(batch: int = BATCH, *, now: datetime | None = None) -> tuple[str, list[Message]]:
    """Take up to `batch` due messages for this worker (see the module docstring)."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = Message.objects.filter(state__in=CLAIMABLE, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        # Urgent messages first: an incident alert does not queue behind a reminder backlog.
        ordered = due.order_by("-urgent", "next_attempt_at", "id")
        ids = list(ordered.values_list("pk", flat=True)[:batch])
        if not ids:
            return token, []
        # The filter is repeated: a row that stopped being due meanwhile is not taken.
        Message.objects.filter(pk__in=ids, state__in=CLAIMABLE, next_attempt_at__lte=now).update(
            state=State.SENDING,
            claim_token=token,
            claimed_at=now,
            next_attempt_at=Case(
                When(urgent=True, then=Value(now + timedelta(seconds=lease_seconds(True)))),
                default=Value(now + timedelta(seconds=lease_seconds())),
            ),
        )
        claimed = Message.objects.filter(pk__in=ids, claim_token=token)
        return token, list(claimed.select_related("endpoint", "recipient__person").order_by("id"))


@dataclass
class _Outcome:
    error: delivery.DeliveryError | None = None
    attempted: bool = True
    follow: int | None = None  # not attempted: wait as long as this failed sibling


def _target(message: Message) -> tuple:
    return (message.channel, message.endpoint_id, message.recipient_id)


Emit = Callable[[tuple[Message, "_Outcome"]], None]


def _send_group(group: list[Message], deadline: float, timeout: float, emit: Emit) -> None:
    """Send messages to one target in order, emitting each outcome as it is known. After a
    failure the rest of the group waits (a robot that hangs costs one timeout per sweep,
    not one per message); after the deadline nothing more is started."""
    for index, message in enumerate(group):
        if time.monotonic() >= deadline:
            for rest in group[index:]:
                emit((rest, _Outcome(attempted=False)))
            return
        try:
            delivery.send(message, timeout=timeout)
        except delivery.DeliveryError as exc:
            emit((message, _Outcome(error=exc)))
        except Exception as exc:  # a bug in a sender fails the message, not the sweep
            logger.exception("sender for %s failed on message %s", message.channel, message.pk)
            emit((message, _Outcome(error=delivery.DeliveryError(type(exc).__name__))))
        else:
            emit((message, _Outcome()))
            continue
        for rest in group[index + 1 :]:
            emit((rest, _Outcome(attempted=False, follow=message.pk)))
        return


def _send_all(messages: list[Message], timeout: float) -> Iterator[list[tuple[Message, _Outcome]]]:
    """Send the batch; yield the outcomes in chunks as they come (whatever has finished
    since the last chunk), in each target's order. Remote targets are sent in threads,
    in parallel; the caller (one thread, one database connection) records each chunk."""
    groups: dict[tuple, list[Message]] = defaultdict(list)
    for message in messages:
        groups[_target(message)].append(message)
    local: list[tuple[Message, _Outcome]] = []
    remote = []
    for target, group in groups.items():
        if target[0] == Channel.INAPP:  # nothing to wait for
            _send_group(group, float("inf"), timeout, local.append)
        else:
            remote.append(group)
    if local:
        yield local
    if not remote:
        return
    deadline = time.monotonic() + timeout
    results: queues.SimpleQueue = queues.SimpleQueue()

    def run(group):
        try:
            _send_group(group, deadline, timeout, results.put)
        finally:
            results.put(None)  # this group is done

    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(remote))) as pool:
        for group in remote:
            pool.submit(run, group)
        pending = len(remote)
        while pending:
            chunk = []
            item = results.get()
            while True:
                if item is None:
                    pending -= 1
                else:
                    chunk.append(item)
                try:
                    item = results.get_nowait()
                except queues.Empty:
                    break
            if chunk:
                yield chunk


def _record(
    messages: list[Message],
    outcomes: dict[int, _Outcome],
    token: str,
    retry_at: dict[int, datetime] | None = None,
) -> Counter:
    """Record outcomes, each only while the claim is still ours. `retry_at` carries the
    retry times of failed messages from chunk to chunk (their followers wait as long)."""
    now = timezone.now()
    counts: Counter = Counter()
    mine = Message.objects.filter(claim_token=token, state=State.SENDING)
    retry_at = {} if retry_at is None else retry_at
    with transaction.atomic():
        sent = [m.pk for m in messages if outcomes[m.pk].attempted and not outcomes[m.pk].error]
        if sent:
            done = mine.filter(pk__in=sent).update(
                state=State.SENT,
                sent_at=now,
                attempts=F("attempts") + 1,
                last_error="",
                claim_token="",
            )
            counts["sent"] += done
            counts["lost"] += len(sent) - done
        for message in messages:
            outcome = outcomes[message.pk]
            if not outcome.error:
                continue
            attempts = message.attempts + 1
            fields = {
                "attempts": attempts,
                "last_error": str(outcome.error)[:1000],
                "claim_token": "",
            }
            if outcome.error.permanent or attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                fields["state"] = State.DEAD
            else:
                retry_at[message.pk] = now + backoff(attempts)
                fields.update(state=State.FAILED, next_attempt_at=retry_at[message.pk])
            logger.warning(
                "message %s (%s) failed, attempt %s: %s",
                message.pk,
                message.channel,
                attempts,
                fields["last_error"],
            )
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
    return counts


def deliver_due(batch: int = BATCH, *, now: datetime | None = None) -> dict[str, int]:
    """Deliver up to `batch` due messages; returns counts by outcome (and "claimed").

    Guarantees: two workers at once never hold the same message, so none is sent twice
    unless a send outlives the lease; a worker killed mid-batch loses nothing (its
    messages are claimable again when the lease ends) and sends again only the messages
    in flight when it died (same `X-Fangkong-Message` key, for the receiver); a failure is retried with
    exponential back-off and after FANGKONG_NOTIFY_MAX_ATTEMPTS failures (or one that
    retrying cannot fix) the message is `dead`. A hanging target costs at most about one
    FANGKONG_NOTIFY_TIMEOUT per sweep: no send starts after it, and each send times out.
    """
    token, messages = claim(batch, now=now)
    if not messages:
        return {"claimed": 0}
    counts: Counter = Counter()
    retry_at: dict[int, datetime] = {}
    for chunk in _send_all(messages, settings.NOTIFY_TIMEOUT):
        outcomes = {message.pk: outcome for message, outcome in chunk}
        counts.update(_record([m for m, _ in chunk], outcomes, token, retry_at))
    if counts["lost"]:
        logger.warning(
            "%s messages were re-claimed before their results were recorded", counts["lost"]
        )
    return {"claimed": len(messages), **{k: v for k, v in counts.items() if v}}


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
    _requeue(actor, message)
    return message


def _requeue(actor, message: Message) -> None:
    """A fresh series of attempts for a dead message, audited."""
    old_attempts = message.attempts
    message.state, message.attempts = State.QUEUED, 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["state", "attempts", "next_attempt_at"])
    record_change(
        actor,
        "retry_message",
        message,
        message.unit_path,
        {"attempts": old_attempts, "error": message.last_error},
    )


@transaction.atomic
def retry_dead_messages(*, actor, message_ids: Iterable[int]) -> int:
    """`retry_message` for each of these ids that is dead and in the actor's scope (others
    are skipped, not refused: the page they were listed on may be stale). Audited per
    message. Returns how many were given a fresh series of attempts."""
    dead = Message.objects.visible_to(actor, CorePerm.READ_ACCESS_LOG).filter(
        pk__in=list(message_ids), state=State.DEAD
    )
    retried = 0
    for message in dead.select_for_update().order_by("id"):
        _requeue(actor, message)
        retried += 1
    return retried


# --- routing rules ----------------------------------------------------------------------


def _clean_rule(data: dict) -> dict:
    errors: dict[str, list] = {}
    topic = str(data.get("topic", "")).strip()
    if topic not in dict(topic_choices()):
        errors["topic"] = [_("Choose a topic from the list.")]
    role = data.get("role", "")
    if role not in Role.values:
        errors["role"] = [_("Choose a role from the list.")]
    allowed = [value for value, _label in USER_CHANNELS]
    channels = [c for c in allowed if c in set(data.get("channels") or ())]
    if not channels or len(channels) != len(set(data.get("channels") or ())):
        errors["channels"] = [_("Choose at least one of in-app, email and SMS.")]
    if errors:
        raise InvalidInput(errors)
    return {
        "topic": topic,
        "role": role,
        "channels": channels,
        "applies_to_subtree": bool(data.get("applies_to_subtree", True)),
    }


def _twin_error() -> InvalidInput:
    return InvalidInput({"role": [_("This unit already has a rule for this topic and role.")]})


def _check_unique(rule: RoutingRule) -> None:
    twins = RoutingRule.objects.filter(
        unit=rule.unit, topic=rule.topic, role=rule.role, is_active=True
    ).exclude(pk=rule.pk)
    if twins.exists():
        raise _twin_error()


def _save_unique(rule: RoutingRule) -> None:
    """Save behind the check, with the constraint as the backstop against a twin saved
    at the same moment (a double submit): a clear 400, not a 500."""
    _check_unique(rule)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise _twin_error() from exc


@transaction.atomic
def create_routing_rule(
    *,
    actor,
    unit: Unit,
    topic: str,
    role: str,
    channels: Iterable[str],
    applies_to_subtree: bool = True,
) -> RoutingRule:
    """A rule on `unit` (the actor's `manage_routing` scope must cover it); one active
    rule per (unit, topic, role). Audited."""
    require(actor, NotifyPerm.MANAGE_ROUTING, unit.path)
    cleaned = _clean_rule(
        {
            "topic": topic,
            "role": role,
            "channels": list(channels),
            "applies_to_subtree": applies_to_subtree,
        }
    )
    rule = RoutingRule(unit=unit, **cleaned)
    _save_unique(rule)
    record_change(actor, "create_routing_rule", rule, unit.path, cleaned)
    return rule


@transaction.atomic
def update_routing_rule(*, actor, rule: RoutingRule, **data) -> RoutingRule:
    """Change a rule's topic, role, channels or reach (not its unit). Audited."""
    require(actor, NotifyPerm.MANAGE_ROUTING, rule.unit.path)
    old = {f: getattr(rule, f) for f in ("topic", "role", "channels", "applies_to_subtree")}
    cleaned = _clean_rule({**old, **data})
    for field, value in cleaned.items():
        setattr(rule, field, value)
    rule.updated_at = timezone.now()
    if rule.is_active:
        _save_unique(rule)
    else:
        rule.save()
    changes = {f: [old[f], cleaned[f]] for f in cleaned if old[f] != cleaned[f]}
    record_change(actor, "update_routing_rule", rule, rule.unit.path, changes)
    return rule


@transaction.atomic
def deactivate_routing_rule(*, actor, rule: RoutingRule) -> RoutingRule:
    """Stop a rule (it is kept, inactive, for the record). Idempotent. Audited."""
    require(actor, NotifyPerm.MANAGE_ROUTING, rule.unit.path)
    if rule.is_active:
        rule.is_active = False
        rule.updated_at = timezone.now()
        rule.save(update_fields=["is_active", "updated_at"])
        record_change(
            actor,
            "deactivate_routing_rule",
            rule,
            rule.unit.path,
            {"topic": rule.topic, "role": rule.role},
        )
    return rule
