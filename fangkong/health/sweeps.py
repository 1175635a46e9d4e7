"""Time-driven work of the check-in, run by `fangkong worker`."""

from datetime import datetime, time

from django.conf import settings
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.notify.services import cached_lookups, queue
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.queries import list_liaison_user_ids

from .models import CheckInTally


def _reminder_time() -> time:
    hours, minutes = (int(x) for x in settings.HEALTH_REMINDER_TIME.split(":"))
    return time(hours, minutes)


def remind_missing_checkins(now: datetime | None = None) -> dict:
    """After the reminder time of the day (unit's local time), tell each unit's liaisons
    how many of the people placed in it have not checked in today. One message per unit
    and day (dedupe key `checkin-remind:{unit}:{day}`): safe to run again and from two
    workers."""
    now = now or timezone.now()
    at = _reminder_time()
    heads = dict(
        Person.objects.filter(is_active=True).values("unit_id").annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )  # fmt: skip
    if not heads:
        return {"reminders": 0}
    units = Unit.objects.filter(pk__in=list(heads)).only("pk", "code", "name", "path", "timezone")
    due: dict = {}
    for unit in units:
        local = unit.local_time(now)
        if local.time() >= at:
            due[unit.pk] = (unit, local.date())
    if not due:
        return {"reminders": 0}
    days = {day for _u, day in due.values()}
    done: dict = {}
    for unit_id, day, n in (
        CheckInTally.objects.filter(unit_id__in=list(due), day__in=days)
        .values("unit_id", "day").annotate(n=Sum("checked_in")).values_list("unit_id", "day", "n")
    ):  # fmt: skip
        done[(unit_id, day)] = n
    liaisons = list_liaison_user_ids([u for u, _d in due.values()])
    sent = 0
    with cached_lookups():
        for unit_id, (unit, day) in due.items():
            missing = heads[unit_id] - done.get((unit_id, day), 0)
            if missing <= 0 or not liaisons.get(unit_id):
                continue
            url = reverse("health:checkins") + "?" + urlencode({"unit": unit.code, "day": day})
            values = {"unit": unit.name, "n": missing}
            sent += queue(
                key=f"checkin-remind:{unit_id}:{day}",
                subject=lambda v=values: _("%(unit)s: %(n)s people have not checked in today")
                % v,
                body=gettext_lazy(
                    "Remind them, or enter their check-ins for them on the unit's page."
                ),
                users=liaisons[unit_id], unit=unit, topic="checkin_reminder", url=url,
            )  # fmt: skip
    return {"reminders": sent}
