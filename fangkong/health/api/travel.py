"""Trips (出行登记) and risk areas over JSON. Trips are read through the caller's
`view_health` scope (a 404 outside it, reads logged); risk areas are province-wide (kept
by the SASAC duty room and system admins) or a unit's own (kept by its epidemic office,
seen only by the units they apply to: another group's is a 404)."""

from datetime import date, datetime

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Line, Text
from fangkong.orgs.models import FamilyMember
from fangkong.orgs.queries import get_person_for, get_unit_for

from ..queries import observation as observation_queries
from ..queries import travel as queries
from ..queries.travel import TripFilter
from ..services import travel as services
from .observation import ObservationDetailOut, detail_out

router = Router(tags=["health"])


class TripOut(Schema):
    id: int
    person: int
    person_name: str
    employee_no: str
    family_member: int | None
    traveller: str
    unit: str
    origin: str
    destination: str
    via: str
    depart_on: date
    return_on: date | None
    transport: str
    transport_no: str
    purpose: str
    risk_level: str
    risk_areas: list[str]
    created_at: datetime


class TripQuery(PageQuery):
    unit: Code | None = None
    flagged: bool = False
    start: Day | None = Field(None, description="trips still travelling on or after")
    end: Day | None = Field(None, description="trips that left on or before")
    q: Line(100) = ""


class TripIn(Schema):
    person: Id
    family_member: Id | None = None
    origin: Line(100)
    destination: Line(100)
    via: Line(200) = ""
    depart_on: Day
    return_on: Day | None = None
    transport: Line(10)
    transport_no: Line(20) = ""
    purpose: Line(200) = ""


class TripPatch(Schema):
    family_member: Id | None = None
    origin: Line(100) | None = None
    destination: Line(100) | None = None
    via: Line(200) | None = None
    depart_on: Day | None = None
    return_on: Day | None = None
    transport: Line(10) | None = None
    transport_no: Line(20) | None = None
    purpose: Line(200) | None = None


class RiskAreaOut(Schema):
    id: int
    unit: str | None = Field(
        None, description="code of the unit the area applies within; null: province-wide"
    )
    name: str
    level: str
    effective_from: date
    effective_to: date | None
    note: str

    @staticmethod
    def resolve_unit(obj) -> str | None:
        return obj.unit.code if obj.unit_id else None


class RiskAreaIn(Schema):
    unit: Code | None = Field(
        None,
        description=(
            "code of the unit whose subtree the area applies within; null: province-wide "
            "(the SASAC duty room and system admins). Left out: the caller's own unit, "
            "or province-wide for its keepers; on a change, unchanged."
        ),
    )
    name: Line(100)
    level: Line(10)
    effective_from: Day
    effective_to: Day | None = None
    note: Text(200) = ""


class RiskAreaSaved(RiskAreaOut):
    reflagged: int


class EndAreaIn(Schema):
    effective_to: Day | None = None


def _out(trip) -> dict:
    return {
        "id": trip.pk,
        "person": trip.person_id,
        "person_name": trip.person.name,
        "employee_no": trip.person.employee_no,
        "family_member": trip.family_member_id,
        "traveller": trip.traveller,
        "unit": trip.unit.code,
        "origin": trip.origin,
        "destination": trip.destination,
        "via": trip.via,
        "depart_on": trip.depart_on,
        "return_on": trip.return_on,
        "transport": trip.transport,
        "transport_no": trip.transport_no,
        "purpose": trip.purpose,
        "risk_level": trip.risk_level,
        "risk_areas": list(trip.risk_areas),
        "created_at": trip.created_at,
    }


def _family_member(member_id: int | None) -> FamilyMember | None:
    if member_id is None:
        return None
    member = FamilyMember.objects.filter(pk=member_id).first()
    if member is None:
        raise InvalidInput(
            {"family_member": _("This family member is not registered with this person.")}
        )
    return member


