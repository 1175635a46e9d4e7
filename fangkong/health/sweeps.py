"""Time-driven work of staff health, run by `fangkong worker`: the check-in reminders and
the missing observation follow-ups."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.notify.services import already_queued, cached_lookups, queue
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.queries import list_liaison_user_ids

from .models import CheckInTally, FollowUp, Observation
from .services.cases import responsible_user_ids


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
        Person.objects.filter(is_active=True)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
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
        .values("unit_id", "day")
        .annotate(n=Sum("checked_in"))
        .values_list("unit_id", "day", "n")
    ):
        done[(unit_id, day)] = n
    liaisons = list_liaison_user_ids([u for u, _d in due.values()])
    keys = {unit_id: f"checkin-remind:{unit_id}:{day}" for unit_id, (_u, day) in due.items()}
    # Every 5 minutes: what an earlier run queued is skipped in one query, not one per unit.
    queued = already_queued({keys[u]: liaisons.get(u, ()) for u in due})
    sent = 0
    with cached_lookups():
        for unit_id, (unit, day) in due.items():
            missing = heads[unit_id] - done.get((unit_id, day), 0)
            if missing <= 0 or not liaisons.get(unit_id) or keys[unit_id] in queued:
                continue
            url = reverse("health:checkins") + "?" + urlencode({"unit": unit.code, "day": day})
            values = {"unit": unit.name, "n": missing}
            sent += queue(
                key=keys[unit_id],
                subject=lambda v=values: _("%(unit)s: %(n)s people have not checked in today") % v,
                body=gettext_lazy(
                    "Remind them, or enter their check-ins for them on the unit's page."
                ),
                users=liaisons[unit_id],
                unit=unit,
                topic="checkin_reminder",
                url=url,
            )
    return {"reminders": sent}


# --- observation: missing follow-ups ----------------------------------------------------

# Yesterday's follow-up is flagged missing from this local hour on (the next morning): a
# liaison who enters it late in the evening or just after midnight is not nagged.
FLAG_HOUR = 8


def flag_missing_follow_ups(now: datetime | None = None) -> dict:
    """Queue one message per unit to its liaisons (or, without any, its leaders) naming
    the people under observation whose follow-up of yesterday (the unit's local day) is
    missing, from FLAG_HOUR on. Idempotent: the message key is (unit, day), so running it
    again, or from two workers, queues nothing new."""
    now = now or timezone.now()
    # A unit's yesterday is at most the server's today (time zones up to a day ahead).
    server_today = timezone.localdate(now)
    candidates = list(
        Observation.objects.filter(released_at__isnull=True, start_on__lte=server_today)
        .select_related("person", "unit")
        .order_by("unit_path", "person__employee_no")
    )
    due: dict[int, tuple[Unit, date, list[Observation]]] = {}
    for observation in candidates:
        unit = observation.unit
        moment = unit.local_time(now)
        if moment.hour < FLAG_HOUR:
            continue
        yesterday = moment.date() - timedelta(days=1)
        if observation.start_on > yesterday:
            continue
        observation.missing_day = yesterday
        due.setdefault(unit.pk, (unit, yesterday, []))[2].append(observation)
    if not due:
        return {"units": 0, "missing": 0, "queued": 0}
    done = set(
        FollowUp.objects.filter(
            observation__in=[o for _u, _d, obs in due.values() for o in obs],
            day__in={d for _u, d, _o in due.values()},
        ).values_list("observation_id", "day")
    )
    missing_by_unit: dict[int, list[Observation]] = defaultdict(list)
    for unit_id, (_unit, _day, observations) in due.items():
        for o in observations:
            if (o.pk, o.missing_day) not in done:
                missing_by_unit[unit_id].append(o)
    units = [due[unit_id][0] for unit_id in missing_by_unit]
    queued = 0
    with transaction.atomic():
        for unit in units:
            day = due[unit.pk][1]
            people = missing_by_unit[unit.pk]
            names = "、".join(f"{o.person.name} ({o.person.employee_no})" for o in people)
            values = {"day": day.isoformat(), "unit": unit.name, "names": names}
            queued += queue(
                key=f"health.follow_up_missing:{unit.pk}:{day.isoformat()}",
                subject=lambda v=values: (
                    _("Missing observation follow-ups on %(day)s: %(unit)s") % v
                ),
                body=lambda v=values: _("No follow-up was recorded on %(day)s for: %(names)s.") % v,
                users=responsible_user_ids(unit),
                unit=unit,
                topic="health",
                url=reverse("health:observation_list") + f"?unit={unit.code}",
            )
    return {
        "units": len(units),
        "missing": sum(len(v) for v in missing_by_unit.values()),
        "queued": queued,
    }
