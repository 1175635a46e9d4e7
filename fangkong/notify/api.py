"""催办 over the API: `POST /api/v1/chases`."""

from datetime import datetime

from ninja import Field, Router, Schema

from fangkong.core.idempotency import idempotent
from fangkong.core.schemas import Code, Items, Line

from . import services

router = Router(tags=["notify"])


class ChaseIn(Schema):
    what: Line(100) = Field(
        description='what the units have not done: "report" (today\'s daily report, or '
        '"report:<form>:<day>"), "checkin" ("checkin:<day>"), "followup", "ack:<incident id>"'
    )
    units: Items(Code, 500) = Field(description="codes of the units to remind")


class ChaseOutcomeOut(Schema):
    unit: str
    status: str = Field(description="sent, skipped (reminded in the last 5 minutes), done, nobody")
    message: str
    chased_at: datetime | None
    next_at: datetime | None


class ChasesOut(Schema):
    what: str
    items: list[ChaseOutcomeOut]


@router.post("/chases", response=ChasesOut, summary="Remind units (催办)")
@idempotent
def post_chases(request, payload: ChaseIn):
    """Reminds each unit's liaisons (and whom its routing rules add) through the topic
    "chase", at most once per thing and unit every 5 minutes: each unit answers `sent` or
    why not. A unit outside the caller's scope is `unknown_unit`, as an unknown one."""
    outcomes = services.chase(actor=request.user, what=payload.what, units=payload.units)
    return {
        "what": outcomes[0].what,
        "items": [
            {
                "unit": o.unit.code,
                "status": o.status,
                "message": o.message,
                "chased_at": o.last,
                "next_at": o.next_at,
            }
            for o in outcomes
        ],
    }
