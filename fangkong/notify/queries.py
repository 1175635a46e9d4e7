"""Reads of the outbox and inbox, and who or what a message about a unit should reach."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.shortcuts import get_object_or_404

from fangkong.core.permissions import CorePerm
from fangkong.core.scope import get_object_for
from fangkong.orgs.models import RoleAssignment, Unit

from .choices import ANY_TOPIC, Channel, State
from .models import Chase, Message, RoutingRule, UnitChannel
from .permissions import NotifyPerm


def _inbox(user) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user, channel=Channel.INAPP, state=State.SENT)


def count_unread(user) -> int:
    return _inbox(user).filter(read_at__isnull=True).count()


def list_inbox(user, *, unread_only=False, urgent_only=False) -> QuerySet[Message]:
    """The user's in-app messages (delivered ones: the worker marks them): unread first,
    urgent ones (incidents, fevers, escalations) before routine ones, then newest first."""
    messages = _inbox(user).select_related("unit")
    if unread_only:
        messages = messages.filter(read_at__isnull=True)
    if urgent_only:
        messages = messages.filter(urgent=True)
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return messages.annotate(unread=unread).order_by("-unread", "-urgent", "-created_at", "-id")


def get_inbox_message_for(user, pk: int) -> Message:
    """One of the user's own in-app messages; anybody else's is a 404."""
    return get_object_or_404(_inbox(user), pk=pk)


def list_messages_for(user, *, state: str = "", channel: str = "") -> QuerySet[Message]:
    """The delivery log: every message about a unit in the user's `read_access_log` scope
    (messages about no unit only for whole-tree admins), newest first."""
    messages = Message.objects.visible_to(user, CorePerm.READ_ACCESS_LOG)
    if state:
        messages = messages.filter(state=state)
    if channel:
        messages = messages.filter(channel=channel)
    return messages.select_related("recipient", "endpoint", "unit").order_by("-created_at", "-id")


def get_message_for(user, pk: int, *, for_update=False) -> Message:
    messages = Message.objects.select_for_update() if for_update else Message.objects.all()
    return get_object_for(user, messages, CorePerm.READ_ACCESS_LOG, pk=pk)


def _lineage(unit: Unit) -> list[int]:
    """The unit and its ancestors, nearest first."""
    return [unit.pk, *reversed(unit.ancestor_ids)]


def list_channels_for_units(units: Iterable[Unit]) -> dict[int, list[UnitChannel]]:
    """For each unit, the active channels of the nearest unit (itself or an ancestor) that
    has any. One query, whatever the number of units."""
    units = list(units)
    lineage_ids = {pk for unit in units for pk in _lineage(unit)}
    by_unit: dict[int, list[UnitChannel]] = defaultdict(list)
    channels = UnitChannel.objects.filter(unit_id__in=lineage_ids, is_active=True)
    for channel in channels.select_related("unit").order_by("id"):
        by_unit[channel.unit_id].append(channel)
    result = {}
    for unit in units:
        nearest = next((pk for pk in _lineage(unit) if pk in by_unit), None)
        result[unit.pk] = by_unit[nearest] if nearest is not None else []
    return result


def list_channels_for(unit: Unit) -> list[UnitChannel]:
    return list_channels_for_units([unit])[unit.pk]


# --- routing ----------------------------------------------------------------------------


def route(*, topic: str, unit: Unit) -> dict[int, set[str]]:
    """Who hears about `topic` for a message about `unit`, and on which channels:
    {user id: {"inapp", "email", "sms"}}. Two queries.

    1. The rules: those of the nearest unit on `unit`'s line (itself, then its parent, up
       to the root) that has an active rule for `topic` or for "*" — a unit's rules replace
       those above it. A rule not marked "applies to the units below" counts only for
       messages about its own unit.
    2. Each rule names a role: its holders on the nearest unit on `unit`'s line where
       somebody active holds it (a group's rule for liaisons reaches the liaison of the
       site the message is about; a site's rule for the epidemic office reaches the
       group's office). Channels of several rules add up.
    """
    line = _lineage(unit)
    rules = RoutingRule.objects.filter(
        unit_id__in=line, is_active=True, topic__in=[topic, ANY_TOPIC]
    ).order_by("id")
    by_unit: dict[int, list[RoutingRule]] = defaultdict(list)
    for rule in rules:
        if rule.unit_id == unit.pk or rule.applies_to_subtree:
            by_unit[rule.unit_id].append(rule)
    nearest = next((pk for pk in line if pk in by_unit), None)
    if nearest is None:
        return {}
    chosen = by_unit[nearest]
    holders: dict[tuple[int, str], list[int]] = defaultdict(list)
    assignments = RoleAssignment.objects.filter(
        unit_id__in=line, role__in={rule.role for rule in chosen}, user__is_active=True
    ).order_by("user_id")
    for unit_id, role, user_id in assignments.values_list("unit_id", "role", "user_id"):
        holders[(unit_id, role)].append(user_id)
    result: dict[int, set[str]] = defaultdict(set)
    for rule in chosen:
        found = next((holders[(pk, rule.role)] for pk in line if (pk, rule.role) in holders), [])
        for user_id in found:
            result[user_id] |= set(rule.channels)
    return dict(result)


def recipient_details(user_ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
    """For each active user among `user_ids`: (email, phone, language). The phone is their
    roster entry's; the language their own choice, else the site's. One query."""
    rows = get_user_model().objects.filter(pk__in=list(user_ids), is_active=True)
    result = {}
    for pk, email, phone, language in rows.values_list(
        "pk", "email", "person__phone", "profile__language"
    ):
        result[pk] = (
            (email or "").strip(),
            (phone or "").strip(),
            language or settings.LANGUAGE_CODE,
        )
    return result


def list_rules_for(user, *, active_only: bool = True) -> QuerySet[RoutingRule]:
    """Routing rules on units in the user's `manage_routing` scope."""
    rules = RoutingRule.objects.visible_to(user, NotifyPerm.MANAGE_ROUTING).select_related("unit")
    if active_only:
        rules = rules.filter(is_active=True)
    return rules.order_by("unit__path", "topic", "role", "id")


def get_rule_for(user, pk: int, *, for_update=False) -> RoutingRule:
    rules = RoutingRule.objects.select_related("unit")
    if for_update:
        rules = rules.select_for_update(of=("self",))
    return get_object_for(user, rules, NotifyPerm.MANAGE_ROUTING, pk=pk)


# --- 催办 receipts ------------------------------------------------------------------------


@dataclass
class ChaseReceipt:
    """The last chase of a unit about something, and who of its in-app recipients has
    read it: `readers` [(name, read_at or None)], read ones first."""

    chase: Chase
    readers: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.readers)

    @property
    def read(self) -> int:
        return sum(1 for _name, at in self.readers if at is not None)


def list_chase_receipts(what: str, units: Iterable) -> dict[int, ChaseReceipt]:
    """{unit id: its last chase about `what`, with read receipts} for the units chased
    about it. Two queries, whatever the number of units (a missing list of hundreds)."""
    ids = [getattr(u, "pk", u) for u in units]
    if not ids:
        return {}
    receipts: dict[int, ChaseReceipt] = {}
    for chase in Chase.objects.filter(what=what, unit_id__in=ids).order_by("unit_id", "-at", "-id"):
        receipts.setdefault(chase.unit_id, ChaseReceipt(chase))
    by_chase = {r.chase.pk: r for r in receipts.values()}
    if not by_chase:
        return receipts
    inapp = (
        Message.objects.filter(chase_id__in=list(by_chase), channel=Channel.INAPP)
        .select_related("recipient")
        .order_by("read_at", "id")
    )
    for message in inapp:
        user = message.recipient
        name = (user.get_full_name() or user.get_username()) if user else ""
        if message.chase_id is not None:
            by_chase[message.chase_id].readers.append((name, message.read_at))
    for receipt in receipts.values():
        receipt.readers.sort(key=lambda r: (r[1] is None, r[1] or 0))
    return receipts
