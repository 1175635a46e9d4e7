"""Incidents over JSON: filing, the phone and written reports, acknowledgements, the board
and one incident with its timeline."""

from datetime import datetime

from ninja import Field, Query, Router, Schema

from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import AwareMoment, Code, Id, Line, Text, parse_json_body, validated
from fangkong.orgs.queries import get_unit_for

from . import queries, services
from .choices import IncidentKind, Outcome

router = Router(tags=["incidents"])


class PhoneIn(Schema):
    called_at: AwareMoment
    caller: Line(100)
    callee: Line(100)
    note: Text(500) = ""


class IncidentIn(Schema):
    unit: Code = Field(description="code of the unit where it happened")
    kind: IncidentKind
    title: Line(200)
    discovered_at: AwareMoment
    discovered_by: Line(100) = ""
    place: Line(200) = ""
    site: Code | None = Field(None, description="code of the site (a unit of the unit)")
    people: list[Line(32)] = Field(
        default_factory=list, max_length=500, description="employee numbers"
    )
    actions_taken: Text(20000) = ""
    description: Text(20000) = ""
    phone: PhoneIn | None = Field(None, description="the phone report, if already made")


class AckIn(Schema):
    unit: Code | None = Field(None, description="the receiving level (default: yours)")
    note: Text(1000) = Field("", description="an instruction passed down with the acknowledgement")


class CloseIn(Schema):
    outcome: Outcome
    reason: Text(2000) = Field(min_length=1)


class WrittenIn(Schema):
    text: Text(20000)


class EventOut(Schema):
    kind: str
    at: datetime
    unit: str | None
    actor: str | None
    text: str


class ReceiptOut(Schema):
    unit: str
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class ClockOut(Schema):
    kind: str
    unit: str
    due_at: datetime
    met_at: datetime | None
    escalated_at: datetime | None
    cancelled_at: datetime | None = Field(None, description="closed before it was met")


class IncidentOut(Schema):
    id: int
    unit: str
    kind: str
    title: str
    state: str
    discovered_at: datetime
    filed_at: datetime
    target: str
    late_discovery: bool
    overdue: bool = False
    outcome: str = ""
    close_reason: str = ""
    closed_at: datetime | None = None
    receipts: list[ReceiptOut] = []
    clocks: list[ClockOut] = []
    timeline: list[EventOut] = []


class BoardFilter(PageQuery):
    unit: Code | None = None
    state: str = Field("open", pattern="^(open|overdue|closed|all)$")
    kind: IncidentKind | None = None


def _out(incident, full=False) -> dict:
    data = {
        "id": incident.pk,
        "unit": incident.unit.code,
        "kind": incident.kind,
        "title": incident.title,
        "state": incident.state,
        "discovered_at": incident.discovered_at,
        "filed_at": incident.filed_at,
        "target": incident.target_unit.code,
        "late_discovery": incident.late_discovery,
        "overdue": getattr(incident, "overdue", False),
        "outcome": incident.outcome,
        "close_reason": incident.close_reason,
        "closed_at": incident.closed_at,
    }
    if full:
        t = queries.get_timeline(incident)
        data["receipts"] = [
            {
                "unit": r.unit.code,
                "acknowledged_at": r.acknowledged_at,
                "acknowledged_by": r.acknowledged_by.get_username() if r.acknowledged_by else None,
            }
            for r in t["receipts"]
        ]
        data["clocks"] = [
            {
                "kind": c.kind,
                "unit": c.unit.code,
                "due_at": c.due_at,
                "met_at": c.met_at,
                "escalated_at": c.escalated_at,
                "cancelled_at": c.cancelled_at,
            }
            for c in t["clocks"]
        ]
        data["timeline"] = [
            {
                "kind": e.kind,
                "at": e.at,
                "unit": e.unit.code if e.unit else None,
                "actor": e.actor.get_username() if e.actor else None,
                "text": e.text,
            }
            for e in t["events"]
        ]
    return data


def _get(request, incident_id: int):
    return queries.get_incident_for(request.user, incident_id)


