"""The ledger over JSON: read only. There is no endpoint that creates or edits an entry."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema
from pydantic import ValidationInfo, field_validator

from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Line
from fangkong.orgs.queries import get_unit_for

from . import kinds, queries
from .choices import Grade

router = Router(tags=["accountability"])


class LedgerQuery(PageQuery):
    unit: Code | None = Field(None, description="a unit code: its whole subtree (default: scope)")
    start: Day | None = Field(
        None, alias="from", description="first day (default: 29 days before `to`)"
    )
    end: Day | None = Field(None, alias="to", description="last day (default: today)")
    kind: Line(40) | None = None
    grade: Grade | None = None
    waived: bool | None = None

    @field_validator("kind")
    @classmethod
    def known_kind(cls, value):
        if value and not kinds.is_known(value):
            raise ValueError(
                f"unknown kind; one of {', '.join(v for v, _l in kinds.kind_choices())}"
            )
        return value

    @field_validator("end")
    @classmethod
    def after_start(cls, value, info: ValidationInfo):
        start = info.data.get("start")
        if value and start and value < start:
            raise ValueError("the end of the period is before its start")
        return value


class AnnotationOut(Schema):
    action: str
    text: str
    by: str = Field(..., alias="actor_name")
    at: datetime


class EntryOut(Schema):
    id: int
    unit: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")
    kind: str
    kind_label: str
    day: date
    grade: str
    repetition: int
    waived: bool
    facts: dict
    description: str
    liaison_name: str
    liaison_phone: str
    object_type: str
    object_id: int
    created_at: datetime
    annotations: list[AnnotationOut]

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()


class EntryPage(Page[EntryOut]):
    period: dict[str, date] = Field(..., description='{"from": …, "to": …}')


@router.get(
    "/accountability", response=EntryPage, summary="Accountability ledger of a subtree and period"
)
def list_entries(request, q: Query[LedgerQuery]):
    """Entries made by the system (late filing, missing report, correction after the
    cut-off, …) with their grade and repetition, newest day first. A unit outside the
    caller's scope is a 404."""
    unit = get_unit_for(request.user, q.unit) if q.unit else None
    default_start, default_end = queries.default_period(q.end)
    f = queries.LedgerFilter(
        unit=unit,
        start=q.start or default_start,
        end=default_end,
        kind=q.kind or "",
        grade=q.grade or "",
        waived=q.waived,
    )
    if f.start > f.end:  # only `from` given, after today
        f.end = f.start
    return {
        **paginate(queries.list_entries(request.user, f), q, items=kinds.prefetch),
        "period": {"from": f.start, "to": f.end},
    }
