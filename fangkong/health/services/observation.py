"""Writes of medical observation (留观): start, change the planned end, daily follow-ups,
release, and the sweep that flags missing follow-ups.

Days are the person's unit's local days (a unit carries its time zone). Every write runs
in one transaction, checks `manage_health` on the person's unit and leaves an audit
entry; notifications go through the outbox inside the same transaction.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.permissions import require
from fangkong.orgs.models import Person

from ..choices import ObservationPlace, ObservationReason
from ..models import FollowUp, HealthCase, Observation, ObservationChange, Trip
from ..permissions import HealthPerm
from ..validation import check_day, is_alarming, parse_reading

PERM = HealthPerm.MANAGE_HEALTH


def observation_days() -> int:
    return int(settings.HEALTH_OBSERVATION_DAYS)


def _lock_open(observation: Observation) -> Observation:
    """The observation's row, locked; a released one cannot change any more."""
    observation = (
        Observation.objects.select_for_update(of=("self",))
        .select_related("person", "unit")
        .get(pk=observation.pk)
    )
    if observation.released_at is not None:
        raise Conflict("observation_released", _("This observation has already been released."))
    return observation


@transaction.atomic
def start_observation(
    *,
    actor,
    person: Person,
    reason: str,
    place: str,
    place_detail: str = "",
    start_on: date | None = None,
    planned_end_on: date | None = None,
    trip: Trip | None = None,
    case: HealthCase | None = None,
    note: str = "",
) -> Observation:
    """Put `person` under observation from `start_on` (default: today in the unit's time
    zone, never later) to `planned_end_on` (default HEALTH_OBSERVATION_DAYS later).
    Guarantees at most one open observation per person: a second one is a Conflict
    (`observation_open`), also against a concurrent start (the row lock and the partial
    unique constraint)."""
    require(actor, PERM, person.unit_path)
    # Serialize starts for the same person (the constraint backs this up).
    person = Person.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)
    today = person.unit.local_date()
    errors: dict[str, list] = {}
    if reason not in ObservationReason.values:
        errors["reason"] = [_("Choose a reason.")]
    if place not in ObservationPlace.values:
        errors["place"] = [_("Choose a place.")]
    start_on = start_on or today
    if start_on > today:
        errors["start_on"] = [_("An observation cannot start in the future.")]
    if planned_end_on is None:
        planned_end_on = start_on + timedelta(days=observation_days())
    elif planned_end_on < start_on:
        errors["planned_end_on"] = [_("The planned end cannot be before the start.")]
    if trip is not None and trip.person_id != person.pk:
        errors["trip"] = [_("This trip is not one of this person's.")]
    if case is not None and case.person_id != person.pk:
        errors["case"] = [_("This case is not one of this person's.")]
    if len(note) > 500:
        errors["note"] = [_("At most 500 characters.")]
    if len(place_detail) > 200:
        errors["place_detail"] = [_("At most 200 characters.")]
    if errors:
        raise InvalidInput(errors)
    if Observation.objects.filter(person=person, released_at__isnull=True).exists():
        raise _already_open()
    try:
        with transaction.atomic():
            observation = Observation.objects.create(
                person=person,
                unit=person.unit,
                unit_path=person.unit_path,
                reason=reason,
                place=place,
                place_detail=place_detail.strip(),
                start_on=start_on,
                planned_end_on=planned_end_on,
                trip=trip,
                case=case,
                note=note.strip(),
                created_by=actor,
            )
    except IntegrityError as exc:  # started meanwhile by someone else
        raise _already_open() from exc
    record_change(
        actor,
        "start",
        observation,
        person.unit_path,
        {
            "person": person.pk,
            "reason": reason,
            "place": place,
            "start_on": start_on.isoformat(),
            "planned_end_on": planned_end_on.isoformat(),
            "trip": trip.pk if trip else None,
        },
    )
    return observation


def _already_open() -> Conflict:
    return Conflict(
        "observation_open",
        _("This person is already under observation; release or change that observation first."),
    )


