"""The return-to-work panel of the command view (core.command): the subtree's restart
rate as of the page's time, with and without the units told to wait."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import queries


def restart_rate(user, unit, now):
    rate = queries.get_rate(user, unit, now)
    if not rate.units:
        return None
    url = f"{reverse('restart:list')}?{urlencode({'unit': unit.code})}"
    return {
        "title": _("Return to work"),
        "url": url,
        "figures": [
            {"label": _("restarted"), "value": f"{rate.restarted}/{rate.units}", "url": url},
            {"label": _("restart rate"), "value": f"{rate.rate}%", "url": url},
            {
                "label": _("excluding those told to wait"),
                "value": f"{rate.rate_excluding_wait}%",
                "url": url,
            },
            {"label": _("filed, awaiting approval"), "value": rate.filed, "url": url},
        ],  # fmt: skip
        "source": _("Return-to-work plans approved by the parent, by their restart day."),
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("restart.rate", restart_rate, order=82)
