"""Observations (留观) over JSON: list and read (logged), start, daily follow-ups, change
the planned end, release. What the caller's scope does not cover is a 404; a person
named in a body outside it is `unknown_person`."""

from datetime import date, datetime

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Items, Line, Text
from fangkong.orgs.models import Person
from fangkong.orgs.queries import get_person_for, get_unit_for

from ..models import HealthCase, Observation, Trip
from ..queries import observation as queries
from ..services import observation as services
from ..validation import is_alarming

router = Router(tags=["health"])


class FollowUpOut(Schema):
    day: date
    temperature: float
    symptoms: list[str]
    note: str
    alarming: bool
    recorded_at: datetime
    recorded_by: str | None


class ChangeOut(Schema):
    old_end_on: date
    new_end_on: date
    reason: str
    at: datetime
    by: str | None


class ObservationOut(Schema):
    id: int
    person: int
    person_name: str
    employee_no: str
    unit: str
    reason: str
    place: str
    place_detail: str
    start_on: date
    planned_end_on: date
    trip: int | None
    case: int | None
    note: str
    open: bool
    released_at: datetime | None
    released_by: str | None
    release_note: str
    missing_days: list[date]
    alarming: bool


class ObservationDetailOut(ObservationOut):
    follow_ups: list[FollowUpOut]
    changes: list[ChangeOut]


class ObservationFilter(PageQuery):
    unit: Code | None = None
    state: str = Field("open", pattern="^(open|released|all)$")
    q: Line(100) = ""


class ObservationIn(Schema):
    person: Id
    reason: Line(20)
    place: Line(20)
    place_detail: Line(200) = ""
    start_on: Day | None = None
    planned_end_on: Day | None = None
    trip: Id | None = None
    case: Id | None = None
    note: Text(500) = ""


class FollowUpIn(Schema):
    day: Day | None = Field(None, description="default: today in the unit's time zone")
    temperature: Line(20) | float
    symptoms: Items(Line(20), 20) | Line(200) = []
    note: Text(500) = ""


class EndIn(Schema):
    new_end_on: Day
    reason: Text(500)


class ReleaseIn(Schema):
    note: Text(500) = ""


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def _out(observation: Observation) -> dict:
    """The list fields; `observation` has been through queries.annotate_follow_ups."""
    return {
        "id": observation.pk,
        "person": observation.person_id,
        "person_name": observation.person.name,
        "employee_no": observation.person.employee_no,
        "unit": observation.unit.code,
        "reason": observation.reason,
        "place": observation.place,
        "place_detail": observation.place_detail,
        "start_on": observation.start_on,
        "planned_end_on": observation.planned_end_on,
        "trip": observation.trip_id,
        "case": observation.case_id,
        "note": observation.note,
        "open": observation.released_at is None,
        "released_at": observation.released_at,
        "released_by": _name(observation.released_by) if observation.released_by_id else None,
        "release_note": observation.release_note,
        "missing_days": observation.missing_days,
        "alarming": observation.alarming,
    }


def detail_out(observation: Observation) -> dict:
    queries.annotate_follow_ups([observation])
    follow_ups = [
        {
            "day": f.day,
            "temperature": float(f.temperature),
            "symptoms": f.symptoms,
            "note": f.note,
            "alarming": is_alarming(f.temperature, f.symptoms),
            "recorded_at": f.recorded_at,
            "recorded_by": _name(f.recorded_by) if f.recorded_by_id else None,
        }
        for f in observation.follow_ups.select_related("recorded_by")
    ]
    changes = [
        {
            "old_end_on": c.old_end_on,
            "new_end_on": c.new_end_on,
            "reason": c.reason,
            "at": c.at,
            "by": _name(c.by) if c.by_id else None,
        }
        for c in observation.changes.select_related("by")
    ]
    return _out(observation) | {"follow_ups": follow_ups, "changes": changes}


def _person_in_scope(request, person_id: int) -> Person:
    try:
        return get_person_for(request.user, person_id, queries.VIEW)
    except Http404 as exc:
        raise InvalidInput({"person": _("Unknown person.")}, code="unknown_person") from exc


def _reload(request, observation_id: int) -> Observation:
    return queries.get_observation_for(request.user, observation_id)


@router.get("/observations", response=Page[ObservationOut], summary="Observations in scope")
def list_observations(request, filters: Query[ObservationFilter]):
    """Open ones by default (`state=released|all`); `unit` narrows to a subtree."""
    unit = get_unit_for(request.user, filters.unit, queries.VIEW) if filters.unit else None
    observations = queries.list_observations(
        request.user, unit=unit, state=filters.state, q=filters.q.strip()
    )
    page = paginate(observations, filters, items=queries.annotate_follow_ups, out=_out)
    return page


@router.get("/observations/{observation_id}", response=ObservationDetailOut)
def get_observation(request, observation_id: Id):
    observation = _reload(request, observation_id)
    return detail_out(observation)


@router.post("/observations", response={201: ObservationDetailOut}, summary="Start an observation")
@idempotent
def start_observation(request, payload: ObservationIn):
    data = payload.dict()
    person = _person_in_scope(request, data.pop("person"))
    trip_id, case_id = data.pop("trip"), data.pop("case")
    trip = case = None
    if trip_id is not None:
        trip = Trip.objects.filter(pk=trip_id, person=person).first()
        if trip is None:
            raise InvalidInput({"trip": _("This trip is not one of this person's.")})
    if case_id is not None:
        case = HealthCase.objects.filter(pk=case_id, person=person).first()
        if case is None:
            raise InvalidInput({"case": _("This case is not one of this person's.")})
    observation = services.start_observation(
        actor=request.user, person=person, trip=trip, case=case, **data
    )
    return 201, detail_out(_reload(request, observation.pk))


@router.post("/observations/{observation_id}/follow-ups", response=FollowUpOut)
@idempotent
def record_follow_up(request, observation_id: Id, payload: FollowUpIn):
    """The day's follow-up; a second one for the same day replaces it."""
    observation = _reload(request, observation_id)
    f = services.record_follow_up(
        actor=request.user,
        observation=observation,
        day=payload.day,
        temperature=payload.temperature,
        symptoms=payload.symptoms,
        note=payload.note,
    )
    return {
        "day": f.day,
        "temperature": float(f.temperature),
        "symptoms": f.symptoms,
        "note": f.note,
        "alarming": is_alarming(f.temperature, f.symptoms),
        "recorded_at": f.recorded_at,
        "recorded_by": _name(request.user),
    }


@router.post(
    "/observations/{observation_id}/end",
    response=ObservationDetailOut,
    summary="Extend or shorten an observation",
)
@idempotent
def change_end(request, observation_id: Id, payload: EndIn):
    observation = _reload(request, observation_id)
    services.change_observation_end(
        actor=request.user,
        observation=observation,
        new_end_on=payload.new_end_on,
        reason=payload.reason,
    )
    return detail_out(_reload(request, observation_id))


@router.post("/observations/{observation_id}/release", response=ObservationDetailOut)
@idempotent
def release(request, observation_id: Id, payload: ReleaseIn):
    observation = _reload(request, observation_id)
    services.release_observation(actor=request.user, observation=observation, note=payload.note)
    return detail_out(_reload(request, observation_id))
