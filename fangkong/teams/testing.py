"""Test helpers of teams: a squad of a-sub with the province's site people in it."""

from .choices import MemberRole, TeamKind
from .services import create_team


def make_team(t, **extra):
    values = dict(
        actor=t.alice,
        unit=t.a_sub,
        name="应急处置分队",
        kind=TeamKind.SQUAD,
        members=[(t.p_site_1, MemberRole.LEADER, "测温"), (t.p_site_2, MemberRole.MEMBER, "")],
    )
    values.update(extra)
    return create_team(**values)
