"""The donations' panel of the command view (core.command): the open campaigns' totals in
the subtree, and what has been passed to the recipient."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import queries
from .choices import CampaignState


def donations(user, unit, now):
    campaigns = [
        c
        for c in queries.list_campaigns(user, state=CampaignState.OPEN)[:3]
        if unit.path.startswith(c.unit_path) or c.unit_path.startswith(unit.path)
    ]
    if not campaigns:
        return None
    figures = []
    for c in campaigns:
        totals = queries.get_totals(user, c, unit)
        url = reverse("donations:campaign_detail", args=[c.pk])
        url = f"{url}?{urlencode({'unit': unit.code})}"
        figures.append(
            {"label": _("%(name)s (yuan)") % {"name": c.name}, "value": totals.total, "url": url}
        )
        figures.append({"label": _("donors"), "value": totals.donors, "url": url})
    return {
        "title": _("Donations"),
        "url": reverse("donations:campaign_list"),
        "figures": figures,
        "source": _("Gifts entered by the units, rolled up the tree."),
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("donations.totals", donations, order=70)
