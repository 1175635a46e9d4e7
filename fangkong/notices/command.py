"""The notices' panel of the command view (core.command): the notices issued in the
subtree this week (the unit's local week, Monday on) and how many of their receipts are
read and acknowledged."""

from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scope import scope_of

from . import queries
from .models import Notice
from .permissions import NoticePerm


def ack_panel(user, unit, now):
    if not scope_of(user, NoticePerm.VIEW_NOTICES).covers(unit.path):
        return None
    day = unit.local_date(now)
    monday = day - timedelta(days=day.weekday())
    since = datetime.combine(monday, time(0), tzinfo=unit.tzinfo)
    tally = queries.ack_rate(user, unit, since, now)
    issued = Notice.objects.in_subtree(unit).filter(issued_at__gte=since, issued_at__lt=now).count()
    if not issued:
        return None
    url = reverse("notices:notice_list") + "?box=sent"
    return {
        "title": _("Notices this week"),
        "url": url,
        "figures": [
            {"label": _("Notices issued"), "value": issued, "url": url},
            {"label": _("Receipts"), "value": tally.total, "url": url},
            {"label": _("Read"), "value": tally.read, "url": url},
            {"label": _("Acknowledgement rate"), "value": f"{tally.ack_rate}%", "url": url},
        ],
        "source": _("Notices issued in the subtree since Monday and their receipts."),
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("notices.ack", ack_panel, order=70)
