"""Check-ins over JSON: a batch for a unit (up to 1,000, idempotent), the list of a day,
and the summary of a subtree."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema
from pydantic import BaseModel

from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Int, Items, Line, Text
from fangkong.orgs.queries import get_unit_for

from ..choices import Source
from ..permissions import HealthPerm
from ..queries import checkins as queries
from ..services import checkins as services

router = Router(tags=["health"])


class CheckInRowIn(BaseModel):  # pydantic's: ninja's Schema reads ORM objects, slowly
    person: Id | None = Field(None, description="the person's id (or give employee_no)")
    employee_no: Line(32) | None = None
    # Loose types on purpose: the service answers "98.6 looks like °F" better than a schema.
    temperature: float | Line(20) | None = Field(
        None, description="body temperature in °C", examples=[36.5]
    )
    symptoms: Items(Line(20), 20) | Line(
        200
    ) = Field(default_factory=list, description="codes, e.g. cough")
    whereabouts: Line(20) = Field(
        "", description="at_post (default), remote, travelling, observation"
    )
    risk_contact: bool = False
    case_contact: bool = False
    category: Line(20) = Field(
        "", description="duty, on_post, party, volunteer, observation, other"
    )
    vouched: bool = Field(
        False,
        description="all normal, as the person reported (not measured): no temperature "
        "needed; recorded as vouched for by you",
    )


class CheckInBatchIn(Schema):
    unit: Code = Field(description="unit code: every person must be in its subtree")
    day: Day
    checkins: list[CheckInRowIn] = Field(min_length=1, max_length=services.BATCH_MAX)
    replace_own: bool = Field(False, description="confirm replacing people's own check-ins")
    reason: Text(500) = Field("", description="why (required with replace_own)")


class BatchOut(Schema):
    created: int
    updated: int
    unchanged: int
    cases_opened: int
    replayed: bool = False


class CheckInOut(Schema):
    person: int
    employee_no: str
    name: str
    unit: str
    day: date
    temperature: float | None = Field(description="None: not measured (vouched for)")
    symptoms: list[str]
    whereabouts: str
    risk_contact: bool
    case_contact: bool
    category: str
    is_fever: bool
    source: str
    proxy: bool = Field(description="entered by someone else, not through the person's link")
    vouched_by: str | None = Field(None, description="who vouched for it, not measured")
    checked_in_at: datetime
    versions: int


class ListFilter(PageQuery):
    unit: Code
    day: Day | None = None
    fever: bool | None = None
    page_size: Int(1, 1000) = 100


class CheckInSummaryOut(Schema):
    unit: str
    day: date
    expected: int
    checked_in: int
    missing: int
    fever: int | None = Field(description="None without view_health on the unit")
    at_post: int
    remote: int
    travelling: int
    observation: int | None = Field(description="None without view_health on the unit")
    by_category: dict[str, int]


@router.post("/checkins", response=BatchOut, summary="Check in one person or a unit's batch")
@idempotent
def post_checkins(request, payload: CheckInBatchIn):
    """All or nothing: one bad row and nothing is saved; the answer lists every bad row
    (`fields`: `row N`). With an `Idempotency-Key` header a retry returns the first answer
    without saving again; the same key with another body is 409."""
    unit = get_unit_for(request.user, payload.unit, HealthPerm.MANAGE_HEALTH)
    rows = [row.model_dump() for row in payload.checkins]
    outcome = services.check_in_unit(
        actor=request.user,
        unit=unit,
        day=payload.day,
        rows=rows,
        source=Source.API,
        replace_own=payload.replace_own,
        reason=payload.reason,
    )
    return outcome.as_dict()


@router.get("/checkins", response=Page[CheckInOut], summary="The check-ins of a subtree for a day")
def list_checkins(request, filters: Query[ListFilter]):
    unit = get_unit_for(request.user, filters.unit, HealthPerm.VIEW_HEALTH)
    day = filters.day or unit.local_date()
    rows = queries.list_checkins(request.user, unit, day, fever=filters.fever)
    return paginate(rows, filters, out=_out)


def _out(c) -> dict:
    return {
        "person": c.person_id,
        "employee_no": c.person.employee_no,
        "name": c.person.name,
        "unit": c.unit.code,
        "day": c.day,
        "temperature": None if c.temperature is None else float(c.temperature),
        "symptoms": c.symptoms,
        "whereabouts": c.whereabouts,
        "risk_contact": c.risk_contact,
        "case_contact": c.case_contact,
        "category": c.category,
        "is_fever": c.is_fever,
        "source": c.source,
        "proxy": c.is_proxy,
        "vouched_by": c.vouched_by.get_username() if c.vouched_by_id else None,
        "checked_in_at": c.checked_in_at,
        "versions": c.revision_count,
    }


@router.get(
    "/units/{code}/checkin-summary",
    response=CheckInSummaryOut,
    summary="Expected, checked in, fever and each category of a subtree",
)
def checkin_summary(request, code: Code, day: Day | None = None):
    unit = get_unit_for(request.user, code)  # completeness: every role; fever: view_health
    day = day or unit.local_date()
    summary = queries.get_checkin_summary_for(request.user, unit, day)
    return {"unit": unit.code, "day": day, **summary}
