"""Scoped reads of trips (出行登记) and the risk areas list."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.http import Http404

from fangkong.core.audit import log_read
from fangkong.core.permissions import Permission
from fangkong.core.scope import Scope, get_object_for, minimal_paths, scope_of
from fangkong.orgs.models import Unit

from ..models import RiskArea, Trip
from ..permissions import HealthPerm

VIEW = HealthPerm.VIEW_HEALTH
AREA_PERM = HealthPerm.MANAGE_RISK_AREAS
RETURN_DAYS = 7


@dataclass
class TripFilter:
    unit: Unit | None = None
    flagged: bool = False
    start: date | None = None  # trips whose dates overlap [start, end]
    end: date | None = None
    q: str = ""


def get_trip_for(user, trip_id, perm: Permission = VIEW) -> Trip:
    try:
        trip_id = int(trip_id)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    queryset = Trip.objects.select_related("person", "family_member", "unit", "created_by")
    trip = get_object_for(user, queryset, perm, pk=trip_id)
    log_read(user, "view", "trip", trip.pk, trip.unit_path)
    return trip


def list_trips(user, f: TripFilter):
    trips = Trip.objects.visible_to(user, VIEW).select_related("person", "family_member", "unit")
    if f.unit is not None:
        trips = trips.in_subtree(f.unit)
    log_read(user, "view", "trip_list", unit_path=f.unit.path if f.unit else "")
    if f.flagged:
        trips = trips.exclude(risk_level="")
    if f.end is not None:
        trips = trips.filter(depart_on__lte=f.end)
    if f.start is not None:
        trips = trips.filter(
            Q(return_on__gte=f.start) | Q(return_on__isnull=True, depart_on__gte=f.start)
        )
    if f.q:
        trips = trips.filter(
            Q(person__name__icontains=f.q)
            | Q(person__employee_no__iexact=f.q)
            | Q(family_member__name__icontains=f.q)
        )
    return trips.order_by("-depart_on", "unit_path", "id")


def list_returns(user, unit: Unit | None, first: date, days: int = RETURN_DAYS):
    """[(day, [trips returning that day])] for `days` days from `first`, flagged first."""
    log_read(
        user, "view", "trip_list", unit_path=unit.path if unit else "", detail={"returns": first}
    )
    trips = Trip.objects.visible_to(user, VIEW).select_related("person", "family_member", "unit")
    if unit is not None:
        trips = trips.in_subtree(unit)
    last = first + timedelta(days=days - 1)
    trips = trips.filter(return_on__gte=first, return_on__lte=last)
    by_day: dict[date, list[Trip]] = {first + timedelta(days=i): [] for i in range(days)}
    for trip in trips.order_by("return_on", "unit_path", "id"):
        by_day[trip.return_on].append(trip)
    for day_trips in by_day.values():
        day_trips.sort(key=lambda t: not t.risk_level)
    return list(by_day.items())


def _area_scope(user) -> Scope:
    """Where the user's units are, for risk areas: who may see health data or keep
    areas."""
    view, keep = scope_of(user, VIEW), scope_of(user, AREA_PERM)
    return Scope(
        everything=view.everything or keep.everything,
        paths=minimal_paths(view.paths + keep.paths),
    )


def may_see_areas(user) -> bool:
    return not _area_scope(user).empty


def _visible_areas(user):
    """The areas that apply to some unit of the user's scope: province-wide ones, those
    of a unit inside the scope and those of a unit above it. Another group's own areas
    are not there (a 404, like any record outside the scope)."""
    scope = _area_scope(user)
    areas = RiskArea.objects.select_related("created_by", "unit")
    if scope.everything:
        return areas
    if scope.empty:
        return areas.none()
    above = {
        "/" + "/".join(parts[:i]) + "/"
        for path in scope.paths
        for parts in [path.strip("/").split("/")]
        for i in range(1, len(parts) + 1)
    }
    return areas.filter(
        Q(unit__isnull=True) | scope.q("unit__path") | Q(unit__path__in=sorted(above))
    )


def list_risk_areas(user, *, current_on: date | None = None):
    """The risk areas the user sees, newest first; with `current_on`, only those in force
    that day."""
    areas = _visible_areas(user)
    if current_on is not None:
        areas = areas.filter(effective_from__lte=current_on).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=current_on)
        )
    return areas.order_by("-effective_from", "name", "id")


def get_risk_area_for(user, area_id) -> RiskArea:
    """One area the user sees, or a 404 (another group's own area included)."""
    try:
        return _visible_areas(user).get(pk=int(area_id))
    except (TypeError, ValueError, RiskArea.DoesNotExist) as exc:
        raise Http404 from exc


def list_area_units(user):
    """The units a new or changed area may apply within: the top three levels of the
    user's `manage_risk_areas` scope, in tree order (a queryset, for a choice field)."""
    scope = scope_of(user, AREA_PERM)
    shallowest = min((p.count("/") - 2 for p in scope.paths), default=0)
    return (
        Unit.objects.visible_to(user, AREA_PERM)
        .filter(depth__lte=shallowest + 2)
        .only("code", "name", "depth", "path")
        .order_by("path")
    )
