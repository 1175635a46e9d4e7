"""Enter once: the daily report's figures derived from staff health (registered with
reporting.prefill). Counts the unit's own people on the day: check-ins from the tallies,
open cases with a result, observations running that day, and flagged trips."""

from collections import Counter
from datetime import date, timedelta

from django.db.models import Count, Q, Sum

from fangkong.orgs.models import Person
from fangkong.reporting.prefill import is_outside

from .choices import CaseResult, CaseState, Category, ObservationReason
from .models import CheckInTally, HealthCase, Observation, Trip

# A return from a risk area counts for the 14 days of watching that follow it.
RETURN_WINDOW = timedelta(days=13)


def _count(qs, exclude, *group) -> Counter:
    out: Counter = Counter()
    for path, *key, n in qs.values_list("unit_path", *group).annotate(n=Count("id")):
        if is_outside(path, exclude):
            out[tuple(key) if key else ""] += n
    return out


def derive(unit, day: date, exclude: tuple[str, ...]) -> dict:
    tallies: Counter = Counter()
    rows = (
        CheckInTally.objects.in_subtree(unit)
        .filter(day=day)
        .values("unit_path", "category")
        .annotate(fever=Sum("fever"), at_post=Sum("at_post"), remote=Sum("remote"))
    )
    for row in rows:
        if is_outside(row["unit_path"], exclude):
            # A category "at post" (党员在岗…) counts those of it who are at their post.
            tallies[row["category"]] += row["at_post"]
            for name in ("fever", "at_post", "remote"):
                tallies[name] += row[name]
    staff = _count(Person.objects.in_subtree(unit).filter(is_active=True), exclude)[""]
    results = _count(
        HealthCase.objects.in_subtree(unit)
        .exclude(state=CaseState.CLOSED)
        .filter(result__in=[CaseResult.SUSPECTED, CaseResult.CONFIRMED]),
        exclude,
        "result",
    )
    watching = Observation.objects.in_subtree(unit).filter(
        Q(released_at__isnull=True) | Q(released_at__date__gte=day),
        start_on__lte=day,
        planned_end_on__gte=day,
    )
    observed = _count(watching, exclude, "reason")
    flagged = Trip.objects.in_subtree(unit).exclude(risk_level="")
    returned = _count(flagged.filter(return_on__range=(day - RETURN_WINDOW, day)), exclude)[""]
    away = _count(
        flagged.filter(Q(return_on__isnull=True) | Q(return_on__gt=day), depart_on__lte=day),
        exclude,
    )[""]
    return {
        "staff_total": staff,
        "on_post": tallies["at_post"],
        "remote": tallies["remote"],
        "on_duty": tallies[Category.DUTY],
        "party_on_post": tallies[Category.PARTY],
        "volunteers_on_post": tallies[Category.VOLUNTEER],
        "fever_today": tallies["fever"],
        "suspected": results[(CaseResult.SUSPECTED,)],
        "confirmed": results[(CaseResult.CONFIRMED,)],
        "under_observation": sum(observed.values()),
        "close_contacts": observed[(ObservationReason.CLOSE_CONTACT,)],
        "returned_from_risk": returned,
        "in_risk_areas": away,
    }
