"""Reads of the emergency funds, scoped: a fund, proposal or payment outside the viewer's
scope for VIEW_FUNDS is a 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, Sum

from fangkong.core.scope import get_object_for

from .choices import ProposalState
from .models import Allocation, Fund, Payment, Proposal, yuan
from .permissions import FundsPerm

PERM = FundsPerm.VIEW_FUNDS
COMMITTED = (ProposalState.APPROVED, ProposalState.PAID)


def list_funds(user, unit=None):
    funds = Fund.objects.visible_to(user, PERM).select_related("unit")
    if unit is not None:
        funds = funds.in_subtree(unit)
    return funds


def get_fund_for(user, fund_id) -> Fund:
    return get_object_for(user, Fund.objects.select_related("unit"), PERM, pk=fund_id)


def get_proposal_for(user, proposal_id) -> Proposal:
    return get_object_for(
        user,
        Proposal.objects.select_related("fund__unit", "drafted_by"),
        PERM,
        pk=proposal_id,
    )


def list_proposals(user, fund: Fund, state: str = ""):
    rows = Proposal.objects.visible_to(user, PERM).filter(fund=fund).select_related("drafted_by")
    if state:
        rows = rows.filter(state=state)
    return rows.annotate(paid=Sum("payments__amount_fen")).order_by("-drafted_at", "-id")


def get_payment_for(user, payment_id) -> Payment:
    return get_object_for(
        user, Payment.objects.select_related("proposal__fund"), PERM, pk=payment_id
    )


@dataclass
class Figures:
    """A fund's money, in fen: budget (allocations), approved (proposals approved in the
    period, paid or not), paid (payments in the period), balance (budget less everything
    paid up to the end), available (budget less everything approved up to the end)."""

    budget: int = 0
    approved: int = 0
    paid: int = 0
    balance: int = 0
    available: int = 0
    waiting: int = 0  # proposals in approval now
    proposals: list = field(default_factory=list)

    def as_yuan(self) -> dict:
        return {
            k: yuan(getattr(self, k))
            for k in ("budget", "approved", "paid", "balance", "available")
        }


def figures_of(funds) -> dict[int, Figures]:
    """Present figures of many funds in four queries (the list page)."""
    ids = [f.pk for f in funds]
    result = {i: Figures() for i in ids}
    for row in (
        Allocation.objects.filter(fund_id__in=ids).values("fund_id").annotate(s=Sum("amount_fen"))
    ):
        result[row["fund_id"]].budget = row["s"] or 0
    for row in (
        Proposal.objects.filter(fund_id__in=ids, state__in=COMMITTED)
        .values("fund_id")
        .annotate(s=Sum("amount_fen"))
    ):
        result[row["fund_id"]].approved = row["s"] or 0
    for row in (
        Proposal.objects.filter(fund_id__in=ids, state=ProposalState.PENDING)
        .values("fund_id")
        .annotate(s=Sum("amount_fen"))
    ):
        result[row["fund_id"]].waiting = row["s"] or 0
    for row in (
        Payment.objects.filter(fund_id__in=ids).values("fund_id").annotate(s=Sum("amount_fen"))
    ):
        result[row["fund_id"]].paid = row["s"] or 0
    for f in result.values():
        f.balance = f.budget - f.paid
        f.available = f.budget - f.approved
    return result


def statement(fund: Fund, start: date | None = None, end: date | None = None) -> Figures:
    """The fund's statement for a period (local days of the fund's unit, both ends in;
    open ends: from the start, up to now): the budget as at its end, what was approved
    and paid in it, the balance at its end, and the proposals with anything in it
    (drafted, approved or paid), each with what was paid of it in the period."""
    zone_day = fund.unit.local_date

    def within(day) -> bool:
        return (start is None or day >= start) and (end is None or day <= end)

    allocations = list(fund.allocations.all())
    budget = sum(a.amount_fen for a in allocations if end is None or a.on <= end)
    payments = list(fund.payments.select_related("receipt__item", "receipt__unit"))
    paid_by: dict[int, int] = {}
    paid_in = paid_to_end = 0
    for p in payments:
        if end is None or p.paid_on <= end:
            paid_to_end += p.amount_fen
        if within(p.paid_on):
            paid_in += p.amount_fen
            paid_by[p.proposal_id] = paid_by.get(p.proposal_id, 0) + p.amount_fen
    approved_in = approved_to_end = 0
    rows = []
    for proposal in fund.proposals.select_related("drafted_by").order_by("number"):
        approved_here = False
        if proposal.state in COMMITTED and proposal.approved_at is not None:
            approved_day = zone_day(proposal.approved_at)
            if end is None or approved_day <= end:
                approved_to_end += proposal.amount_fen
            approved_here = within(approved_day)
            if approved_here:
                approved_in += proposal.amount_fen
        drafted_here = within(zone_day(proposal.drafted_at))
        if approved_here or drafted_here or proposal.pk in paid_by:
            paid = paid_by.get(proposal.pk, 0)
            setattr(proposal, "paid_in_period", paid)  # noqa: B010 (a page's annotation)
            setattr(proposal, "paid_in_period_yuan", yuan(paid))  # noqa: B010
            rows.append(proposal)
    waiting = sum(p.amount_fen for p in rows if p.state == ProposalState.PENDING)
    return Figures(
        budget=budget,
        approved=approved_in,
        paid=paid_in,
        balance=budget - paid_to_end,
        available=budget - approved_to_end,
        waiting=waiting,
        proposals=rows,
    )


def list_payments(proposal: Proposal):
    return proposal.payments.select_related(
        "recorded_by", "receipt__item", "receipt__unit", "receipt__by"
    ).prefetch_related("attachments")


def proposals_waiting(user, states, limit: int = 100):
    """Proposals of the user's funds in `states`, oldest change first (the to-do list)."""
    return (
        Proposal.objects.visible_to(user, PERM)
        .filter(state__in=states)
        .select_related("fund__unit")
        .order_by("updated_at", "id")[:limit]
    )


def find_purchase_receipts(user, fund: Fund, limit: int = 50):
    """Purchase receipts of the fund's units that no payment names yet (to link one)."""
    from fangkong.supplies.choices import MoveKind, Source
    from fangkong.supplies.models import Move

    return (
        Move.objects.visible_to(user)
        .in_subtree(fund.unit)
        .filter(kind=MoveKind.RECEIPT, source=Source.PURCHASE)
        .filter(~Q(pk__in=Payment.objects.filter(receipt__isnull=False).values("receipt_id")))
        .select_related("item", "unit")
        .order_by("-at")[:limit]
    )
