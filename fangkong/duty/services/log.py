"""The duty log (值班记录) and the handover at shift change (交接班).

Who writes: the person on duty in the room (through their login) or a duty manager
(`manage_duty`). A handover is confirmed by the outgoing and by the incoming person
themselves; only for a person without a login may a duty manager confirm on their
behalf (the confirming user is kept).
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.scope import scope_of
from fangkong.notify.services import queue

from ..choices import LogKind
from ..models import DutyLogEntry, DutyRoom, Handover, Shift
from .common import PERM

MAX_TEXT = 2000
# A clock a little ahead of the server's is not "the future".
CLOCK_SKEW = timedelta(minutes=5)


def own_shift(user, room: DutyRoom, at: datetime) -> Shift | None:
    """The user's shift (through their Person) in `room` covering `at`, if any."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Shift.objects.filter(room=room, person__user=user, starts_at__lte=at, ends_at__gt=at)
        .order_by("starts_at")
        .first()
    )


def can_write_log(user, room: DutyRoom, at: datetime | None = None) -> bool:
    at = at or timezone.now()
    return scope_of(user, PERM).covers(room.unit.path) or own_shift(user, room, at) is not None


@transaction.atomic
def add_log_entry(
    *, actor, room: DutyRoom, kind: str, text: str, at: datetime | None = None
) -> DutyLogEntry:
    """Write a line of the log at `at` (default now, never in the future). It is tied to
    the writer's own shift in the room at that time, if they hold one."""
    now = timezone.now()
    at = at or now
    errors: dict[str, list] = {}
    if kind not in LogKind.values:
        errors["kind"] = [_("Choose a kind.")]
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write what happened.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("At most %(n)s characters.") % {"n": MAX_TEXT}]
    if timezone.is_naive(at):
        errors["at"] = [_("A time needs its time zone.")]
    elif at > now + CLOCK_SKEW:
        errors["at"] = [_("An entry cannot be in the future.")]
    if errors:
        raise InvalidInput(errors)
    shift = own_shift(actor, room, at)
    if shift is None and not scope_of(actor, PERM).covers(room.unit.path):
        raise PermissionDeniedInScope(
            _("Only the people on duty in this room and duty managers write its log.")
        )
    entry = DutyLogEntry.objects.create(
        room=room, shift=shift, kind=kind, at=at, text=text, by=actor
    )
    record_change(actor, "add_log_entry", entry, room.unit.path, {"kind": kind})
    return entry


def next_shift(outgoing: Shift) -> Shift | None:
    """The shift of the same room and role on duty when `outgoing` ends."""
    return (
        Shift.objects.filter(
            room_id=outgoing.room_id,
            role=outgoing.role,
            starts_at__lte=outgoing.ends_at,
            ends_at__gt=outgoing.ends_at,
        )
        .exclude(pk=outgoing.pk)
        .select_related("person")
        .order_by("starts_at", "id")
        .first()
    )


@transaction.atomic
def write_handover(*, actor, outgoing: Shift, note: str, incoming: Shift | None = None) -> Handover:
    """The outgoing person's handover note to the shift that follows (default: the shift
    of the same room and role on duty when `outgoing` ends). Written by the outgoing
    person it counts as their confirmation."""
    room = outgoing.room
    is_out = outgoing.person.user_id is not None and outgoing.person.user_id == actor.pk
    if not is_out and not scope_of(actor, PERM).covers(room.unit.path):
        raise PermissionDeniedInScope(
            _("Only the outgoing person or a duty manager writes the handover.")
        )
    note = (note or "").strip()
    if not note:
        raise InvalidInput({"note": _("Write the handover note.")})
    if len(note) > MAX_TEXT:
        raise InvalidInput({"note": _("At most %(n)s characters.") % {"n": MAX_TEXT}})
    incoming = incoming or next_shift(outgoing)
    if incoming is None:
        raise InvalidInput({"incoming": _("No shift follows this one.")})
    if (
        incoming.room_id != outgoing.room_id
        or incoming.role != outgoing.role
        or not incoming.starts_at <= outgoing.ends_at < incoming.ends_at
    ):
        raise InvalidInput(
            {
                "incoming": _(
                    "The incoming shift is the same room and role, on duty when this one ends."
                )
            }
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                outgoing=outgoing,
                incoming=incoming,
                note=note,
                written_by=actor,
                confirmed_out_by=actor if is_out else None,
                confirmed_out_at=now if is_out else None,
            )
    except IntegrityError as exc:
        raise Conflict("handover_exists", _("This handover has already been written.")) from exc
    record_change(
        actor,
        "write_handover",
        handover,
        room.unit.path,
        {"outgoing": outgoing.pk, "incoming": incoming.pk},
    )
    if incoming.person.user_id:
        values = {"room": room.name, "name": outgoing.person.name}
        queue(
            key=f"duty-handover:{handover.pk}",
            subject=lambda: _("%(room)s: handover from %(name)s, please confirm") % values,
            body=note,
            users=[incoming.person.user_id],
            unit=room.unit,
            topic="duty_handover",
            url=reverse("duty:log", args=[room.unit.code]),
        )
    return handover


@transaction.atomic
def confirm_handover(*, actor, handover: Handover, side: str) -> Handover:
    """Confirm a handover as the outgoing (`side="out"`) or incoming (`"in"`) person."""
    if side not in ("out", "in"):
        raise InvalidInput({"side": _("Confirm as the outgoing or the incoming person.")})
    handover = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("outgoing__person", "incoming__person", "outgoing__room__unit")
        .get(pk=handover.pk)
    )
    shift = handover.outgoing if side == "out" else handover.incoming
    room = handover.outgoing.room
    user_id = shift.person.user_id
    allowed = (user_id is not None and user_id == actor.pk) or (
        user_id is None and scope_of(actor, PERM).covers(room.unit.path)
    )
    if not allowed:
        raise PermissionDeniedInScope(
            _("Only %(name)s confirms this side of the handover.") % {"name": shift.person.name}
        )
    field = "confirmed_out" if side == "out" else "confirmed_in"
    if getattr(handover, f"{field}_at") is not None:
        raise Conflict("already_confirmed", _("This side of the handover is already confirmed."))
    setattr(handover, f"{field}_by", actor)
    setattr(handover, f"{field}_at", timezone.now())
    handover.save(update_fields=[f"{field}_by", f"{field}_at"])
    record_change(
        actor, f"confirm_handover_{side}", handover, room.unit.path, {"person": shift.person_id}
    )
    return handover
