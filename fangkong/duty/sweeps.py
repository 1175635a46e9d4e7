"""The `duty.coverage` sweep: gaps in the next 7 days are told to each room's unit admins."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.notify.services import cached_lookups, queue

from .choices import DutyRole
from .clock import local, local_today
from .queries.coverage import HORIZON_DAYS, active_rooms, admin_user_ids, list_upcoming_gaps

MAX_LISTED = 10


def notify_gaps(now: datetime | None = None) -> dict:
    """For every active duty room with a role uncovered somewhere in the next 7 days,
    queue one message to the unit admins of the room's unit (the nearest unit up its line
    that has any), once per room and local day (dedupe key `duty-gaps:{room}:{day}`):
    safe to run every hour, twice, and from two workers."""
    now = now or timezone.now()
    rooms = list(active_rooms())
    gaps = list_upcoming_gaps(rooms, now)
    short = [room for room in rooms if any(gaps[room.pk].values())]
    if not short:
        return {"rooms_with_gaps": 0, "messages": 0}
    admins = admin_user_ids([room.unit for room in short])
    labels = dict(DutyRole.choices)
    sent = 0
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic(), cached_lookups():
        for room in short:
            unit = room.unit
            lines = [
                f"{labels[role]}: {local(begin, unit):%m-%d %H:%M} – {local(end, unit):%m-%d %H:%M}"
                for role in DutyRole.values
                for begin, end in gaps[room.pk][role]
            ]
            more = len(lines) - MAX_LISTED
            body = "\n".join(lines[:MAX_LISTED])
            if more > 0:
                body += "\n" + _("… and %(n)s more.") % {"n": more}
            values = {"room": room.name, "days": HORIZON_DAYS}
            sent += queue(
                key=f"duty-gaps:{room.pk}:{local_today(unit, now).isoformat()}",
                subject=lambda v=values: (
                    _("%(room)s: nobody on duty at times in the next %(days)s days") % v
                ),
                body=body,
                users=admins[unit.pk],
                unit=unit,
                topic="duty_gaps",
                url=reverse("duty:room_detail", args=[unit.code]),
            )
    return {"rooms_with_gaps": len(short), "messages": sent}
