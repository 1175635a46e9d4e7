"""The funds' panel of the command view (core.command): each emergency fund of the
subtree with its budget, what was paid and the balance as of the view's moment (the
statement up to that local day), and the proposals waiting in the chain now."""

from django.urls import reverse
from django.utils.translation import gettext as _

from . import queries
from .models import yuan

MAX_FUNDS = 3


def funds(user, unit, now):
    rows = list(queries.list_funds(user, unit).order_by("unit_path", "pk")[: MAX_FUNDS + 1])
    if not rows:
        return None
    shown = rows[:MAX_FUNDS]
    figures = []
    for fund in shown:
        statement = queries.statement(fund, end=fund.unit.local_date(now))
        url = reverse("funds:fund_detail", args=[fund.pk])
        for label, fen in (
            (_("Budget (yuan)"), statement.budget),
            (_("Paid (yuan)"), statement.paid),
            (_("Balance (yuan)"), statement.balance),
            (_("Waiting for approval (yuan)"), statement.waiting),
        ):
            if len(shown) > 1:
                label = f"{fund.name} · {label}"
            figures.append({"label": label, "value": yuan(fen), "url": url})
    names = "、".join(fund.name for fund in shown) + ("…" if len(rows) > MAX_FUNDS else "")
    return {
        "title": _("Emergency funds"),
        "url": reverse("funds:fund_list"),
        "figures": figures,
        "source": _("%(funds)s: allocations and payments up to this day; proposals waiting now.")
        % {"funds": names},
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("funds.money", funds, order=65)
