"""Swaps with approval (换班): the person on a shift (or a duty manager) asks to hand it
to someone else; a user with `manage_duty` on the room other than the asker decides.
Messages go through the outbox in the same transaction."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.scope import scope_of
from fangkong.notify.services import queue
from fangkong.orgs.models import Person

from ..choices import SwapState
from ..models import Shift, SwapRequest
from ..queries.coverage import admin_user_ids
from .common import PERM, check_person, find_overlap, lock_people, overlap_error


def _pending() -> Conflict:
    return Conflict("swap_pending", _("This shift already has a swap waiting for a decision."))


@transaction.atomic
def request_swap(*, actor, shift: Shift, to_person: Person, reason: str = "") -> SwapRequest:
    """Ask to hand `shift` to `to_person`. Allowed to the shift's person (their login) and
    to duty managers of the room; the shift must not have ended, and `to_person` must be
    free at that time. At most one pending request per shift."""
    room = shift.room
    is_own = shift.person.user_id is not None and shift.person.user_id == actor.pk
    if not is_own and not scope_of(actor, PERM).covers(room.unit.path):
        raise PermissionDeniedInScope(_("Only the person on this shift or a duty manager may ask."))
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise InvalidInput({"reason": _("At most 200 characters.")})
    if shift.ends_at <= timezone.now():
        raise Conflict("shift_over", _("This shift is over."))
    check_person(room, to_person, field="to_person")
    if to_person.pk == shift.person_id:
        raise InvalidInput({"to_person": _("Choose someone else than the person on the shift.")})
    other = find_overlap(to_person.pk, shift.starts_at, shift.ends_at, exclude=[shift.pk])
    if other is not None:
        raise overlap_error(to_person, other, field="to_person")
    if SwapRequest.objects.filter(shift=shift, state=SwapState.PENDING).exists():
        raise _pending()
    try:
        with transaction.atomic():
            swap = SwapRequest.objects.create(
                shift=shift,
                from_person=shift.person,
                to_person=to_person,
                reason=reason,
                requested_by=actor,
            )
    except IntegrityError as exc:  # asked meanwhile
        raise _pending() from exc
    record_change(
        actor,
        "request_swap",
        swap,
        room.unit.path,
        {"shift": shift.pk, "from": shift.person_id, "to": to_person.pk},
    )
    deciders = admin_user_ids([room.unit]).get(room.unit.pk, set()) - {actor.pk}
    values = {"room": room.name, "from": shift.person.name, "to": to_person.name}
    queue(
        key=f"duty-swap:{swap.pk}",
        subject=lambda: _("%(room)s: a swap waits for your decision") % values,
        body=lambda: _("%(from)s asks to hand a shift to %(to)s.") % values,
        users=deciders,
        unit=room.unit,
        topic="duty_swap",
        url=reverse("duty:shift_detail", args=[shift.pk]),
    )
    return swap


@transaction.atomic
def decide_swap(*, actor, swap: SwapRequest, approve: bool, note: str = "") -> SwapRequest:
    """Approve or reject a pending swap. Approval moves the shift to the new person after
    checking again that they are free (`shift_overlap` otherwise) and that the shift still
    belongs to the person who gave it (`swap_stale`)."""
    room = swap.shift.room
    if not scope_of(actor, PERM).covers(room.unit.path):
        raise PermissionDeniedInScope()
    if swap.requested_by_id == actor.pk and not actor.is_superuser:
        raise PermissionDeniedInScope(_("A swap is decided by someone other than who asked."))
    note = (note or "").strip()
    if len(note) > 200:
        raise InvalidInput({"note": _("At most 200 characters.")})
    lock_people([swap.to_person_id])
    swap = (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("shift__room__unit", "to_person", "from_person")
        .get(pk=swap.pk)
    )
    if swap.state != SwapState.PENDING:
        raise Conflict("swap_decided", _("This swap has already been decided."))
    shift = Shift.objects.select_for_update(of=("self",)).get(pk=swap.shift_id)
    if approve:
        if shift.person_id != swap.from_person_id:
            raise Conflict("swap_stale", _("The shift has changed hands since the request."))
        if shift.ends_at <= timezone.now():
            raise Conflict("shift_over", _("This shift is over."))
        check_person(room, swap.to_person, field="to_person")
        other = find_overlap(swap.to_person_id, shift.starts_at, shift.ends_at, exclude=[shift.pk])
        if other is not None:
            raise overlap_error(swap.to_person, other, field="to_person")
        shift.person_id = swap.to_person_id
        shift.edited = True
        shift.save(update_fields=["person", "edited"])
    swap.state = SwapState.APPROVED if approve else SwapState.REJECTED
    swap.decided_by = actor
    swap.decided_at = timezone.now()
    swap.decision_note = note
    swap.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    record_change(
        actor,
        "approve_swap" if approve else "reject_swap",
        swap,
        room.unit.path,
        {"shift": shift.pk, "from": swap.from_person_id, "to": swap.to_person_id},
    )
    told = {swap.requested_by_id, swap.from_person.user_id, swap.to_person.user_id} - {None}
    values = {"to": swap.to_person.name, "from": swap.from_person.name}

    def subject():
        return (
            _("Swap approved: %(to)s takes the shift of %(from)s")
            if approve
            else _("Swap rejected: the shift stays with %(from)s")
        ) % values

    queue(
        key=f"duty-swap-decided:{swap.pk}",
        subject=subject,
        body=note,
        users=told,
        unit=room.unit,
        topic="duty_swap",
        url=reverse("duty:shift_detail", args=[shift.pk]),
    )
    return swap
