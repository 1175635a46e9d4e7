"""The checkpoints' panel of the command view (core.command): today's people checked at
the subtree's checkpoints, fevers found and people turned away."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import queries


def checkpoints_today(user, unit, now):
    day = queries.current_shift(unit, now)[0]  # before 07:00, yesterday's night shift
    totals = queries.get_totals(user, unit, day)
    if not totals.checkpoints:
        return None
    url = f"{reverse('checkpoints:list')}?{urlencode({'unit': unit.code, 'day': day.isoformat()})}"
    return {
        "title": _("Checkpoints"),
        "url": url,
        "figures": [
            {"label": _("people checked today"), "value": totals.checked, "url": url},
            {"label": _("fevers found"), "value": totals.fevers, "url": url},
            {"label": _("turned away"), "value": totals.turned_away, "url": url},
            {
                "label": _("checkpoints counted"),
                "value": f"{totals.counted}/{totals.checkpoints}",
                "url": url,
            },
        ],
        "source": _("Counts entered per shift at the checkpoints."),
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("checkpoints.today", checkpoints_today, order=76)
