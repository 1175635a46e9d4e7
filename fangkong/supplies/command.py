"""The supplies panel of the command view (core.command): what the subtree is short of
now, from the same board the shortfall page shows. The ledger keeps the present, not a
history of states: for a moment in the past the panel is left out."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from . import queries

PRESENT = timedelta(minutes=10)


def shortfalls(user, unit, now):
    if abs(now - timezone.now()) > PRESENT:
        return None
    if not queries.holds_stock(user, unit):
        return None  # nothing kept in the ledger here
    totals = queries.summarize_shortfalls(user, unit)
    worst = list(queries.list_shortfalls(user, unit)[:5])
    return {
        "totals": totals[:6],
        "worst": worst,
        "units_short": len({b.unit_id for b in worst}),
        "url": f"{reverse('supplies:board')}?{urlencode({'unit': unit.code})}",
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel(
        "supplies.shortfalls", shortfalls, template="supplies/_command_shortfalls.html", order=50
    )
