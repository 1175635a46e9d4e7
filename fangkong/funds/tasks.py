"""The funds' items of the to-do list (core.tasks): a proposal waiting for my signature,
an approved proposal waiting for the payment my office records, and my proposal returned
to me."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scope import scope_of
from fangkong.core.tasks import Task

from . import queries, services
from .choices import ProposalState
from .models import yuan
from .permissions import FundsPerm

LIMIT = 20


def funds_waiting(user, now):
    if scope_of(user, FundsPerm.VIEW_FUNDS).empty:
        return
    shown = 0
    holders: dict[tuple[int, str], list[int]] = {}
    for proposal in queries.proposals_waiting(user, [ProposalState.PENDING]):
        if shown >= LIMIT:
            break
        key = (proposal.fund.unit_id, proposal.current_role)
        if key not in holders:
            holders[key] = services.step_holders(proposal.fund.unit, proposal.current_role)[1]
        if user.pk not in holders[key] or user.pk == proposal.drafted_by_id:
            continue
        shown += 1
        yield Task(
            kind="funds.approve",
            title=_("Proposal waits for your approval: %(purpose)s, %(amount)s yuan")
            % {"purpose": proposal.purpose, "amount": yuan(proposal.amount_fen)},
            url=reverse("funds:proposal_detail", args=[proposal.pk]),
            unit=proposal.fund.unit,
        )
    payer = scope_of(user, FundsPerm.RECORD_PAYMENTS)
    if not payer.empty:
        shown = 0
        for proposal in queries.proposals_waiting(user, [ProposalState.APPROVED]):
            if shown >= LIMIT:
                break
            if not payer.covers(proposal.unit_path):
                continue
            shown += 1
            yield Task(
                kind="funds.pay",
                title=_("Approved proposal waits for payment: %(purpose)s, %(amount)s yuan")
                % {"purpose": proposal.purpose, "amount": yuan(proposal.amount_fen)},
                url=reverse("funds:payment_new", args=[proposal.pk]),
                unit=proposal.fund.unit,
            )
    for proposal in queries.proposals_waiting(user, [ProposalState.RETURNED], limit=LIMIT):
        if proposal.drafted_by_id != user.pk:
            continue
        yield Task(
            kind="funds.revise",
            title=_("Your proposal was returned: %(purpose)s") % {"purpose": proposal.purpose},
            url=reverse("funds:proposal_edit", args=[proposal.pk]),
            unit=proposal.fund.unit,
        )
