"""Test helpers of donations: a campaign of group-a in the shared test province."""

from datetime import date

from .services import create_campaign

DAY = date(2020, 1, 30)


def make_campaign(t, **extra):
    values = dict(
        actor=t.olga,
        unit=t.group_a,
        name="抗疫捐款",
        recipient="市红十字会",
        start_day=DAY,
        target="50000",
    )
    values.update(extra)
    return create_campaign(**values)