@router.get("/trips", response=Page[TripOut], summary="Trips in scope")
def list_trips(request, filters: Query[TripQuery]):
    unit = get_unit_for(request.user, filters.unit, queries.VIEW) if filters.unit else None
    f = TripFilter(
        unit=unit,
        flagged=filters.flagged,
        start=filters.start,
        end=filters.end,
        q=filters.q.strip(),
    )
    page = paginate(queries.list_trips(request.user, f), filters, out=_out)
    return page


@router.get("/trips/{trip_id}", response=TripOut)
def get_trip(request, trip_id: Id):
    trip = queries.get_trip_for(request.user, trip_id)
    return _out(trip)


@router.post("/trips", response={201: TripOut}, summary="Register a trip")
@idempotent
def create_trip(request, payload: TripIn):
    data = payload.dict()
    try:
        person = get_person_for(request.user, data.pop("person"), queries.VIEW)
    except Http404 as exc:
        raise InvalidInput({"person": _("Unknown person.")}, code="unknown_person") from exc
    data["family_member"] = _family_member(data["family_member"])
    trip = services.record_trip(actor=request.user, person=person, **data)
    return 201, _out(queries.get_trip_for(request.user, trip.pk))


@router.patch("/trips/{trip_id}", response=TripOut)
@idempotent
def update_trip(request, trip_id: Id, payload: TripPatch):
    trip = queries.get_trip_for(request.user, trip_id)
    data = payload.dict(exclude_unset=True)
    if "family_member" in data:
        data["family_member"] = _family_member(data["family_member"])
    services.update_trip(actor=request.user, trip=trip, **data)
    return _out(queries.get_trip_for(request.user, trip_id))


@router.post(
    "/trips/{trip_id}/observation",
    response={201: ObservationDetailOut},
    summary="Start an observation from a flagged trip",
)
@idempotent
def observation_from_trip(request, trip_id: Id):
    trip = queries.get_trip_for(request.user, trip_id)
    observation = services.start_observation_from_trip(actor=request.user, trip=trip)
    return 201, detail_out(observation_queries.get_observation_for(request.user, observation.pk))


def _require_areas_visible(request) -> None:
    if not queries.may_see_areas(request.user):
        raise Http404


def _area_values(request, payload: RiskAreaIn) -> dict:
    """The service's arguments; a unit named outside the caller's keeping, or unknown,
    is `unknown_unit` (the same answer for both)."""
    data = payload.dict(exclude={"unit"})
    if "unit" in payload.model_fields_set:
        code = payload.unit
        data["unit"] = None
        if code:
            try:
                data["unit"] = get_unit_for(request.user, code, services.AREA_PERM)
            except Http404 as exc:
                raise InvalidInput({"unit": _("Unknown unit code.")}, code="unknown_unit") from exc
    return data


@router.get("/risk-areas", response=list[RiskAreaOut], summary="Risk areas")
def list_risk_areas(request, current_on: Day | None = None):
    """The risk areas that apply within the caller's units (province-wide ones and those
    of the caller's units and the units above them), newest first; `current_on` keeps
    those in force that day."""
    _require_areas_visible(request)
    return list(queries.list_risk_areas(request.user, current_on=current_on))


@router.post(
    "/risk-areas",
    response={201: RiskAreaSaved},
    summary="Add a risk area (province-wide: SASAC duty room, system admins; else a unit's office)",
)
@idempotent
def create_risk_area(request, payload: RiskAreaIn):
    area = services.save_risk_area(actor=request.user, **_area_values(request, payload))
    return 201, area


@router.put("/risk-areas/{area_id}", response=RiskAreaSaved)
@idempotent
def update_risk_area(request, area_id: Id, payload: RiskAreaIn):
    _require_areas_visible(request)
    area = queries.get_risk_area_for(request.user, area_id)
    return services.save_risk_area(actor=request.user, area=area, **_area_values(request, payload))


@router.post("/risk-areas/{area_id}/end", response=RiskAreaSaved)
@idempotent
def end_risk_area(request, area_id: Id, payload: EndAreaIn):
    _require_areas_visible(request)
    area = queries.get_risk_area_for(request.user, area_id)
    return services.end_risk_area(actor=request.user, area=area, effective_to=payload.effective_to)
