"""Health cases over JSON: the list of a subtree, one case with its steps, moving it on."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema

from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Id, Line, Text
from fangkong.orgs.queries import get_unit_for

from ..permissions import HealthPerm
from ..queries import cases as queries
from ..services import cases as services

router = Router(tags=["health"])


class CaseEventOut(Schema):
    state: str
    result: str
    at: datetime
    actor: str | None
    note: str


class CaseOut(Schema):
    id: int
    person: int
    employee_no: str
    name: str
    unit: str
    trigger: str
    temperature: Decimal | None
    symptoms: list[str]
    state: str
    result: str
    opened_at: datetime
    closed_at: datetime | None
    events: list[CaseEventOut] = []


class CaseFilter(PageQuery):
    unit: Code | None = None
    state: Line(20) = Field("open", description="open (default), closed, all, or one state")


class AdvanceIn(Schema):
    state: Line(20) = Field(description="isolated, diagnosing, result or closed")
    result: Line(20) = Field("", description="excluded, suspected or confirmed (with state=result)")
    note: Text(500) = ""


def _out(case, events=False) -> dict:
    data = {
        "id": case.pk,
        "person": case.person_id,
        "employee_no": case.person.employee_no,
        "name": case.person.name,
        "unit": case.unit.code,
        "trigger": case.trigger,
        "temperature": case.temperature,
        "symptoms": case.symptoms,
        "state": case.state,
        "result": case.result,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
    }
    if events:
        data["events"] = [
            {
                "state": e.state,
                "result": e.result,
                "at": e.at,
                "note": e.note,
                "actor": e.actor.get_username() if e.actor else None,
            }
            for e in case.events.select_related("actor")
        ]
    return data


@router.get("/health-cases", response=Page[CaseOut], summary="Health cases of a subtree")
def list_cases(request, filters: Query[CaseFilter]):
    unit = (
        get_unit_for(request.user, filters.unit, HealthPerm.VIEW_HEALTH) if filters.unit else None
    )
    cases = queries.list_cases(request.user, unit=unit, state=filters.state)
    return paginate(cases, filters, out=_out)


@router.get("/health-cases/{case_id}", response=CaseOut, summary="A health case and its steps")
def get_case(request, case_id: Id):
    case = queries.get_case_for(request.user, case_id)
    return _out(case, events=True)


@router.post(
    "/health-cases/{case_id}/advance", response=CaseOut, summary="Move a case to its next step"
)
@idempotent
def advance_case(request, case_id: Id, payload: AdvanceIn):
    case = queries.get_case_for(request.user, case_id)
    case = services.advance_case(
        actor=request.user, case=case, state=payload.state, result=payload.result, note=payload.note
    )
    return _out(queries.get_case_for(request.user, case.pk), events=True)
