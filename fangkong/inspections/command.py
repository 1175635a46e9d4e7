"""The inspections' panel of the command view (core.command): open and overdue
rectification items of the subtree, from the same board the rectification page shows. The
items keep their present state, not a history: for a moment in the past it is left out."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import queries

PRESENT = timedelta(minutes=10)


def rectifications(user, unit, now):
    if abs(now - timezone.now()) > PRESENT:
        return None
    board = queries.get_board(user, unit, now=now, limit=0)
    if not (board.open or board.fixed or board.closed_week):
        return None
    url = f"{reverse('inspections:board')}?{urlencode({'unit': unit.code})}"
    return {
        "title": _("Rectification items"),
        "url": url,
        "figures": [
            {"label": pgettext("inspection", "open"), "value": board.open, "url": url},
            {"label": pgettext("inspection", "overdue"), "value": board.overdue, "url": url},
            {"label": _("fixed, to verify"), "value": board.fixed, "url": url},
            {"label": _("closed this week"), "value": board.closed_week, "url": url},
        ],
        "source": _("Findings of the inspection visits, followed to their verified closure."),
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("inspections.rectifications", rectifications, order=75)
