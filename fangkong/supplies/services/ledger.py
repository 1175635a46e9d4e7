"""Writes of the supplies ledger. Guarantees: every move is one new `Move` row and the
(unit, item) balance changed by it in the same transaction, under a row lock, so two
writers at once are serialized and a balance is never negative (a move that would make it
so is refused, nothing written); no move is edited or deleted — a wrong one is reversed
by a new move; a transfer leaves the sender at once and enters the receiver only when
received, with the quantity counted there (a difference needs a reason)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.permissions import require
from fangkong.orgs.models import Unit

from .. import cover, messages
from ..choices import (
    AdjustReason,
    MoveKind,
    RequestAction,
    RequestState,
    Source,
    TransferState,
)
from ..models import Balance, Item, Move, Request, RequestEvent, Transfer
from ..permissions import SuppliesPerm

PERM = SuppliesPerm.KEEP_STOCK
MAX_QUANTITY = 10**9
SHORT = cover.SEVERITY[cover.CoverState.BELOW]


def _quantity(value, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput({field: _("Give a whole number.")})
    if value <= 0:
        raise InvalidInput({field: _("Give a quantity above zero.")})
    if value > MAX_QUANTITY:
        raise InvalidInput({field: _("At most %(n)s.") % {"n": MAX_QUANTITY}})
    return value


def _locked_balance(unit: Unit, item: Item) -> Balance:
    Balance.objects.get_or_create(unit=unit, item=item, defaults={"unit_path": unit.path})
    return Balance.objects.select_for_update().get(unit=unit, item=item)


def _apply(*, actor, unit: Unit, item: Item, kind: str, delta: int, now, **fields) -> Move:
    balance = _locked_balance(unit, item)
    after = balance.quantity + delta
    if after < 0:
        raise InvalidInput(
            {
                "quantity": _("Not enough in stock: %(unit)s holds %(n)s %(uom)s of %(item)s.")
                % {
                    "unit": unit.name,
                    "n": balance.quantity,
                    "uom": item.unit_of_measure,
                    "item": item.name,
                }
            },
            code="insufficient_stock",
        )
    before = balance.quantity
    move = Move.objects.create(
        unit=unit,
        unit_path=unit.path,
        item=item,
        kind=kind,
        delta=delta,
        balance_after=after,
        at=now,
        by=actor,
        **fields,
    )
    cover.record_day(unit=unit, item=item, move=move, before=before)
    was = balance.severity
    balance.quantity, balance.updated_at = after, now
    cover.recompute(balance, unit=unit, item=item, now=now)
    balance.save(update_fields=["quantity", "updated_at", *cover.COVER_FIELDS])
    if balance.severity >= SHORT and balance.severity > was:
        messages.tell_shortfall(balance, unit, item, now)
    return move


def _check_item(item: Item) -> Item:
    if not item.active:
        raise InvalidInput({"item": _("This item is no longer in use.")})
    return item


@transaction.atomic
def record_receipt(*, actor, unit, item, quantity, source=Source.PURCHASE, note="", now=None):
    require(actor, PERM, unit.path)
    if source not in Source.values:
        raise InvalidInput({"source": _("Choose where it came from.")})
    return _apply(
        actor=actor,
        unit=unit,
        item=_check_item(item),
        kind=MoveKind.RECEIPT,
        delta=_quantity(quantity),
        now=now or timezone.now(),
        source=source,
        note=note.strip()[:200],
    )


@transaction.atomic
def record_issue(*, actor, unit, item, quantity, purpose="", note="", now=None):
    """Consumption (or handing out) at the unit, with the site or purpose."""
    require(actor, PERM, unit.path)
    return _apply(
        actor=actor,
        unit=unit,
        item=item,
        kind=MoveKind.ISSUE,
        delta=-_quantity(quantity),
        now=now or timezone.now(),
        purpose=purpose.strip()[:200],
        note=note.strip()[:200],
    )


@transaction.atomic
def record_count(*, actor, unit, item, counted, reason, note="", now=None) -> Move | None:
    """A physical count: the system writes the difference, with its reason. None when the
    count agrees with the balance (nothing to write)."""
    require(actor, PERM, unit.path)
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise InvalidInput({"counted": _("Give the counted quantity (0 or more).")})
    if reason not in AdjustReason.values:
        raise InvalidInput({"reason": _("Say why the count differs.")})
    balance = _locked_balance(unit, item)
    delta = counted - balance.quantity
    if delta == 0:
        return None
    return _apply(
        actor=actor,
        unit=unit,
        item=item,
        kind=MoveKind.ADJUSTMENT,
        delta=delta,
        now=now or timezone.now(),
        reason=reason,
        note=note.strip()[:200],
    )


@transaction.atomic
def send_transfer(
    *, actor, from_unit, to_unit, item, quantity, note="", now=None, distribution=None
) -> Transfer:
    require(actor, PERM, from_unit.path)
    if from_unit.pk == to_unit.pk:
        raise InvalidInput({"to_unit": _("A unit cannot send to itself.")})
    now = now or timezone.now()
    quantity = _quantity(quantity)
    transfer = Transfer.objects.create(
        from_unit=from_unit,
        unit_path=from_unit.path,
        to_unit=to_unit,
        to_path=to_unit.path,
        item=_check_item(item),
        quantity_sent=quantity,
        sent_at=now,
        sent_by=actor,
        distribution=distribution,
    )
    _apply(
        actor=actor,
        unit=from_unit,
        item=item,
        kind=MoveKind.TRANSFER_OUT,
        delta=-quantity,
        now=now,
        transfer=transfer,
        purpose=to_unit.name[:200],
        note=note.strip()[:200],
    )
    return transfer


@transaction.atomic
def receive_transfer(*, actor, transfer: Transfer, quantity, reason="", now=None) -> Transfer:
    """The receiver confirms what arrived (proof of receipt): the quantity counted there,
    and why when it differs from what was sent."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    require(actor, PERM, transfer.to_path)
    if transfer.state != TransferState.IN_TRANSIT:
        raise Conflict("already_received", _("This transfer has already been received."))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise InvalidInput({"quantity": _("Give the quantity received (0 or more).")})
    if quantity != transfer.quantity_sent and not reason.strip():
        raise InvalidInput(
            {
                "reason": _("%(sent)s were sent: say why %(got)s arrived.")
                % {"sent": transfer.quantity_sent, "got": quantity}
            }
        )
    now = now or timezone.now()
    to_unit = Unit.objects.get(pk=transfer.to_unit_id)
    if quantity:
        _apply(
            actor=actor,
            unit=to_unit,
            item=transfer.item,
            kind=MoveKind.TRANSFER_IN,
            delta=quantity,
            now=now,
            transfer=transfer,
            purpose=transfer.from_unit.name[:200],
            note=reason.strip()[:200],
        )
    transfer.quantity_received, transfer.discrepancy_reason = quantity, reason.strip()[:200]
    transfer.state, transfer.received_at, transfer.received_by = TransferState.RECEIVED, now, actor
    transfer.save()
    request = Request.objects.select_for_update().filter(transfer=transfer).first()
    if request is not None:
        request.state = RequestState.RECEIVED
        request.save(update_fields=["state"])
        _event(request, RequestAction.RECEIVED, actor, now, quantity, reason.strip())
    return transfer


@transaction.atomic
def reverse_move(*, actor, move: Move, note: str, now=None) -> Move:
    """Put a wrong entry right: a new move of the opposite quantity, linked to it."""
    move = Move.objects.select_for_update().get(pk=move.pk)
    require(actor, PERM, move.unit_path)
    if move.kind in (MoveKind.REVERSAL, MoveKind.TRANSFER_OUT, MoveKind.TRANSFER_IN):
        raise InvalidInput({"move": _("This entry cannot be reversed on its own.")})
    if Move.objects.filter(reverses=move).exists():
        raise Conflict("already_reversed", _("This entry has already been reversed."))
    if not note.strip():
        raise InvalidInput({"note": _("Say what was wrong with the entry.")})
    return _apply(
        actor=actor,
        unit=move.unit,
        item=move.item,
        kind=MoveKind.REVERSAL,
        delta=-move.delta,
        now=now or timezone.now(),
        reverses=move,
        note=note.strip()[:200],
    )


def _event(request, action, actor, now, quantity=None, note="") -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        action=action,
        at_unit_id=request.at_unit_id,
        quantity=quantity,
        note=note[:300],
        at=now,
        by=actor,
    )