@transaction.atomic
def change_observation_end(
    *, actor, observation: Observation, new_end_on: date, reason: str
) -> ObservationChange:
    """Extend or shorten an open observation; the old and new end and the reason are
    kept as an ObservationChange."""
    require(actor, PERM, observation.unit_path)
    observation = _lock_open(observation)
    errors: dict[str, list] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the end changes.")]
    elif len(reason) > 500:
        errors["reason"] = [_("At most 500 characters.")]
    if new_end_on is None:
        errors["new_end_on"] = [_("Enter the new end.")]
    elif new_end_on < observation.start_on:
        errors["new_end_on"] = [_("The planned end cannot be before the start.")]
    elif new_end_on == observation.planned_end_on:
        errors["new_end_on"] = [_("This is already the planned end.")]
    if errors:
        raise InvalidInput(errors)
    change = ObservationChange.objects.create(
        observation=observation,
        old_end_on=observation.planned_end_on,
        new_end_on=new_end_on,
        reason=reason,
        by=actor,
    )
    old = observation.planned_end_on
    observation.planned_end_on = new_end_on
    observation.save(update_fields=["planned_end_on"])
    record_change(
        actor,
        "change_end",
        observation,
        observation.unit_path,
        {"planned_end_on": [old.isoformat(), new_end_on.isoformat()], "reason": reason},
    )
    return change


@transaction.atomic
def record_follow_up(
    *, actor, observation: Observation, day: date | None, temperature, symptoms, note: str = ""
) -> FollowUp:
    """The day's follow-up of an open observation; a second one the same day replaces the
    values (one row per observation and day). A temperature at or above the threshold or
    a red-flag symptom queues a message to the unit's liaisons and leaders."""
    require(actor, PERM, observation.unit_path)
    observation = _lock_open(observation)
    today = observation.unit.local_date()
    day = day or today
    errors: dict[str, list] = {}
    try:
        check_day(day, today)
    except ValueError as exc:
        errors["day"] = [str(exc)]
    else:
        if day < observation.start_on:
            errors["day"] = [_("The day is before the observation started.")]
    temperature, symptoms = parse_reading(temperature, symptoms, errors)
    note = (note or "").strip()
    if len(note) > 500:
        errors["note"] = [_("At most 500 characters.")]
    if errors:
        raise InvalidInput(errors)
    values = {
        "temperature": temperature,
        "symptoms": symptoms,
        "note": note,
        "recorded_at": timezone.now(),
        "recorded_by": actor,
    }
    # The observation's row lock serializes follow-ups of the same observation.
    follow_up, created = FollowUp.objects.update_or_create(
        observation=observation, day=day, defaults=values
    )
    record_change(
        actor,
        "follow_up" if created else "follow_up_update",
        observation,
        observation.unit_path,
        {"day": day.isoformat(), "temperature": str(temperature), "symptoms": symptoms},
    )
    if is_alarming(temperature, symptoms):
        _queue_alarm(observation, follow_up)
    return follow_up


def _queue_alarm(observation: Observation, follow_up: FollowUp) -> None:
    from fangkong.notify.services import queue

    from .cases import responsible_user_ids

    unit = observation.unit
    person = observation.person
    values = {
        "name": person.name,
        "unit": unit.name,
        "temperature": follow_up.temperature,
        "day": follow_up.day.isoformat(),
    }
    queue(
        key=f"health.follow_up_alarm:{observation.pk}:{follow_up.day.isoformat()}",
        subject=lambda: _("Fever under observation: %(name)s (%(unit)s)") % values,
        body=lambda: (
            _(
                "%(name)s, under observation, had %(temperature)s °C on %(day)s. "
                "Arrange a medical check."
            )
            % values
        ),
        users=responsible_user_ids(unit),
        unit=unit,
        topic="health",
        url=reverse("health:observation_detail", args=[observation.pk]),
    )


@transaction.atomic
def release_observation(
    *, actor, observation: Observation, note: str = "", now: datetime | None = None
) -> Observation:
    """End an open observation, recording who released it and when. Releasing before the
    planned end needs a note saying why."""
    require(actor, PERM, observation.unit_path)
    observation = _lock_open(observation)
    now = now or timezone.now()
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput({"note": _("At most 500 characters.")})
    if observation.unit.local_date(now) < observation.planned_end_on and not note:
        raise InvalidInput(
            {"note": _("The planned end has not come yet: say why the observation ends early.")}
        )
    observation.released_at = now
    observation.released_by = actor
    observation.release_note = note
    observation.save(update_fields=["released_at", "released_by", "release_note"])
    record_change(
        actor,
        "release",
        observation,
        observation.unit_path,
        {"released_at": now.isoformat(), "note": note},
    )
    return observation
