"""Reads of the supplies ledger, scoped like everything else."""

from fangkong.core.permissions import CorePerm

from .models import Balance, Item, Move


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