@router.post("/incidents", response={201: IncidentOut}, summary="File an incident")
@idempotent
def post_incident(request, payload: IncidentIn):
    """Starts the clock from `discovered_at` (refused in the future; days old: accepted and
    flagged). The levels above are told at once, their on-duty people included."""
    unit = get_unit_for(request.user, payload.unit, services.PERM)
    people = queries.find_people(request.user, unit, payload.people)
    incident = services.file_incident(
        actor=request.user,
        unit=unit,
        kind=payload.kind,
        title=payload.title,
        discovered_at=payload.discovered_at,
        discovered_by=payload.discovered_by,
        place=payload.place,
        site=payload.site or None,
        people=people,
        actions_taken=payload.actions_taken,
        description=payload.description,
        phone=payload.phone.dict() if payload.phone else None,
    )
    # Built inside the filing's transaction (@idempotent) from the incident it wrote.
    return 201, _out(incident, full=True)


@router.post(
    "/incidents/{incident_id}/phone-report", response=IncidentOut, summary="Record the phone report"
)
@idempotent
def post_phone(request, incident_id: Id, payload: PhoneIn):
    incident = _get(request, incident_id)
    services.record_phone_report(actor=request.user, incident=incident, **payload.dict())
    return _out(_get(request, incident_id), full=True)


WRITTEN_BODY = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {"text": {"type": "string", "maxLength": 20000}},
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["text"],
                    "properties": {
                        "text": {"type": "string", "maxLength": 20000},
                        "files": {
                            "type": "array",
                            "maxItems": services.MAX_ATTACHMENTS,
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                }
            },
        },
        "required": True,
    },
}


@router.post(
    "/incidents/{incident_id}/written-report",
    response=IncidentOut,
    summary="File the written report, with attachments",
    openapi_extra=WRITTEN_BODY,
)
@idempotent
def post_written(request, incident_id: Id):
    """JSON `{"text": …}`, or multipart/form-data with `text` and any number of `files`
    (20 MB each at most)."""
    incident = _get(request, incident_id)
    if request.content_type == "multipart/form-data":
        body, files = validated(WrittenIn, request.POST.dict()), request.FILES.getlist("files")
    else:
        body, files = validated(WrittenIn, parse_json_body(request.body or b"{}")), []
    services.file_written_report(actor=request.user, incident=incident, text=body.text, files=files)
    return _out(_get(request, incident_id), full=True)


@router.post(
    "/incidents/{incident_id}/ack",
    response=IncidentOut,
    summary="Acknowledge for a receiving level",
)
@idempotent
def post_ack(request, incident_id: Id, payload: AckIn):
    incident = _get(request, incident_id)
    unit = get_unit_for(request.user, payload.unit) if payload.unit else None
    services.acknowledge(actor=request.user, incident=incident, unit=unit, note=payload.note)
    return _out(_get(request, incident_id), full=True)


@router.post(
    "/incidents/{incident_id}/close",
    response=IncidentOut,
    summary="Close an incident with an outcome and a reason",
)
@idempotent
def post_close(request, incident_id: Id, payload: CloseIn):
    """Only the level the incident's kind must reach (or, for kinds that stop at the group,
    a receiving level that has acknowledged) may close: 403 `forbidden` for a level that
    sees it but may not; 409 `incident_closed` if it is closed already. Clocks not met stay
    unmet (`cancelled_at`); every receiving level is told."""
    incident = _get(request, incident_id)
    services.close_incident(
        actor=request.user, incident=incident, outcome=payload.outcome, reason=payload.reason
    )
    return _out(_get(request, incident_id), full=True)


@router.get("/incidents", response=Page[IncidentOut], summary="The incident board of a subtree")
def list_incidents(request, filters: Query[BoardFilter]):
    unit = get_unit_for(request.user, filters.unit) if filters.unit else None
    incidents = queries.list_incidents(
        request.user, unit=unit, state=filters.state, kind=filters.kind or ""
    )
    return paginate(incidents, filters, out=_out)


@router.get(
    "/incidents/{incident_id}",
    response=IncidentOut,
    summary="An incident with its levels, clocks and timeline",
)
def get_incident(request, incident_id: Id):
    incident = _get(request, incident_id)
    return _out(incident, full=True)
