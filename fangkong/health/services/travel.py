"""Writes of travel registration (员工及家属出行登记表) and risk areas.

A trip is flagged when its origin, destination or route names a risk area (the area's
name appears in the text: "武汉" matches "湖北武汉") while the trip's dates overlap the
area's window; `risk_level` is the highest level touched, `risk_areas` their names.
Flags are computed when a trip is saved and again for recent and future trips whenever
a risk area is saved or ended.

Who keeps which area (issue 10): a province-wide area (`unit` empty) applies to every
trip and is kept only by whoever holds `manage_risk_areas` over the whole tree — the
SASAC duty room (the epidemic office on the root unit) and system admins; a group's
epidemic office keeps areas of its own unit (or of a unit below it), which flag only the
trips of that unit's subtree.
"""

import re
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.fields import subtree_q
from fangkong.core.permissions import require
from fangkong.core.scope import scope_of
from fangkong.orgs.models import FamilyMember, Person, Unit

from ..choices import ObservationPlace, ObservationReason, RiskLevel, Transport
from ..models import Observation, RiskArea, Trip
from ..permissions import HealthPerm
from .observation import start_observation

PERM = HealthPerm.MANAGE_HEALTH
AREA_PERM = HealthPerm.MANAGE_RISK_AREAS
LEVEL_RANK = {RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}
NUMBERED = (Transport.TRAIN, Transport.FLIGHT)  # a ticket names the train or flight
REFLAG_DAYS = 30  # trips that ended within this many days are flagged again
TRANSPORT_NO = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
UNSET = object()
TRIP_FIELDS = (
    "family_member",
    "origin",
    "destination",
    "via",
    "depart_on",
    "return_on",
    "transport",
    "transport_no",
    "purpose",
)


# --- flags ------------------------------------------------------------------------------


def _names(text: str) -> str:
    return (text or "").casefold()


def applies_to(area: RiskArea, unit_path: str) -> bool:
    """Whether `area` flags trips of the unit at `unit_path`: a province-wide area
    everywhere, a unit's own area inside that unit's subtree only."""
    return area.unit is None or unit_path.startswith(area.unit.path)


def risk_for(trip: Trip, areas) -> tuple[str, list[str]]:
    """(highest level, names of the areas touched) of `trip` against `areas`."""
    start = trip.depart_on
    end = trip.return_on or trip.depart_on
    places = " ".join(_names(t) for t in (trip.origin, trip.destination, trip.via))
    touched = []
    for area in areas:
        if area.effective_from > end or (area.effective_to and area.effective_to < start):
            continue
        if not applies_to(area, trip.unit_path):
            continue
        if area.name and _names(area.name) in places:
            touched.append(area)
    if not touched:
        return "", []
    touched.sort(key=lambda a: (-LEVEL_RANK[a.level], a.name))
    names = list(dict.fromkeys(a.name for a in touched))
    return touched[0].level, names


def _areas():
    return list(RiskArea.objects.select_related("unit"))


def reflag_trips(today: date | None = None, within: list[Unit | None] | None = None) -> int:
    """Flag again every trip that ended in the last REFLAG_DAYS days or has not ended yet
    (only those of the subtrees of `within`'s units; None in it, or no `within`: all);
    returns how many changed. Runs inside the risk area's transaction."""
    today = today or timezone.localdate()
    cut = today - timedelta(days=REFLAG_DAYS)
    areas = _areas()
    trips = Trip.objects.filter(
        Q(return_on__gte=cut) | Q(return_on__isnull=True, depart_on__gte=cut)
    ).only(
        "id",
        "unit_path",
        "origin",
        "destination",
        "via",
        "depart_on",
        "return_on",
        "risk_level",
        "risk_areas",
    )
    if within is not None and None not in within:
        subtrees = Q(pk__in=[])
        for unit in within:
            if unit is not None:
                subtrees |= subtree_q("unit_path", unit.path)
        trips = trips.filter(subtrees)
    changed = []
    for trip in trips.iterator(chunk_size=2000):
        level, names = risk_for(trip, areas)
        if (trip.risk_level, list(trip.risk_areas or [])) != (level, names):
            trip.risk_level, trip.risk_areas = level, names
            changed.append(trip)
    Trip.objects.bulk_update(changed, ["risk_level", "risk_areas"], batch_size=500)
    return len(changed)


