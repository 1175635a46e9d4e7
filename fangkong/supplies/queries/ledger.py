"""Reads of the ledger: the catalogue, balances, the stock card, transfers."""

from django.http import Http404
from django.urls import reverse

from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of

from .. import cover
from ..choices import CoverState, TransferState
from ..models import Balance, Item, Move, Transfer
from ..permissions import SuppliesPerm

SHORT = cover.SEVERITY[CoverState.BELOW]


def list_items(*, active_only: bool = True):
    items = Item.objects.all()
    return items.filter(active=True) if active_only else items


def list_balances(user, unit):
    """The unit's own stock, one row per item it has ever held."""
    return (
        Balance.objects.visible_to(user, CorePerm.VIEW)
        .filter(unit=unit)
        .select_related("item")
        .order_by("item__sort_order", "item__code")
    )


def list_moves(user, unit, item=None):
    """The stock card: the unit's moves, newest first (of one item if given)."""
    moves = Move.objects.visible_to(user, CorePerm.VIEW).filter(unit=unit)
    if item is not None:
        moves = moves.filter(item=item)
    return moves.select_related("item", "by", "transfer")


def get_transfer_for(user, transfer_id) -> Transfer:
    """A transfer the user may see from either end; any other is a 404."""
    scope = scope_of(user, CorePerm.VIEW)
    found = (
        Transfer.objects.filter(scope.q("unit_path") | scope.q("to_path"))
        .select_related("from_unit", "to_unit", "item")
        .filter(pk=transfer_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def list_transfers_to_confirm(user):
    """Transfers in transit to units the user keeps stock of."""
    scope = scope_of(user, SuppliesPerm.KEEP_STOCK)
    return (
        Transfer.objects.filter(scope.q("to_path"), state=TransferState.IN_TRANSIT)
        .select_related("from_unit", "to_unit", "item")
        .order_by("sent_at")
    )


def transfer_url(transfer) -> str:
    """Where the receiving unit confirms a transfer."""
    return f"{reverse('supplies:transfer_list')}?unit={transfer.to_unit.code}"
