"""The ledger over JSON: the catalogue, a unit's stock with days of cover, the shortfall
board, recording moves, receiving a transfer. Another unit's stock is a 404."""

from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Id, Int, Line
from fangkong.orgs.queries import get_unit_for

from .. import queries, services
from ..choices import (
    AdjustReason,
    CoverState,
    MoveKind,
    Source,
)
from ..models import Item, Transfer

router = Router(tags=["supplies"])


class ItemOut(Schema):
    code: str
    name: str
    category: str
    unit_of_measure: str
    pack_name: str
    pack_size: int
    durable: bool


class StockOut(Schema):
    item: str = Field(description="the item's code")
    name: str
    unit_of_measure: str
    balance: int
    rate: float | None = Field(
        description="average daily consumption over the last days in stock (derived)"
    )
    days_of_cover: float | None = Field(description="balance ÷ rate (derived)")
    state: CoverState
    shortfall: int = Field(description="quantity short of the safety level")
    units_short: int = Field(description="units (in the subtree) below their safety level")
    updated_at: datetime | None


class StockQuery(Schema):
    unit: Code
    subtree: bool = Field(False, description="roll up the unit's whole subtree")


class ShortfallQuery(PageQuery):
    unit: Code
    item: Line(40) | None = None


class ShortfallOut(Schema):
    unit: str
    unit_name: str
    item: str
    balance: int
    rate: float | None
    days_of_cover: float | None
    state: CoverState
    shortfall: int


class ShortfallTotalOut(Schema):
    item: str
    units_short: int
    units_out: int
    shortfall: int


class ShortfallsOut(Page[ShortfallOut]):
    totals: list[ShortfallTotalOut]


class StockMoveIn(Schema):
    kind: str = Field(pattern="^(receipt|issue|transfer|adjustment)$")
    unit: Code
    item: Line(40)
    quantity: Int(0, services.MAX_QUANTITY) | None = Field(
        None, description="receipt, issue, transfer: how many (in the item's unit of measure)"
    )
    source: Source | None = Field(None, description="receipt: where it came from")
    purpose: Line(200) = Field("", description="issue: the site or purpose")
    to_unit: Code | None = Field(None, description="transfer: the receiving unit's code")
    counted: Int(0, services.MAX_QUANTITY) | None = Field(
        None, description="adjustment: the quantity counted"
    )
    reason: AdjustReason | None = Field(None, description="adjustment: why it differs")
    note: Line(200) = ""


class StockMoveOut(Schema):
    id: int | None = Field(description="the ledger line (none when a count agreed)")
    kind: str
    unit: str
    item: str
    delta: int
    balance_after: int
    transfer: int | None = None


class ReceiveIn(Schema):
    quantity: Int(0, services.MAX_QUANTITY)
    reason: Line(200) = ""


class TransferOut(Schema):
    id: int
    from_unit: str
    to_unit: str
    item: str
    quantity_sent: int
    quantity_received: int | None
    state: str


def _item(code: str) -> Item:
    item = Item.objects.filter(code=code).first()
    if item is None:
        raise InvalidInput({"item": _("Unknown item code.")}, code="unknown_item")
    return item


def _transfer_out(t: Transfer) -> dict:
    return {
        "id": t.pk,
        "from_unit": t.from_unit.code,
        "to_unit": t.to_unit.code,
        "item": t.item.code,
        "quantity_sent": t.quantity_sent,
        "quantity_received": t.quantity_received,
        "state": t.state,
    }


@router.get("/supplies/items", response=list[ItemOut], summary="The supplies catalogue")
def list_items(request):
    return list(queries.list_items())


def _num(value):
    return float(value) if value is not None else None


@router.get("/supplies/stock", response=list[StockOut], summary="A unit's stock")
def stock(request, filters: Query[StockQuery]):
    """One row per item with its balance, daily rate, days of cover and state; with
    `subtree=1` summed over the unit's subtree (the state of the whole)."""
    unit = get_unit_for(request.user, filters.unit)
    return [
        {
            "item": line.item.code,
            "name": line.item.name,
            "unit_of_measure": line.item.unit_of_measure,
            "balance": line.balance,
            "rate": _num(line.rate),
            "days_of_cover": _num(line.days_of_cover),
            "state": line.state,
            "shortfall": line.shortfall,
            "units_short": line.units_short,
            "updated_at": line.updated_at,
        }
        for line in queries.list_stock(request.user, unit, subtree=filters.subtree)
    ]


