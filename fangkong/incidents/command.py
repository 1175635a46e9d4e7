"""The incidents' panel of the command view (core.command): the open incidents of the
subtree by clock state (on time, overdue) and the levels that have not signed (签收)."""

from django.urls import reverse
from django.utils.http import urlencode

from .queries import get_command_counts


def incidents(user, unit, now):
    counts = get_command_counts(user, unit, now)
    board = reverse("incidents:board")
    return {
        **counts,
        "open_url": f"{board}?{urlencode({'unit': unit.code, 'state': 'open'})}",
        "overdue_url": f"{board}?{urlencode({'unit': unit.code, 'state': 'overdue'})}",
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel(
        "incidents.open", incidents, template="incidents/_command_incidents.html", order=40
    )
