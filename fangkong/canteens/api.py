"""Canteens over JSON: the plans of a canteen (a day, a meal), and a new plan — proposed
from today's head counts, adjusted (`moves`), published. A canteen outside the reader's
scope is a 404; a slot over capacity or a canteen of capacity 0 is a 400 naming the field."""

from datetime import date

from django.http import Http404
from ninja import Field, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.schemas import Code, Day, Line
from fangkong.core.scope import scope_of

from . import queries, services
from .choices import Meal

router = Router(tags=["canteens"])


class CanteenRowOut(Schema):
    unit: str
    name: str
    people: int
    mode: str
    slot: int | None = Field(
        description="1-based slot in the serving window, null if not in the hall"
    )
    starts: str | None
    ends: str | None


class CanteenPlanOut(Schema):
    id: int
    canteen: str
    day: date
    meal: str
    version: int
    state: str
    reason: str
    capacity: int
    slot_minutes: int
    loads: list[int]
    rows: list[CanteenRowOut]


class CanteenPlanIn(Schema):
    day: Day | None = Field(None, description="default: today at the canteen")
    meal: Line(10) = Field(description="breakfast, lunch or dinner")
    moves: dict[Code, Line(10)] = Field(
        {}, description='adjust the latest plan: {unit code: slot number, "takeaway" or "desk"}'
    )
    publish: bool = False


def _out(plan) -> dict:
    view = queries.get_plan_view(plan)
    rows = []
    for r in plan.rows.select_related("unit").order_by("slot", "unit__path"):
        times = (
            queries.slot_times(plan.starts, plan.slot_minutes, r.slot)
            if r.slot is not None
            else None
        )
        rows.append(
            {
                "unit": r.unit.code,
                "name": r.unit.name,
                "people": r.people,
                "mode": r.mode,
                "slot": r.slot + 1 if r.slot is not None else None,
                "starts": f"{times[0]:%H:%M}" if times else None,
                "ends": f"{times[1]:%H:%M}" if times else None,
            }
        )
    return {
        "id": plan.pk,
        "canteen": plan.canteen.unit.code,
        "day": plan.day,
        "meal": plan.meal,
        "version": plan.version,
        "state": plan.state,
        "reason": plan.reason,
        "capacity": plan.capacity,
        "slot_minutes": plan.slot_minutes,
        "loads": [s.load for s in view.slots],
        "rows": rows,
    }


@router.get("/canteens/{code}/plans", response=list[CanteenPlanOut], summary="A canteen's plans")
def get_plans(request, code: Code, day: Day | None = None, meal: Line(10) = ""):
    canteen = queries.get_canteen_for(request.user, code)
    return [_out(p) for p in queries.list_plans(canteen, day, meal)[:50]]


@router.post(
    "/canteens/{code}/plans",
    response={201: CanteenPlanOut},
    summary="Propose, adjust or publish a plan",
)
@idempotent
def post_plan(request, code: Code, payload: CanteenPlanIn):
    """Without `moves`: a new plan from today's head counts. With `moves`: the latest
    plan adjusted. `publish`: the result is published to the departments."""
    user = request.user
    canteen = queries.get_canteen_for(user, code)
    if not scope_of(user, services.MANAGE).covers(canteen.unit_path):
        raise Http404
    if payload.meal not in Meal.values:
        raise InvalidInput({"meal": "breakfast, lunch or dinner"})
    day = payload.day or canteen.unit.local_date()
    from django.db import transaction

    with transaction.atomic():
        if payload.moves:
            plan = queries.latest_plan(canteen, day, payload.meal)
            if plan is None:
                raise InvalidInput({"moves": "no plan to adjust"}, code="no_plan")
            plan = services.adjust_plan(actor=user, plan=plan, moves=payload.moves)
        else:
            plan = services.propose_plan(actor=user, canteen=canteen, day=day, meal=payload.meal)
        if payload.publish:
            plan = services.publish_plan(actor=user, plan=plan)
    return 201, _out(plan)