# --- trips ------------------------------------------------------------------------------


def _clean_trip(person: Person, data: dict) -> dict:
    """Check and normalize a trip's fields; raise InvalidInput naming each bad field."""
    errors: dict[str, list] = {}
    for name in ("origin", "destination", "via", "transport_no", "purpose"):
        data[name] = " ".join(str(data.get(name) or "").split())
    for name, label in (
        ("origin", _("Enter where the trip starts.")),
        ("destination", _("Enter the destination.")),
    ):
        if not data[name]:
            errors[name] = [label]
        elif len(data[name]) > 100:
            errors[name] = [_("At most 100 characters.")]
    if len(data["via"]) > 200:
        errors["via"] = [_("At most 200 characters.")]
    if len(data["purpose"]) > 200:
        errors["purpose"] = [_("At most 200 characters.")]
    member = data.get("family_member")
    if member is not None and member.person_id != person.pk:
        errors["family_member"] = [_("This family member is not registered with this person.")]
    if not isinstance(data.get("depart_on"), date):
        errors["depart_on"] = [_("Enter the departure date.")]
    elif data.get("return_on") is not None and data["return_on"] < data["depart_on"]:
        errors["return_on"] = [_("The return cannot be before the departure.")]
    if data.get("transport") not in Transport.values:
        errors["transport"] = [_("Choose a means of transport.")]
    number = data["transport_no"].upper().replace(" ", "")
    data["transport_no"] = number
    if data.get("transport") in NUMBERED and not number:
        errors["transport_no"] = [_("Enter the train or flight number.")]
    elif number and not TRANSPORT_NO.match(number):
        errors["transport_no"] = [_("Enter a number such as G1234 or CA1501.")]
    if errors:
        raise InvalidInput(errors)
    return data


def _notify_flagged(trip: Trip) -> None:
    from fangkong.notify.services import queue

    from .cases import responsible_user_ids

    unit = trip.unit
    values = {
        "name": trip.traveller,
        "unit": unit.name,
        "origin": trip.origin,
        "destination": trip.destination,
        "depart": trip.depart_on.isoformat(),
        "return": trip.return_on.isoformat() if trip.return_on else "—",
        "areas": "、".join(trip.risk_areas),
    }
    queue(
        key=f"health.trip_flagged:{trip.pk}:{trip.risk_level}:{','.join(trip.risk_areas)}",
        subject=lambda: _("Trip through a risk area: %(name)s (%(unit)s)") % values,
        body=lambda: (
            _(
                "%(name)s: %(origin)s → %(destination)s, %(depart)s to %(return)s, "
                "touches %(areas)s."
            )
            % values
        ),
        users=responsible_user_ids(unit),
        unit=unit,
        topic="health",
        url=reverse("health:trip_detail", args=[trip.pk]),
    )


@transaction.atomic
def record_trip(
    *,
    actor,
    person: Person,
    family_member: FamilyMember | None = None,
    origin: str,
    destination: str,
    via: str = "",
    depart_on: date,
    return_on: date | None = None,
    transport: str,
    transport_no: str = "",
    purpose: str = "",
) -> Trip:
    """Register a trip of `person` or of one of their family members, flagged against the
    risk areas; a flagged trip queues a message to the unit's liaisons and leaders."""
    require(actor, PERM, person.unit_path)
    data = _clean_trip(
        person,
        {
            "family_member": family_member,
            "origin": origin,
            "destination": destination,
            "via": via,
            "depart_on": depart_on,
            "return_on": return_on,
            "transport": transport,
            "transport_no": transport_no,
            "purpose": purpose,
        },
    )
    trip = Trip(
        person=person, unit=person.unit, unit_path=person.unit_path, created_by=actor, **data
    )
    trip.risk_level, trip.risk_areas = risk_for(trip, _areas())
    trip.save()
    record_change(actor, "create", trip, trip.unit_path, _snapshot(trip))
    if trip.risk_level:
        _notify_flagged(trip)
    return trip


