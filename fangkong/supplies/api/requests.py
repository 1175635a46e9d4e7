"""Requests up the tree over JSON: list, file, decide."""

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
    RequestAction,
    RequestState,
    Urgency,
)
from .stock import _item

router = Router(tags=["supplies"])


class RequestIn(Schema):
    unit: Code = Field(description="the requesting unit")
    for_unit: Code | None = Field(None, description="where the goods go (default: the unit)")
    item: Line(40)
    quantity: Int(1, services.MAX_QUANTITY)
    urgency: Urgency = Urgency.NORMAL
    reason: Line(300)


class RequestEventOut(Schema):
    action: RequestAction
    at_unit: str
    quantity: int | None
    note: str
    at: datetime
    by: str | None


class SupplyRequestOut(Schema):
    id: int
    unit: str
    for_unit: str
    item: str
    quantity: int
    urgency: Urgency
    reason: str
    state: RequestState
    at_unit: str = Field(description="the level it waits at or was decided at")
    approved_quantity: int | None
    decision_note: str
    due_at: datetime
    overdue: bool
    transfer: int | None
    created_at: datetime
    events: list[RequestEventOut] = []


class RequestQuery(PageQuery):
    unit: Code
    waiting: bool = Field(False, description="only those waiting for a decision")


class RequestDecisionIn(Schema):
    decision: str = Field(pattern="^(approve|reject|pass_up)$")
    quantity: Int(1, services.MAX_QUANTITY) | None = Field(
        None, description="approve: the quantity approved (default: all asked)"
    )
    note: Line(300) = ""
    ship_from: Code | None = Field(None, description="approve: ship at once from this unit's stock")
    procure: bool = Field(False, description="approve: to be procured, shipped later")


def _request_out(r, events: bool = False) -> dict:
    out = {
        "id": r.pk,
        "unit": r.unit.code,
        "for_unit": r.for_unit.code,
        "item": r.item.code,
        "quantity": r.quantity,
        "urgency": r.urgency,
        "reason": r.reason,
        "state": r.state,
        "at_unit": r.at_unit.code,
        "approved_quantity": r.approved_quantity,
        "decision_note": r.decision_note,
        "due_at": r.due_at,
        "overdue": r.overdue_at is not None,
        "transfer": r.transfer_id,
        "created_at": r.created_at,
    }
    if events:
        out["events"] = [
            {
                "action": e.action,
                "at_unit": e.at_unit.code,
                "quantity": e.quantity,
                "note": e.note,
                "at": e.at,
                "by": e.by.username if e.by else None,
            }
            for e in r.events.select_related("at_unit", "by")
        ]
    return out


def _unit_field(user, code, field: str):
    try:
        return get_unit_for(user, code)
    except Http404:
        raise InvalidInput({field: _("Unknown unit code.")}, code="unknown_unit") from None


@router.get("/supplies/requests", response=Page[SupplyRequestOut], summary="Supply requests")
def list_requests(request, filters: Query[RequestQuery]):
    """Requests filed in the unit's subtree or waiting at a level in it, newest first."""
    unit = get_unit_for(request.user, filters.unit)
    rows = queries.list_requests(request.user, unit, waiting=filters.waiting or None)
    return paginate(rows, filters, out=_request_out)


@router.post("/supplies/requests", response={201: SupplyRequestOut}, summary="Ask the level above")
@idempotent
def post_request(request, payload: RequestIn):
    unit = get_unit_for(request.user, payload.unit)
    for_unit = _unit_field(request.user, payload.for_unit, "for_unit") if payload.for_unit else None
    created = services.file_request(
        actor=request.user,
        unit=unit,
        for_unit=for_unit,
        item=_item(payload.item),
        quantity=payload.quantity,
        urgency=payload.urgency,
        reason=payload.reason,
    )
    return 201, _request_out(created, events=True)


@router.post(
    "/supplies/requests/{request_id}/decide",
    response=SupplyRequestOut,
    summary="Approve, reject or pass up a request",
)
@idempotent
def decide(request, request_id: Id, payload: RequestDecisionIn):
    found = queries.get_request_for(request.user, request_id)
    ship_from = (
        _unit_field(request.user, payload.ship_from, "ship_from") if payload.ship_from else None
    )
    decided = services.decide_request(
        actor=request.user,
        request=found,
        decision=payload.decision,
        quantity=payload.quantity,
        note=payload.note,
        ship_from=ship_from,
        procure=payload.procure,
    )
    return _request_out(queries.get_request_for(request.user, decided.pk), events=True)
