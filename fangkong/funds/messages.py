"""What the funds app tells people, through notify's one entry point on the topic
`fund_proposal`: a proposal waiting at a step, returned to its drafter, approved."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.notify import services as notify
from fangkong.orgs.choices import Role

from .choices import (
    ProposalState,
)
from .models import (
    Proposal,
    yuan,
)

TOPIC = "fund_proposal"
COMMITTED = (ProposalState.APPROVED, ProposalState.PAID)


# ----------------------------------------------------------------------------


def _url(proposal: Proposal) -> str:
    return reverse("funds:proposal_detail", args=[proposal.pk])


def facts_of(proposal: Proposal) -> dict:
    return {
        "fund": proposal.fund.name,
        "number": proposal.number,
        "purpose": proposal.purpose,
        "amount": yuan(proposal.amount_fen),
    }


def notify_step(proposal: Proposal) -> None:
    from .services import _role_label, step_holders

    unit, holders = step_holders(proposal.fund.unit, proposal.current_role)
    users = [u for u in holders if u != proposal.drafted_by_id]
    facts = facts_of(proposal) | {"role": _role_label(proposal.current_role)}

    def subject():
        return _("[Fund] %(purpose)s, %(amount)s yuan, waits for the %(role)s") % facts

    def body():
        return (
            _(
                "Proposal %(number)s of %(fund)s: %(purpose)s, %(amount)s yuan. Open it to "
                "approve or return it with your opinion."
            )
            % facts
        )

    notify.queue(
        key=f"fund:{proposal.pk}:r{proposal.revision}:s{proposal.step}",
        topic=TOPIC,
        unit=unit or proposal.fund.unit,
        subject=subject,
        body=body,
        users=users,
        url=_url(proposal),
    )


def notify_drafter(proposal: Proposal, key: str, subject, body) -> None:
    notify.queue(
        key=f"fund:{proposal.pk}:r{proposal.revision}:{key}",
        topic=TOPIC,
        unit=proposal.fund.unit,
        subject=subject,
        body=body,
        users=[proposal.drafted_by_id],
        url=_url(proposal),
    )


def notify_approved(proposal: Proposal) -> None:
    from .services import step_holders

    facts = facts_of(proposal)
    _unit, payers = step_holders(proposal.fund.unit, Role.OFFICE)
    notify.queue(
        key=f"fund:{proposal.pk}:r{proposal.revision}:approved",
        topic=TOPIC,
        unit=proposal.fund.unit,
        subject=lambda: _("[Fund] Approved: %(purpose)s, %(amount)s yuan") % facts,
        body=lambda: (
            _("Proposal %(number)s of %(fund)s is approved: record its payment when it is made.")
            % facts
        ),
        users=sorted({*payers, proposal.drafted_by_id}),
        url=_url(proposal),
    )