def _snapshot(trip: Trip) -> dict:
    return {
        "person": trip.person_id,
        "family_member": trip.family_member_id,
        "origin": trip.origin,
        "destination": trip.destination,
        "via": trip.via,
        "depart_on": trip.depart_on.isoformat(),
        "return_on": trip.return_on.isoformat() if trip.return_on else None,
        "transport": trip.transport,
        "transport_no": trip.transport_no,
        "purpose": trip.purpose,
        "risk_level": trip.risk_level,
    }


@transaction.atomic
def update_trip(*, actor, trip: Trip, **changes) -> Trip:
    """Change some of a trip's fields (those of `record_trip` but the person); the flags
    are computed again and a newly flagged trip queues a message."""
    require(actor, PERM, trip.unit_path)
    unknown = set(changes) - set(TRIP_FIELDS)
    if unknown:
        raise TypeError(f"unknown trip fields: {sorted(unknown)}")
    trip = (
        Trip.objects.select_for_update(of=("self",))
        .select_related("person", "unit")
        .get(pk=trip.pk)
    )
    before = _snapshot(trip)
    old_flags = (trip.risk_level, list(trip.risk_areas or []))
    data = {name: getattr(trip, name) for name in TRIP_FIELDS} | changes
    data = _clean_trip(trip.person, data)
    for name, value in data.items():
        setattr(trip, name, value)
    trip.risk_level, trip.risk_areas = risk_for(trip, _areas())
    trip.save()
    after = _snapshot(trip)
    record_change(
        actor,
        "update",
        trip,
        trip.unit_path,
        {k: [before[k], v] for k, v in after.items() if before[k] != v},
    )
    if trip.risk_level and (trip.risk_level, trip.risk_areas) != old_flags:
        _notify_flagged(trip)
    return trip


@transaction.atomic
def start_observation_from_trip(*, actor, trip: Trip) -> Observation:
    """One click from a flagged trip: the member of staff (also for a family member's
    trip) goes under observation at home for a risk-area return, from the return date
    (today if the trip has not come back yet), linked to the trip."""
    require(actor, PERM, trip.unit_path)
    if not trip.risk_level:
        raise Conflict("trip_not_flagged", _("This trip touches no risk area."))
    person = Person.objects.select_related("unit").get(pk=trip.person_id)
    today = person.unit.local_date()
    start_on = min(trip.return_on or today, today)
    note = _("Trip %(origin)s → %(destination)s (%(areas)s)") % {
        "origin": trip.origin,
        "destination": trip.destination,
        "areas": "、".join(trip.risk_areas),
    }
    if trip.family_member is not None:
        note = _("%(note)s of family member %(name)s") % {
            "note": note,
            "name": trip.family_member.name,
        }
    return start_observation(
        actor=actor,
        person=person,
        reason=ObservationReason.RISK_AREA,
        place=ObservationPlace.HOME,
        start_on=start_on,
        trip=trip,
        note=str(note)[:500],
    )


# --- risk areas -------------------------------------------------------------------------


def keeps_province_areas(user) -> bool:
    """Whether `user` keeps province-wide areas: `manage_risk_areas` over every root of
    the tree (the SASAC duty room, system admins), not over one group only."""
    scope = scope_of(user, AREA_PERM)
    if scope.everything:
        return True
    if scope.empty:
        return False
    roots = Unit.objects.filter(parent__isnull=True).values_list("path", flat=True)
    return all(scope.covers(path) for path in roots)


def may_keep_area(user, unit: Unit | None) -> bool:
    """Whether `user` may create, change or end an area applying within `unit` (None:
    province-wide)."""
    if unit is None:
        return keeps_province_areas(user)
    return scope_of(user, AREA_PERM).covers(unit.path)


def default_area_unit(user) -> Unit | None:
    """The unit a new area applies within when none is named: the whole province for its
    keepers (and for those with no scope, who are refused), else the one unit at the top
    of the user's `manage_risk_areas` scope."""
    paths = scope_of(user, AREA_PERM).paths
    if not paths or keeps_province_areas(user):
        return None
    if len(paths) != 1:
        raise InvalidInput({"unit": _("Choose the unit the area applies within.")})
    return Unit.objects.get(path=paths[0])


