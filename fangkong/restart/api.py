"""Return to work over JSON: the plans of a subtree, a plan saved and filed (filing again
changes nothing), the restart rate of a subtree as of a time with its children. Units
outside the reader's scope are 404; bad input a 400 naming the field."""

from datetime import date, datetime

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Items, Line, Moment, Text
from fangkong.orgs.queries import get_unit_for, list_root_units

from . import queries, services

router = Router(tags=["restart"])


class RestartPhaseIn(Schema):
    site: Code | None = Field(
        None, description="a site of the unit (code), or none for the whole unit"
    )
    starts_on: Day
    people: int = Field(0, ge=0, le=1_000_000)
    note: Line(200) = ""


class RestartPlanIn(Schema):
    unit: Code
    industry: Line(20)
    restart_on: Day
    returning: int = Field(0, ge=0, le=1_000_000)
    note: Text(2000) = ""
    phases: Items(RestartPhaseIn, services.MAX_PHASES) | None = None
    file: bool = Field(False, description="file the plan to the parent (idempotent)")


class RestartPhaseOut(Schema):
    site: str | None
    starts_on: date
    people: int


class RestartPlanOut(Schema):
    id: int
    unit: str
    industry: str
    restart_on: date
    returning: int
    state: str
    filed_at: datetime | None
    decided_at: datetime | None
    phases: list[RestartPhaseOut]


class RestartRateRow(Schema):
    unit: str
    name: str
    units: int
    restarted: int
    told_to_wait: int
    filed: int
    rate: float | None
    rate_excluding_wait: float | None


class RestartRateOut(RestartRateRow):
    as_of: datetime
    children: list[RestartRateRow]


def _out(plan) -> dict:
    return {
        "id": plan.pk,
        "unit": plan.unit.code,
        "industry": plan.industry,
        "restart_on": plan.restart_on,
        "returning": plan.returning,
        "state": plan.state,
        "filed_at": plan.filed_at,
        "decided_at": plan.decided_at,
        "phases": [
            {"site": p.site.code if p.site else None, "starts_on": p.starts_on, "people": p.people}
            for p in plan.phases.select_related("site")
        ],
    }


def _unit(user, code):
    if code:
        return get_unit_for(user, code)
    unit = list_root_units(user).first()
    if unit is None:
        raise Http404
    return unit


class RestartPlanQuery(PageQuery):
    unit: Code | None = None
    state: Line(10) = ""


@router.get(
    "/restart/plans", response=Page[RestartPlanOut], summary="Return-to-work plans of a subtree"
)
def get_plans(request, filters: Query[RestartPlanQuery]):
    rows = queries.list_plans(
        request.user, unit=_unit(request.user, filters.unit), state=filters.state
    )
    return paginate(rows.prefetch_related("phases__site"), filters, out=_out)


@router.post("/restart/plans", response={201: RestartPlanOut}, summary="Save (and file) a plan")
@idempotent
def post_plan(request, payload: RestartPlanIn):
    user = request.user
    unit = get_unit_for(user, payload.unit)
    phases = None
    if payload.phases is not None:
        phases = []
        for i, p in enumerate(payload.phases):
            try:
                site = get_unit_for(user, p.site) if p.site else None
            except Http404:
                raise InvalidInput({f"phases.{i}.site": "not a site of the unit"}) from None
            phases.append(
                {"site": site, "starts_on": p.starts_on, "people": p.people, "note": p.note}
            )
    with transaction.atomic():
        plan = queries.plan_of(unit)
        same = (
            plan is not None
            and (plan.industry, plan.restart_on, plan.returning)
            == (payload.industry, payload.restart_on, payload.returning)
            and phases is None
        )
        if plan is None or (plan.state in services.EDITABLE and not same):
            plan = services.save_plan(
                actor=user, unit=unit, industry=payload.industry, restart_on=payload.restart_on,
                returning=payload.returning, note=payload.note, phases=phases,
            )  # fmt: skip
        if payload.file:
            plan = services.file_plan(actor=user, plan=plan)
    return 201, _out(plan)


def _row(r) -> dict:
    return {
        "unit": r.unit.code,
        "name": r.unit.name,
        "units": r.units,
        "restarted": r.restarted,
        "told_to_wait": r.wait,
        "filed": r.filed,
        "rate": r.rate,
        "rate_excluding_wait": r.rate_excluding_wait,
    }


@router.get("/restart/rate", response=RestartRateOut, summary="The restart rate of a subtree")
def get_rate(request, unit: Code | None = None, as_of: Moment | None = None):
    u = _unit(request.user, unit)
    moment = as_of or timezone.now()
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=u.tzinfo)
    rate = queries.get_rate(request.user, u, moment)
    return {**_row(rate), "as_of": moment, "children": [_row(c) for c in rate.children]}
