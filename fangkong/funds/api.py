"""Emergency funds over JSON: the funds with their figures, proposals (list, draft, one with
its chain and timeline), signing a step, recording a payment. Amounts are yuan as text
("12345.60") or a whole number, never a float; answers give them as text too. Another
group's fund or proposal is a 404."""

from datetime import date, datetime
from typing import Annotated

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Int, Line, Text
from fangkong.orgs.queries import get_unit_for
from fangkong.supplies.models import Item

from . import queries, services
from .choices import Decision, ProposalState
from .models import Proposal, yuan

router = Router(tags=["funds"])


def _whole_as_text(value):
    """A whole number of yuan is taken as its text; a float is refused (not money)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Amount = Annotated[Line(20), BeforeValidator(_whole_as_text)]
AMOUNT_HELP = 'yuan, as text with at most two decimals ("12345.60") or a whole number'


class FundOut(Schema):
    id: int
    unit: str = Field(description="the unit's code")
    name: str
    chain: list[str] = Field(description="the roles that sign, in order")
    over_budget: str = Field(description="stop: refused; warn: the last approver overrides")
    budget: str
    approved: str
    paid: str
    balance: str
    available: str


class FundStepOut(Schema):
    revision: int
    step: int = Field(description="1-based")
    role: str
    unit: str
    decision: str
    opinion: str
    override: bool
    by: str
    at: datetime


class FundEventOut(Schema):
    kind: str
    at: datetime
    actor: str | None
    text: str


class FundReceiptOut(Schema):
    id: int
    unit: str
    item: str
    quantity: int
    at: datetime


class FundPaymentOut(Schema):
    id: int
    amount: str
    paid_on: date
    voucher_no: str
    note: str
    receipt: FundReceiptOut | None = None


class ProposalOut(Schema):
    id: int
    fund: int
    number: int
    purpose: str
    description: str
    amount: str
    payee: str
    state: str
    chain: list[str]
    step: int | None = Field(None, description="the 1-based step it waits at, when pending")
    waiting_for: str | None = Field(None, description="the role of that step")
    revision: int
    paid: str
    over_budget_override: bool
    drafted_by: str
    drafted_at: datetime
    approved_at: datetime | None
    steps: list[FundStepOut] = []
    timeline: list[FundEventOut] = []
    payments: list[FundPaymentOut] = []


class FundListQuery(Schema):
    unit: Code | None = Field(None, description="only the funds of this unit's subtree")


class ProposalQuery(PageQuery):
    state: ProposalState | None = None


class ProposalIn(Schema):
    purpose: Line(200)
    amount: Amount = Field(description=AMOUNT_HELP)
    payee: Line(200)
    description: Text(5000) = ""
    submit: bool = Field(True, description="false: keep it as a draft")


class DecisionIn(Schema):
    decision: Decision
    opinion: Text(2000) = Field("", description="required to reject: the reasons")
    override: bool = Field(False, description="the last approver's over-budget override")
    step: Int(1, 6) | None = Field(None, description="the step you sign (refused if not current)")


class PaymentIn(Schema):
    amount: Amount = Field(description=AMOUNT_HELP)
    paid_on: Day
    voucher_no: Line(50)
    note: Line(200) = ""
    item: Line(40) | None = Field(None, description="the supplies item bought (its code)")
    quantity: Int(1, 10**9) | None = Field(None, description="how many were received")
    receiving_unit: Code | None = Field(None, description="the unit that received them")
    receipt: Id | None = Field(None, description="or: an existing purchase receipt's id")


def _fund_out(fund, figures) -> dict:
    return {
        "id": fund.pk,
        "unit": fund.unit.code,
        "name": fund.name,
        "chain": fund.chain,
        "over_budget": fund.over_budget,
        **figures.as_yuan(),
    }


def _proposal_out(p: Proposal, full: bool = False) -> dict:
    paid = getattr(p, "paid", None)
    if paid is None:
        paid = services.paid_fen(p)
    data = {
        "id": p.pk,
        "fund": p.fund_id,
        "number": p.number,
        "purpose": p.purpose,
        "description": p.description,
        "amount": yuan(p.amount_fen),
        "payee": p.payee,
        "state": p.state,
        "chain": p.chain or p.fund.chain,
        "step": p.step + 1 if p.state == ProposalState.PENDING else None,
        "waiting_for": p.current_role or None,
        "revision": p.revision,
        "paid": yuan(paid or 0),
        "over_budget_override": p.over_budget_override,
        "drafted_by": p.drafted_by.get_username(),
        "drafted_at": p.drafted_at,
        "approved_at": p.approved_at,
    }
    if full:
        data["steps"] = [
            {
                "revision": s.revision,
                "step": s.order + 1,
                "role": s.role,
                "unit": s.unit.code,
                "decision": s.decision,
                "opinion": s.opinion,
                "override": s.override,
                "by": s.by.get_username(),
                "at": s.at,
            }
            for s in p.steps.select_related("unit", "by")
        ]
        data["timeline"] = [
            {
                "kind": e.kind,
                "at": e.at,
                "actor": e.actor.get_username() if e.actor else None,
                "text": e.text,
            }
            for e in p.events.select_related("actor")
        ]
        data["payments"] = [
            {
                "id": pay.pk,
                "amount": yuan(pay.amount_fen),
                "paid_on": pay.paid_on,
                "voucher_no": pay.voucher_no,
                "note": pay.note,
                "receipt": {
                    "id": pay.receipt.pk,
                    "unit": pay.receipt.unit.code,
                    "item": pay.receipt.item.code,
                    "quantity": pay.receipt.delta,
                    "at": pay.receipt.at,
                }
                if pay.receipt
                else None,
            }
            for pay in queries.list_payments(p)
        ]
    return data


@router.get("/funds", response=list[FundOut], summary="Emergency funds with their figures")
def list_funds(request, filters: Query[FundListQuery]):
    unit = get_unit_for(request.user, filters.unit) if filters.unit else None
    funds = list(queries.list_funds(request.user, unit))
    figures = queries.figures_of(funds)
    return [_fund_out(f, figures[f.pk]) for f in funds]


@router.get("/funds/{fund_id}", response=FundOut, summary="One emergency fund")
def get_fund(request, fund_id: Id):
    fund = queries.get_fund_for(request.user, fund_id)
    return _fund_out(fund, queries.figures_of([fund])[fund.pk])


@router.get("/funds/{fund_id}/proposals", response=Page[ProposalOut], summary="A fund's proposals")
def list_proposals(request, fund_id: Id, query: Query[ProposalQuery]):
    fund = queries.get_fund_for(request.user, fund_id)
    rows = queries.list_proposals(request.user, fund, query.state or "").select_related("fund")
    return paginate(rows, query, out=_proposal_out)


@router.post(
    "/funds/{fund_id}/proposals", response={201: ProposalOut}, summary="Draft a spending proposal"
)
@idempotent
def post_proposal(request, fund_id: Id, payload: ProposalIn):
    """Drafted by the leading group or the epidemic office and (unless `submit` is false)
    sent to the first step of the fund's chain. Over budget in a `stop` fund: 400
    `over_budget` naming `amount`."""
    fund = queries.get_fund_for(request.user, fund_id)
    proposal = services.draft_proposal(
        actor=request.user,
        fund=fund,
        purpose=payload.purpose,
        amount=payload.amount,
        payee=payload.payee,
        description=payload.description,
        submit=payload.submit,
    )
    return 201, _proposal_out(proposal, full=True)


@router.get(
    "/funds/proposals/{proposal_id}",
    response=ProposalOut,
    summary="A proposal with its chain and timeline",
)
def get_proposal(request, proposal_id: Id):
    return _proposal_out(queries.get_proposal_for(request.user, proposal_id), full=True)


@router.post(
    "/funds/proposals/{proposal_id}/approve",
    response=ProposalOut,
    summary="Sign the step a proposal waits at",
)
@idempotent
def approve(request, proposal_id: Id, payload: DecisionIn):
    """`approve` or `reject` (with the reasons in `opinion`: back to the drafter). Refused:
    one's own proposal (403 `own_proposal`), a step not yet reached or already signed (409
    `out_of_order`, naming `step`), a step of another role (403 `not_your_step`), over
    budget (400 `over_budget`: `amount` in a stop fund, `override` for the last approver
    of a warn fund)."""
    proposal = queries.get_proposal_for(request.user, proposal_id)
    services.decide(
        actor=request.user,
        proposal=proposal,
        decision=payload.decision,
        opinion=payload.opinion,
        override=payload.override,
        step=payload.step,
    )
    return _proposal_out(queries.get_proposal_for(request.user, proposal_id), full=True)


@router.post(
    "/funds/proposals/{proposal_id}/payments",
    response={201: FundPaymentOut},
    summary="Record a payment of an approved proposal",
)
@idempotent
def post_payment(request, proposal_id: Id, payload: PaymentIn):
    """Never more than is left of the approved amount (400 `over_approved`). With `item`,
    `quantity` and `receiving_unit`, the goods are received into the supplies ledger as a
    purchase, in the same transaction; or `receipt` names a purchase receipt already
    recorded."""
    proposal = queries.get_proposal_for(request.user, proposal_id)
    item = unit = None
    if payload.item is not None:
        item = Item.objects.filter(code=payload.item).first()
        if item is None:
            raise InvalidInput({"item": _("Unknown item code.")}, code="unknown_item")
    if payload.receiving_unit is not None:
        try:
            unit = get_unit_for(request.user, payload.receiving_unit)
        except Http404:
            raise InvalidInput(
                {"receiving_unit": _("Unknown unit code.")}, code="unknown_unit"
            ) from None
    payment = services.record_payment(
        actor=request.user,
        proposal=proposal,
        amount=payload.amount,
        paid_on=payload.paid_on,
        voucher_no=payload.voucher_no,
        note=payload.note,
        item=item,
        quantity=payload.quantity,
        receiving_unit=unit,
        receipt=payload.receipt,
    )
    move = payment.receipt
    return 201, {
        "id": payment.pk,
        "amount": yuan(payment.amount_fen),
        "paid_on": payment.paid_on,
        "voucher_no": payment.voucher_no,
        "note": payment.note,
        "receipt": {
            "id": move.pk,
            "unit": move.unit.code,
            "item": move.item.code,
            "quantity": move.delta,
            "at": move.at,
        }
        if move
        else None,
    }
