"""Reads of a unit's stock pages: the stock card, transfers in and out, the daily count
(日清单) from the ledger."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, Sum

from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of

from ..choices import MoveKind, TransferState
from ..models import Item, Move, Transfer
from .ledger import list_moves


def list_card(user, unit, item):
    """The stock card of one (unit, item): every move, newest first, with who made it
    (their roster entry, for their name and unit) and the reversal that undid it."""
    return list_moves(user, unit, item).select_related(
        "by__person__unit", "reversed_by", "reverses"
    )


def _transfers(user):
    scope = scope_of(user, CorePerm.VIEW)
    return Transfer.objects.filter(scope.q("unit_path") | scope.q("to_path")).select_related(
        "from_unit", "to_unit", "item", "sent_by__person__unit", "received_by__person__unit"
    )


def list_transfers_in(user, unit, *, in_transit: bool):
    """Transfers to the unit: those still in transit (to receive), or those received."""
    state = TransferState.IN_TRANSIT if in_transit else TransferState.RECEIVED
    rows = _transfers(user).filter(to_unit=unit, state=state)
    return rows.order_by("sent_at", "id") if in_transit else rows.order_by("-received_at", "-id")


def list_transfers_out(user, unit):
    """Transfers sent by the unit, newest first, in transit or received."""
    return _transfers(user).filter(from_unit=unit).order_by("-sent_at", "-id")


def day_bounds(unit, day: date) -> tuple[datetime, datetime]:
    """The unit's local day as an instant range [start, end): midnight on its wall clock."""
    start = datetime.combine(day, time.min, tzinfo=unit.tzinfo)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=unit.tzinfo)
    return start, end


@dataclass
class DailyLine:
    """One item of the daily count (日清单): the balance at the start of the unit's day,
    what came in, went out and was put right during it, and the balance at its end."""

    item: Item
    opening: int
    received: int  # receipts and transfers received
    issued: int  # issues: consumption and handing out
    sent: int  # transfers sent
    adjusted: int  # count adjustments and reversals (+ or -)

    @property
    def closing(self) -> int:
        return self.opening + self.received - self.issued - self.sent + self.adjusted


IN_KINDS = (MoveKind.RECEIPT, MoveKind.TRANSFER_IN)
ADJUST_KINDS = (MoveKind.ADJUSTMENT, MoveKind.REVERSAL)


def list_daily_count(user, unit, day: date) -> list[DailyLine]:
    """The daily count of a unit and day, read from the ledger in one query: one line per
    item the unit held before the day ended. Sums of moves (not the last `balance_after`),
    so a move recorded with an earlier time still counts on its own day."""
    start, end = day_bounds(unit, day)
    moves = Move.objects.visible_to(user, CorePerm.VIEW).filter(unit=unit, at__lt=end)
    today = Q(at__gte=start)
    rows = moves.values("item").annotate(
        opening=Sum("delta", filter=Q(at__lt=start), default=0),
        received=Sum("delta", filter=today & Q(kind__in=IN_KINDS), default=0),
        issued=Sum("delta", filter=today & Q(kind=MoveKind.ISSUE), default=0),
        sent=Sum("delta", filter=today & Q(kind=MoveKind.TRANSFER_OUT), default=0),
        adjusted=Sum("delta", filter=today & Q(kind__in=ADJUST_KINDS), default=0),
    )
    figures = {row["item"]: row for row in rows}
    items = Item.objects.filter(pk__in=figures).order_by("sort_order", "code")
    return [
        DailyLine(
            item=item,
            opening=figures[item.pk]["opening"],
            received=figures[item.pk]["received"],
            issued=-figures[item.pk]["issued"],
            sent=-figures[item.pk]["sent"],
            adjusted=figures[item.pk]["adjusted"],
        )
        for item in items
    ]