def _require_area_keeper(actor, unit: Unit | None) -> None:
    if scope_of(actor, AREA_PERM).empty:
        raise PermissionDeniedInScope(
            _("Only system admins and the epidemic office manage risk areas.")
        )
    if not may_keep_area(actor, unit):
        if unit is None:
            raise PermissionDeniedInScope(
                _(
                    "Province-wide risk areas are kept by the SASAC duty room and system "
                    "admins; add an area of your own unit instead."
                )
            )
        raise PermissionDeniedInScope(
            _("This area is kept by the epidemic office of %(unit)s.") % {"unit": unit.name}
        )


@transaction.atomic
def save_risk_area(
    *,
    actor,
    area: RiskArea | None = None,
    unit=UNSET,
    name: str,
    level: str,
    effective_from: date,
    effective_to: date | None = None,
    note: str = "",
) -> RiskArea:
    """Create (`area` None) or change a risk area, then flag recent and future trips again
    (trips that ended in the last REFLAG_DAYS days or later, of the subtrees the area
    applied or applies within). `unit` (None: province-wide) defaults to
    `default_area_unit` for a new area and to the area's own for a change; the actor must
    keep both the area's old and its new unit (`may_keep_area`)."""
    if area is not None:
        area = (
            RiskArea.objects.select_for_update(of=("self",)).select_related("unit").get(pk=area.pk)
        )
        _require_area_keeper(actor, area.unit)
        if unit is UNSET:
            unit = area.unit
    elif unit is UNSET:
        unit = default_area_unit(actor)
    _require_area_keeper(actor, unit)
    name = " ".join((name or "").split())
    note = (note or "").strip()
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [_("Enter the area's name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    if level not in RiskLevel.values:
        errors["level"] = [_("Choose a level.")]
    if not isinstance(effective_from, date):
        errors["effective_from"] = [_("Enter the first day.")]
    elif effective_to is not None and effective_to < effective_from:
        errors["effective_to"] = [_("The last day cannot be before the first.")]
    if len(note) > 200:
        errors["note"] = [_("At most 200 characters.")]
    if errors:
        raise InvalidInput(errors)
    values = {
        "unit": unit,
        "name": name,
        "level": level,
        "effective_from": effective_from,
        "effective_to": effective_to,
        "note": note,
    }
    within = [unit]
    if area is None:
        area = RiskArea.objects.create(created_by=actor, **values)
        record_change(actor, "create", area, _area_path(area), _area_snapshot(area))
    else:
        within.append(area.unit)
        before = _area_snapshot(area)
        for key, value in values.items():
            setattr(area, key, value)
        area.save()
        after = _area_snapshot(area)
        record_change(
            actor,
            "update",
            area,
            _area_path(area),
            {k: [before[k], v] for k, v in after.items() if before[k] != v},
        )
    area.reflagged = reflag_trips(within=within)
    return area


def _area_path(area: RiskArea) -> str:
    return area.unit.path if area.unit is not None else ""


def _area_snapshot(area: RiskArea) -> dict:
    return {
        "unit": area.unit.code if area.unit is not None else None,
        "name": area.name,
        "level": area.level,
        "effective_from": area.effective_from.isoformat(),
        "effective_to": area.effective_to.isoformat() if area.effective_to else None,
        "note": area.note,
    }


@transaction.atomic
def end_risk_area(*, actor, area: RiskArea, effective_to: date | None = None) -> RiskArea:
    """The area stops being risky after `effective_to` (default today); trips are flagged
    again. Only a keeper of the area's unit (`may_keep_area`) may end it."""
    area = (
        RiskArea.objects.select_for_update(of=("self",)).select_related("unit").get(pk=area.pk)
    )  # its current values
    _require_area_keeper(actor, area.unit)
    effective_to = effective_to or timezone.localdate()
    if effective_to < area.effective_from:
        raise InvalidInput({"effective_to": _("The last day cannot be before the first.")})
    return save_risk_area(
        actor=actor,
        area=area,
        name=area.name,
        level=area.level,
        effective_from=area.effective_from,
        effective_to=effective_to,
        note=area.note,
    )