def _short_out(b) -> dict:
    return {
        "unit": b.unit.code,
        "unit_name": b.unit.name,
        "item": b.item.code,
        "balance": b.quantity,
        "rate": _num(b.rate),
        "days_of_cover": _num(b.days_of_cover),
        "state": b.state,
        "shortfall": b.shortfall,
    }


@router.get("/supplies/shortfalls", response=ShortfallsOut, summary="The shortfall board")
def shortfalls(request, filters: Query[ShortfallQuery]):
    """Every (unit, item) of the subtree out of stock or below its safety level, worst
    first, a page at a time, and the totals per item."""
    unit = get_unit_for(request.user, filters.unit)
    item = _item(filters.item) if filters.item else None
    page = paginate(queries.list_shortfalls(request.user, unit, item=item), filters, out=_short_out)
    return {
        **page,
        "totals": [
            {
                "item": row["item"].code,
                "units_short": row["units"],
                "units_out": row["out"],
                "shortfall": row["short"] or 0,
            }
            for row in queries.summarize_shortfalls(request.user, unit)
        ],
    }


def _need(value, field: str):
    if value is None:
        raise InvalidInput({field: _("This field is required.")})
    return value


@router.post("/supplies/moves", response={201: StockMoveOut}, summary="Record a move of stock")
@idempotent
def post_move(request, payload: StockMoveIn):
    """`receipt` (with `source`), `issue` (with `purpose`), `transfer` (with `to_unit`:
    leaves now, in transit until received) or `adjustment` (`counted` and `reason`: the
    difference is written). A move that would make the balance negative is refused."""
    unit = get_unit_for(request.user, payload.unit)
    item = _item(payload.item)
    kind, transfer = payload.kind, None
    if kind == "receipt":
        move = services.record_receipt(
            actor=request.user,
            unit=unit,
            item=item,
            quantity=_need(payload.quantity, "quantity"),
            source=payload.source or Source.PURCHASE,
            note=payload.note,
        )
    elif kind == "issue":
        move = services.record_issue(
            actor=request.user,
            unit=unit,
            item=item,
            quantity=_need(payload.quantity, "quantity"),
            purpose=payload.purpose,
            note=payload.note,
        )
    elif kind == "transfer":
        try:
            to_unit = get_unit_for(request.user, _need(payload.to_unit, "to_unit"))
        except Http404:
            raise InvalidInput({"to_unit": _("Unknown unit code.")}, code="unknown_unit") from None
        transfer = services.send_transfer(
            actor=request.user,
            from_unit=unit,
            to_unit=to_unit,
            item=item,
            quantity=_need(payload.quantity, "quantity"),
            note=payload.note,
        )
        move = transfer.moves.get()
    else:
        move = services.record_count(
            actor=request.user,
            unit=unit,
            item=item,
            counted=_need(payload.counted, "counted"),
            reason=_need(payload.reason, "reason"),
            note=payload.note,
        )
        if move is None:
            return 201, {
                "id": None,
                "kind": MoveKind.ADJUSTMENT,
                "unit": unit.code,
                "item": item.code,
                "delta": 0,
                "balance_after": payload.counted,
            }
    return 201, {
        "id": move.pk,
        "kind": move.kind,
        "unit": unit.code,
        "item": item.code,
        "delta": move.delta,
        "balance_after": move.balance_after,
        "transfer": transfer.pk if transfer else None,
    }


@router.post(
    "/supplies/transfers/{transfer_id}/receive",
    response=TransferOut,
    summary="Confirm receipt of a transfer",
)
@idempotent
def receive(request, transfer_id: Id, payload: ReceiveIn):
    transfer = queries.get_transfer_for(request.user, transfer_id)
    transfer = services.receive_transfer(
        actor=request.user, transfer=transfer, quantity=payload.quantity, reason=payload.reason
    )
    return _transfer_out(transfer)
