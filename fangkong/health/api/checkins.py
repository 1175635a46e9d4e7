"""Check-ins over JSON: a batch for a unit (up to 1,000, idempotent), the list of a day,
and the summary of a subtree."""

from datetime import date, datetime

from django.core.paginator import Paginator
from ninja import Field, Query, Router, Schema

from fangkong.core.audit import log_access
from fangkong.core.idempotency import run_once
from fangkong.orgs.queries import get_unit_for

from ..choices import Source
from ..queries import checkins as queries
from ..services import checkins as services

router = Router(tags=["health"])


class CheckInRowIn(Schema):
    person: int | None = Field(None, description="the person's id (or give employee_no)")
    employee_no: str | None = None
    # Loose types on purpose: the service answers "98.6 looks like °F" better than a schema.
    temperature: float | str | None = Field(
        None, description="body temperature in °C", examples=[36.5]
    )
    symptoms: list[str] | str = Field(default_factory=list, description="codes, e.g. cough")
    whereabouts: str = Field("", description="at_post (default), remote, travelling, observation")
    risk_contact: bool = False
    case_contact: bool = False
    category: str = Field("", description="duty, on_post, party, volunteer, observation, other")
    vouched: bool = Field(
        False, description="all normal, as the person reported (not measured): no temperature "
        "needed; recorded as vouched for by you",
    )  # fmt: skip


class CheckInBatchIn(Schema):
    unit: str = Field(description="unit code: every person must be in its subtree")
    day: date
    checkins: list[CheckInRowIn] = Field(min_length=1, max_length=services.BATCH_MAX)
    replace_own: bool = Field(False, description="confirm replacing people's own check-ins")
    reason: str = Field("", max_length=500, description="why (required with replace_own)")


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


class CheckInPage(Schema):
    count: int
    page: int
    pages: int
    results: list[CheckInOut]


class ListFilter(Schema):
    unit: str
    day: date | None = None
    fever: bool | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(100, ge=1, le=1000)


class SummaryOut(Schema):
    unit: str
    day: date
    expected: int
    checked_in: int
    missing: int
    fever: int
    at_post: int
    remote: int
    travelling: int
    observation: int
    by_category: dict[str, int]


@router.post("/checkins", response=BatchOut, summary="Check in one person or a unit's batch")
def post_checkins(request, payload: CheckInBatchIn):
    """All or nothing: one bad row and nothing is saved; the answer lists every bad row
    (`fields`: `row N`). With an `Idempotency-Key` header a retry returns the first answer
    without saving again; the same key with another body is 409."""
    unit = get_unit_for(request.user, payload.unit, "manage_health")
    rows = [row.dict() for row in payload.checkins]

    def save() -> dict:
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

    key = request.headers.get("Idempotency-Key")
    if not key:
        return save()
    result, replayed = run_once(
        owner=f"checkins:user:{request.user.pk}", key=key,
        payload={"unit": payload.unit, "day": payload.day, "rows": rows,
                 "replace_own": payload.replace_own, "reason": payload.reason}, fn=save,
    )  # fmt: skip
    return {**result, "replayed": replayed}


@router.get("/checkins", response=CheckInPage, summary="The check-ins of a subtree for a day")
def list_checkins(request, filters: Query[ListFilter]):
    unit = get_unit_for(request.user, filters.unit, "view_health")
    day = filters.day or unit.local_date()
    page = Paginator(queries.list_checkins(unit, day, fever=filters.fever), filters.page_size)
    current = page.get_page(filters.page)
    log_access(request, "list", "checkin", "", unit.path, detail=f"api {day}")
    return {
        "count": page.count, "page": current.number, "pages": page.num_pages,
        "results": [
            {"person": c.person_id, "employee_no": c.person.employee_no, "name": c.person.name,
             "unit": c.unit.code, "day": c.day,
             "temperature": None if c.temperature is None else float(c.temperature),
             "symptoms": c.symptoms, "whereabouts": c.whereabouts,
             "risk_contact": c.risk_contact, "case_contact": c.case_contact,
             "category": c.category, "is_fever": c.is_fever, "source": c.source,
             "proxy": c.is_proxy,
             "vouched_by": c.vouched_by.get_username() if c.vouched_by_id else None,
             "checked_in_at": c.checked_in_at, "versions": c.revision_count}
            for c in current
        ],
    }  # fmt: skip


@router.get("/units/{code}/checkin-summary", response=SummaryOut,
            summary="Expected, checked in, fever and each category of a subtree")  # fmt: skip
def checkin_summary(request, code: str, day: date | None = None):
    unit = get_unit_for(request.user, code)  # counts only: every role may see them
    day = day or unit.local_date()
    summary = queries.get_checkin_summary(unit, day)
    return {"unit": unit.code, "day": day, **summary}
