"""The daily bulletin over HTTP: one bulletin of a unit and day as JSON (its snapshot of
figures, each with the link to its source page, and the office's sections), as Word
(.docx) and as PDF. A unit outside the caller's scope, or a bulletin the caller may not
see (a draft, for a viewer), is a 404."""

from datetime import date, datetime

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.schemas import Code, Line
from fangkong.orgs.queries import get_unit_for

from . import queries, services
from .views import file_response

router = Router(tags=["bulletins"])
DayText = Line(10)  # YYYY-MM-DD; another text is a 404 (no such bulletin)


class BulletinFigureOut(Schema):
    label: str
    value: int | float | str | None
    change: int | float | None = Field(None, description="since the same time yesterday")
    url: str = Field(description="the source page of the figure")


class BulletinItemOut(Schema):
    text: str
    url: str


class BulletinSectionOut(Schema):
    key: str
    title: str
    url: str
    figures: list[BulletinFigureOut]
    items: list[BulletinItemOut]
    note: str


class BulletinOut(Schema):
    unit: str = Field(description="the unit's code")
    unit_name: str
    day: date
    as_of: datetime = Field(description="the figures are the facts as of this moment")
    number: int = Field(description="第N期, per unit and year")
    year: int
    title: str
    state: str = Field(description="draft, approved or published")
    sections: list[BulletinSectionOut]
    instructions: str
    deeds: str
    next_steps: str
    approved_by: str | None
    approved_at: datetime | None
    published_at: datetime | None


def _bulletin(request, unit: Code, day: DayText):
    try:
        the_day = date.fromisoformat(day)
    except ValueError as exc:
        raise Http404 from exc
    return queries.get_bulletin_for(request.user, get_unit_for(request.user, unit), the_day)


@router.get("/bulletins/{unit}/{day}.docx", summary="A daily bulletin as Word (.docx)")
def get_bulletin_docx(request, unit: Code, day: DayText) -> HttpResponse:
    return file_response(_bulletin(request, unit, day), "docx")


@router.get("/bulletins/{unit}/{day}.pdf", summary="A daily bulletin as PDF")
def get_bulletin_pdf(request, unit: Code, day: DayText) -> HttpResponse:
    return file_response(_bulletin(request, unit, day), "pdf")


def _out(b) -> dict:
    return {
        "unit": b.unit.code,
        "unit_name": b.unit.name,
        "day": b.day,
        "as_of": b.as_of,
        "number": b.number,
        "year": b.year,
        "title": services.title_of(b),
        "state": b.state,
        "sections": b.sections,
        "instructions": b.instructions,
        "deeds": b.deeds,
        "next_steps": b.next_steps,
        "approved_by": b.approved_by.username if b.approved_by else None,
        "approved_at": b.approved_at,
        "published_at": b.published_at,
    }


@router.get("/bulletins/{unit}/{day}", response=BulletinOut, summary="A daily bulletin")
def get_bulletin(request, unit: Code, day: DayText):
    return _out(_bulletin(request, unit, day))


@router.post(
    "/bulletins/{unit}/{day}",
    response={201: BulletinOut},
    summary="Generate (or take again the figures of) a draft bulletin",
)
@idempotent
def post_bulletin(request, unit: Code, day: DayText):
    """The epidemic office makes the draft of `day` with the figures as of now (today) or
    the end of that day (a past day); a day in the future is a 400 naming `day`, an
    approved bulletin a 409, a unit outside the scope a 404."""
    the_unit = get_unit_for(request.user, unit)
    try:
        the_day = date.fromisoformat(day)
    except ValueError as exc:
        raise InvalidInput({"day": [_("A day as YYYY-MM-DD.")]}) from exc
    b = services.generate_bulletin(actor=request.user, unit=the_unit, day=the_day)
    return 201, _out(b)
