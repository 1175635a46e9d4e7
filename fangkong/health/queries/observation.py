"""Scoped reads of observations (留观): lists with their missing follow-up days, one
observation with its timeline, and people to put under observation."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.http import Http404

from fangkong.core.audit import log_read
from fangkong.core.permissions import Permission
from fangkong.core.scope import get_object_for, scope_of
from fangkong.orgs.models import Person, Unit

from ..choices import Symptom
from ..models import FollowUp, Observation
from ..permissions import HealthPerm
from ..validation import is_alarming

VIEW = HealthPerm.VIEW_HEALTH
STATES = ("open", "released", "all")
SYMPTOM_LABELS = dict(Symptom.choices)


def get_observation_for(user, observation_id, perm: Permission = VIEW) -> Observation:
    try:
        observation_id = int(observation_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    queryset = Observation.objects.select_related(
        "person", "unit", "trip", "case", "created_by", "released_by"
    )
    observation = get_object_for(user, queryset, perm, pk=observation_id)
    log_read(user, "view", "observation", observation.pk, observation.unit_path)
    return observation


def list_observations(user, *, unit: Unit | None = None, state: str = "open", q: str = ""):
    """Observations in the user's scope (or `unit`'s subtree, which must lie in it), open
    ones first by start."""
    observations = Observation.objects.visible_to(user, VIEW).select_related("person", "unit")
    if unit is not None:
        observations = observations.in_subtree(unit)
    log_read(
        user,
        "view",
        "observation_list",
        unit_path=unit.path if unit else "",
        detail={"observations": state},
    )
    if state == "open":
        observations = observations.filter(released_at__isnull=True)
    elif state == "released":
        observations = observations.filter(released_at__isnull=False)
    if q:
        observations = observations.filter(
            Q(person__name__icontains=q) | Q(person__employee_no__iexact=q)
        )
    return observations.order_by("-start_on", "unit_path", "id")


def expected_days(observation: Observation, today: date) -> list[date]:
    """The days that should have a follow-up by now: from the start to yesterday while
    open (today's may still come), to the day before the release once released."""
    if observation.released_at is not None:
        last = observation.unit.local_date(observation.released_at) - timedelta(days=1)
    else:
        last = today - timedelta(days=1)
    first = observation.start_on
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def annotate_follow_ups(observations, now: datetime | None = None) -> list[Observation]:
    """Give each observation `.missing_days`, `.latest` (its last follow-up),
    `.alarming`, `.overdue` (open past its planned end) and `.today`; one query for all."""
    observations = list(observations)
    by_observation: dict[int, list[FollowUp]] = {o.pk: [] for o in observations}
    if observations:
        for follow_up in FollowUp.objects.filter(observation__in=observations).order_by("day"):
            by_observation[follow_up.observation_id].append(follow_up)
    for observation in observations:
        today = observation.unit.local_date(now)
        follow_ups = by_observation[observation.pk]
        done = {f.day for f in follow_ups}
        observation.today = today
        observation.missing_days = [d for d in expected_days(observation, today) if d not in done]
        observation.latest = follow_ups[-1] if follow_ups else None
        observation.alarming = any(is_alarming(f.temperature, f.symptoms) for f in follow_ups)
        observation.has_today = today in done
        observation.overdue = observation.released_at is None and observation.planned_end_on < today
    return observations


@dataclass
class TimelineItem:
    at: datetime | date
    kind: str  # "start", "follow_up", "change", "release"
    obj: object
    alarming: bool = False
    labels: tuple = ()  # symptom labels of a follow-up


def get_timeline(observation: Observation) -> list[TimelineItem]:
    """The observation's story in order: start, changes of the end, follow-ups, release."""
    items = [TimelineItem(observation.created_at, "start", observation)]
    for change in observation.changes.select_related("by"):
        items.append(TimelineItem(change.at, "change", change))
    for follow_up in observation.follow_ups.select_related("recorded_by"):
        labels = tuple(SYMPTOM_LABELS.get(s, s) for s in follow_up.symptoms)
        items.append(
            TimelineItem(
                follow_up.recorded_at,
                "follow_up",
                follow_up,
                is_alarming(follow_up.temperature, follow_up.symptoms),
                labels,
            )
        )
    if observation.released_at is not None:
        items.append(TimelineItem(observation.released_at, "release", observation))
    items.sort(
        key=lambda i: (i.at, {"start": 0, "change": 1, "follow_up": 1, "release": 2}[i.kind])
    )
    return items


def find_people(
    user, employee_no: str, perm: Permission = HealthPerm.MANAGE_HEALTH
) -> list[Person]:
    """Active people in the user's scope for `perm` with this employee number (unique in
    a group, so several groups may each have one)."""
    employee_no = (employee_no or "").strip()
    if not employee_no or scope_of(user, perm).empty:
        return []
    people = Person.objects.visible_to(user, perm).filter(employee_no=employee_no, is_active=True)
    return list(people.select_related("unit", "group").order_by("unit_path")[:20])


def get_open_observation(person: Person) -> Observation | None:
    return Observation.objects.filter(person=person, released_at__isnull=True).first()
