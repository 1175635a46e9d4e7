"""Daily reports over JSON: file (PUT, idempotent), read with history, summaries."""

from datetime import date, datetime
from typing import Any

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from fangkong.core.idempotency import idempotent
from fangkong.core.schemas import Code, Day, Id, Line, Text
from fangkong.orgs.queries import get_unit_for

from . import queries, services

router = Router(tags=["reports"])


class ReportIn(Schema):
    values: dict[Line(40), Any] | None = Field(None, max_length=500)
    zero: bool = False
    reason: Text(500) = ""
    comment: Text(500) = ""
    confirm: bool = False
    version: Id | None = Field(None, description="the form version the values were entered on")


class RevisionOut(Schema):
    number: int
    version: int
    values: dict
    is_zero: bool
    filed_at: datetime
    filed_by: str | None
    reason: str
    after_cutoff: bool
    comment: str
    warnings: list[str]


class ReportOut(Schema):
    form: str
    unit: str
    day: date
    state: str
    deadline_at: datetime
    is_zero: bool
    values: dict | None
    version: int | None
    revision: int
    first_filed_at: datetime | None
    filed_at: datetime | None
    filed_by: str | None
    corrected_after_cutoff: bool
    replayed: bool = False
    history: list[RevisionOut] = []


class SummaryFilter(Schema):
    unit: Code
    day: Day
    as_of: str = Field("now", pattern="^(now|cutoff)$")


class SummaryOut(Schema):
    form: str
    unit: str
    day: date
    as_of: str
    totals: dict
    expected: int
    filed: int
    on_time: int
    late: int
    zero: int
    pending: int
    missing: list[str]
    late_units: list[str]
    corrected: int
    corrected_after_cutoff: int


def _out(report, *, replayed=False, history=False) -> dict:
    data = {
        "form": report.form.code,
        "unit": report.unit.code,
        "day": report.day,
        "state": report.state_at(timezone.now()),
        "deadline_at": report.deadline_at,
        "is_zero": report.is_zero,
        "values": report.values,
        "version": report.version.number if report.version else None,
        "revision": report.revision_count,
        "first_filed_at": report.first_filed_at,
        "filed_at": report.filed_at,
        "filed_by": report.filed_by.get_username() if report.filed_by else None,
        "corrected_after_cutoff": report.corrected_after_cutoff,
        "replayed": replayed,
    }
    if history and report.pk:
        data["history"] = [
            {
                "number": r.number,
                "version": r.version.number,
                "values": r.values,
                "is_zero": r.is_zero,
                "filed_at": r.filed_at,
                "filed_by": r.filed_by.get_username() if r.filed_by else None,
                "reason": r.reason,
                "after_cutoff": r.after_cutoff,
                "comment": r.comment,
                "warnings": r.warnings,
            }
            for r in report.revisions.select_related("version", "filed_by")
        ]
    return data


@router.put(
    "/reports/{form_code}/{unit_code}/{day}",
    response=ReportOut,
    summary="File a daily report or a zero report",
)
@idempotent
def put_report(request, form_code: Code, unit_code: Code, day: Day, payload: ReportIn):
    """Send `{"values": {…}}` or `{"zero": true}`. Retrying with the same `Idempotency-Key`
    header makes no second version. Unusual values answer 409 `needs_confirmation`:
    send again with `"confirm": true` and a `comment`."""
    form = queries.get_form(form_code)
    unit = get_unit_for(request.user, unit_code)
    filing = services.file_report(
        actor=request.user,
        form=form,
        unit=unit,
        day=day,
        values=payload.values,
        zero=payload.zero,
        reason=payload.reason,
        comment=payload.comment,
        confirm=payload.confirm,
        version=payload.version,
    )
    return _out(filing.report, replayed=filing.replayed, history=True)


@router.get(
    "/reports/{form_code}/summary",
    response=SummaryOut,
    summary="Totals and completeness of a subtree for a day",
)
def get_summary(request, form_code: Code, filters: Query[SummaryFilter]):
    form = queries.get_form(form_code)
    unit = get_unit_for(request.user, filters.unit)
    summary = queries.get_summary(form, unit, filters.day, as_of_cutoff=filters.as_of == "cutoff")
    missing = queries.list_missing(form, unit, filters.day).values_list("unit__code", flat=True)
    late = queries.list_missing(form, unit, filters.day, late=True).values_list(
        "unit__code", flat=True
    )
    return {
        **{
            k: summary[k]
            for k in (
                "totals",
                "expected",
                "filed",
                "on_time",
                "late",
                "zero",
                "pending",
                "corrected",
            )
        },
        "corrected_after_cutoff": summary["corrected_late"],
        "form": form.code,
        "unit": unit.code,
        "day": filters.day,
        "as_of": filters.as_of,
        "missing": list(missing),
        "late_units": list(late),
    }


@router.get(
    "/reports/{form_code}/{unit_code}/{day}",
    response=ReportOut,
    summary="The current version of a report and its history",
)
def get_report(request, form_code: Code, unit_code: Code, day: Day):
    form = queries.get_form(form_code)
    unit = get_unit_for(request.user, unit_code)
    report = queries.find_report(form, unit, day)
    if report is None:
        raise Http404
    return _out(report, history=True)
