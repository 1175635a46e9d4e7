"""Checkpoints over JSON: a shift's counts with the fevers found (each opening a case or an
incident). A checkpoint outside the reader's scope is a 404."""

from datetime import date, datetime

from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.schemas import Code, Day, Int, Items, Line
from fangkong.teams.queries import find_people

from . import queries, services
from .choices import Source

router = Router(tags=["checkpoints"])

Count = Int(0, services.MAX_COUNT)


class FoundIn(Schema):
    passer: Line(10) = Field(description="staff, resident or visitor")
    person: Line(32) | None = Field(None, description="a staff member's employee number")
    name: Line(50) = Field("", description="a resident's or visitor's name, if given")
    temperature: Line(8) = Field(description='°C with one decimal, e.g. "38.2"')
    note: Line(200) = ""


class CountsIn(Schema):
    day: Day | None = Field(None, description="the shift's day (default: the current shift)")
    shift: Line(10) | None = Field(None, description="morning, afternoon or night")
    checked: Count
    staff: Count = 0
    residents: Count = 0
    visitors: Count = 0
    fevers: Count | None = Field(
        None, description="fevers found in the shift in all (checked against those recorded)"
    )
    turned_away: Count = 0
    found: Items(FoundIn, 20) = Field([], description="the fevers found now, one by one")
    on_duty: Items(Line(32), services.MAX_ON_DUTY) | None = Field(
        None, description="employee numbers of the staff on the checkpoint"
    )
    volunteers: Items(Line(50), services.MAX_ON_DUTY) | None = Field(
        None, description="names of the volunteers on the checkpoint"
    )


class FeverOut(Schema):
    id: int
    passer: str
    person: str | None
    temperature: str
    case: int | None = Field(description="the health case opened (staff)")
    incident: int | None = Field(description="the incident filed (resident or visitor)")


class CheckpointShiftOut(Schema):
    checkpoint: str
    day: date
    shift: str
    checked: int
    staff: int
    residents: int
    visitors: int
    fevers: int
    turned_away: int
    found: list[FeverOut] = Field(description="the fevers added by this request")


def _people(user, checkpoint, numbers, field):
    numbers = [n.strip() for n in numbers]
    if field == "found":
        found = queries.find_staff(checkpoint, numbers)
    else:
        found = find_people(user, checkpoint.unit, numbers)
    for n in numbers:
        if n not in found:
            raise InvalidInput(
                {field: _("No one with the employee number %(no)s in the group.") % {"no": n}},
                code="unknown_person",
            )
    return found


@router.post(
    "/checkpoints/{code}/counts",
    response={201: CheckpointShiftOut},
    summary="Enter a checkpoint shift's counts and the fevers found",
)
@idempotent
def post_counts(request, code: Code, payload: CountsIn):
    """Counts again for the same shift replace the earlier ones; fevers are added, each
    opening a health case (staff, from the roster) or an incident (resident, visitor)."""
    user = request.user
    checkpoint = queries.get_checkpoint_for(user, code)
    now_day, now_slot = queries.current_shift(checkpoint.unit)
    staff_numbers = [f.person for f in payload.found if f.person]
    people = _people(user, checkpoint, staff_numbers, "found")
    found = [
        services.Found(
            passer=f.passer,
            temperature=f.temperature,
            person=people[f.person.strip()] if f.person else None,
            name=f.name,
            note=f.note,
        )
        for f in payload.found
    ]
    on_duty = None
    if payload.on_duty is not None:
        duty = _people(user, checkpoint, payload.on_duty, "on_duty")
        on_duty = [duty[n.strip()] for n in payload.on_duty]
    counts = payload.dict(include={"checked", "staff", "residents", "visitors", "turned_away"})
    if payload.fevers is not None:
        counts["fevers"] = payload.fevers
    shift, added = services.record_counts(
        actor=user,
        checkpoint=checkpoint,
        day=payload.day or now_day,
        slot=payload.shift or now_slot,
        counts=counts,
        found=found,
        on_duty=on_duty,
        volunteers=payload.volunteers,
        source=Source.API,
    )
    return 201, {
        "checkpoint": checkpoint.code,
        "day": shift.day,
        "shift": shift.slot,
        **{k: getattr(shift, k) for k in services.COUNTS},
        "found": [
            {
                "id": f.pk,
                "passer": f.passer,
                "person": f.person.employee_no if f.person else None,
                "temperature": str(f.temperature),
                "case": f.case_id,
                "incident": f.incident_id,
            }
            for f in added
        ],
    }


class SignInIn(Schema):
    person: Line(32) = Field(description="the staff member's employee number (the site's roster)")
    direction: Line(3) = Field("", description='"in", "out" or empty')


class SignInOut(Schema):
    id: int
    checkpoint: str
    person: str = Field(description="employee number")
    name: str
    at: datetime
    direction: str


@router.post(
    "/checkpoints/{code}/signins",
    response={201: SignInOut},
    summary="Sign a staff member in at a checkpoint (when the checkpoint turned sign-in on)",
)
@idempotent
def post_signin(request, code: Code, payload: SignInIn):
    """Who of the site's staff passed the checkpoint now; 409 `signin_off` when the
    checkpoint has not turned sign-in on. Retry under the same Idempotency-Key."""
    user = request.user
    checkpoint = queries.get_checkpoint_for(user, code)
    person = queries.find_roster_person(checkpoint, payload.person)
    if person is None:
        raise InvalidInput(
            {
                "person": _("No one with the employee number %(no)s at this site.")
                % {"no": payload.person}
            },
            code="unknown_person",
        )
    row, _created = services.sign_in(
        checkpoint=checkpoint,
        person=person,
        direction=payload.direction,
        actor=user,
        source=Source.API,
    )
    return 201, {
        "id": row.pk,
        "checkpoint": checkpoint.code,
        "person": person.employee_no,
        "name": person.name,
        "at": row.at,
        "direction": row.direction,
    }
