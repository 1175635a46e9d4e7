"""Test helpers of the funds: the people of a fund's chain on the test province's group A,
and a fund with a budget. olga (office) drafts; leo (leading group), petra (party
committee) and oscar (a second office member) sign the default chain."""

from fangkong.orgs.choices import Role
from fangkong.orgs.testing import grant, make_user

from . import services
from .choices import OverBudget


def make_chain_people(t) -> None:
    t.leo = make_user("leo")
    grant(t.leo, t.group_a, Role.LEADING_GROUP)
    t.petra = make_user("petra")
    grant(t.petra, t.group_a, Role.PARTY_COMMITTEE)
    t.oscar = make_user("oscar")
    grant(t.oscar, t.group_a, Role.OFFICE)


def make_fund(
    t, *, budget="100000", over_budget=OverBudget.STOP, chain=None, unit=None, name="应急专项资金"
):
    return services.open_fund(
        actor=t.root,
        unit=unit or t.group_a,
        name=name,
        chain=chain,
        over_budget=over_budget,
        budget=budget,
        basis="党委会决定",
    )


def approve_all(t, proposal):
    for user in (t.leo, t.petra, t.oscar):
        proposal = services.decide(
            actor=user, proposal=proposal, decision="approve", opinion="同意"
        )
    return proposal
