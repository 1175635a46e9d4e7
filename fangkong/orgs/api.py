"""Units and people over JSON. Every endpoint reads through the scoped queries:
what the caller's roles do not cover is a 404."""

from datetime import date

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Int, Line

from . import queries, services
from .models import Person, Unit

router = Router(tags=["orgs"])


class LiaisonOut(Schema):
    id: int
    name: str
    phone: str


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    site_kind: str
    parent: str | None = Field(None, alias="parent.code")
    depth: int
    is_key_unit: bool
    timezone: str
    active_from: date | None
    active_to: date | None
    hosts_epidemic_office: bool
    liaison: LiaisonOut | None
    dhis2_code: str


class UnitCreate(Schema):
    code: Code
    name: Line(100)
    kind: Line(20)
    parent: Code
    site_kind: Line(20) = ""
    is_key_unit: bool = False
    timezone: Line(64) = "Asia/Shanghai"
    active_from: Day | None = None
    active_to: Day | None = None
    hosts_epidemic_office: bool = False
    liaison: Id | None = None
    sort_order: Int(0) = 0
    dhis2_code: Line(50) = ""


class UnitPatch(Schema):
    code: Code | None = None
    name: Line(100) | None = None
    kind: Line(20) | None = None
    site_kind: Line(20) | None = None
    is_key_unit: bool | None = None
    timezone: Line(64) | None = None
    active_from: Day | None = None
    active_to: Day | None = None
    hosts_epidemic_office: bool | None = None
    liaison: Id | None = None
    sort_order: Int(0) | None = None
    dhis2_code: Line(50) | None = None


class MoveIn(Schema):
    parent: Code


class UnitFilter(Schema):
    parent: Code | None = None
    q: Line(100) = ""
    offset: Int(0) = 0
    limit: Int(1, 5000) = 500


def _unit_in_scope(request, code: str, field: str) -> Unit:
    """A unit named in a request body: unknown or out of scope is a field error."""
    try:
        return queries.get_unit_for(request.user, code)
    except Http404 as exc:
        raise InvalidInput({field: _("Unknown unit code.")}, code="unknown_unit") from exc


def _person_in_scope(request, person_id: int | None, field: str) -> Person | None:
    if person_id is None:
        return None
    try:
        return queries.get_person_for(request.user, person_id)
    except Http404 as exc:
        raise InvalidInput({field: _("Unknown person.")}, code="unknown_person") from exc


@router.get("/units", response=list[UnitOut], summary="Units in scope")
def list_units(request, response: HttpResponse, filters: Query[UnitFilter]):
    """Units in the caller's scope, in tree order; `X-Total-Count` gives the total."""
    parent = queries.get_unit_for(request.user, filters.parent) if filters.parent else None
    units = queries.list_units(request.user, parent=parent, q=filters.q.strip())
    response["X-Total-Count"] = str(units.count())
    window = units.select_related("liaison")[filters.offset : filters.offset + filters.limit]
    return list(window)


@router.get("/units/{code}", response=UnitOut)
def get_unit(request, code: Code):
    return queries.get_unit_for(request.user, code)


@router.get("/units/{code}/children", response=list[UnitOut])
def unit_children(request, code: Code):
    unit = queries.get_unit_for(request.user, code)
    return list(unit.children.select_related("parent", "liaison").order_by("sort_order", "code"))


@router.post("/units", response={201: UnitOut}, summary="Create a unit (unit admins)")
@idempotent
def create_unit(request, payload: UnitCreate):
    data = payload.dict()
    parent = _unit_in_scope(request, data.pop("parent"), "parent")
    liaison = _person_in_scope(request, data.pop("liaison"), "liaison")
    unit = services.create_unit(actor=request.user, parent=parent, liaison=liaison, **data)
    return 201, Unit.objects.select_related("parent", "liaison").get(pk=unit.pk)


@router.patch("/units/{code}", response=UnitOut)
@idempotent
def update_unit(request, code: Code, payload: UnitPatch):
    unit = queries.get_unit_for(request.user, code)
    data = payload.dict(exclude_unset=True)
    if "liaison" in data:
        data["liaison"] = _person_in_scope(request, data["liaison"], "liaison")
    services.update_unit(actor=request.user, unit=unit, **data)
    return Unit.objects.select_related("parent", "liaison").get(pk=unit.pk)


@router.post("/units/{code}/move", response=UnitOut)
@idempotent
def move_unit(request, code: Code, payload: MoveIn):
    unit = queries.get_unit_for(request.user, code)
    new_parent = _unit_in_scope(request, payload.parent, "parent")
    unit = services.move_unit(actor=request.user, unit=unit, new_parent=new_parent)
    return Unit.objects.select_related("parent", "liaison").get(pk=unit.pk)


class FamilyIn(Schema):
    name: Line(50)
    relation: Line(20)
    phone: Line(32) = ""


class FamilyOut(Schema):
    name: str
    relation: str
    phone: str


class PersonOut(Schema):
    id: int
    employee_no: str
    name: str
    gender: str
    phone: str
    id_number: str = Field(..., alias="id_number_masked")
    is_party_member: bool
    position: str
    is_active: bool
    unit: str = Field(..., alias="unit.code")
    unit_name: str = Field(..., alias="unit.name")


class PersonDetailOut(PersonOut):
    family: list[FamilyOut] = Field(..., alias="family_list")


class PersonCreate(Schema):
    unit: Code
    employee_no: Line(32)
    name: Line(50)
    gender: Line(10) = ""
    phone: Line(32) = ""
    id_number: Line(32) = ""
    is_party_member: bool = False
    position: Line(50) = ""
    family: list[FamilyIn] = Field([], max_length=50)


class PersonPatch(Schema):
    unit: Code | None = None
    employee_no: Line(32) | None = None
    name: Line(50) | None = None
    gender: Line(10) | None = None
    phone: Line(32) | None = None
    id_number: Line(32) | None = None
    is_party_member: bool | None = None
    position: Line(50) | None = None
    family: list[FamilyIn] | None = Field(None, max_length=50)


class PeopleFilter(PageQuery):
    unit: Code | None = None
    party: bool | None = None
    position: Line(50) = ""
    q: Line(100) = ""


def _detail(person: Person) -> Person:
    person.family_list = list(person.family_members.all())
    return person


@router.get("/people", response=Page[PersonOut], summary="People in scope, paginated")
def list_people(request, filters: Query[PeopleFilter]):
    unit = queries.get_unit_for(request.user, filters.unit) if filters.unit else None
    people = queries.list_people(
        request.user,
        unit=unit,
        party=filters.party,
        position=filters.position.strip(),
        q=filters.q.strip(),
    )
    page = paginate(people, filters)
    return page


@router.get("/people/{person_id}", response=PersonDetailOut)
def get_person(request, person_id: Id):
    person = queries.get_person_for(request.user, person_id)
    return _detail(person)


@router.post("/people", response={201: PersonDetailOut})
@idempotent
def create_person(request, payload: PersonCreate):
    data = payload.dict()
    unit = _unit_in_scope(request, data.pop("unit"), "unit")
    person = services.create_person(actor=request.user, unit=unit, **data)
    return 201, _detail(queries.get_person_for(request.user, person.pk))


@router.patch("/people/{person_id}", response=PersonDetailOut)
@idempotent
def update_person(request, person_id: Id, payload: PersonPatch):
    person = queries.get_person_for(request.user, person_id)
    data = payload.dict(exclude_unset=True)
    if data.get("unit"):
        data["unit"] = _unit_in_scope(request, data["unit"], "unit")
    else:
        data.pop("unit", None)
    services.update_person(actor=request.user, person=person, **data)
    return _detail(queries.get_person_for(request.user, person.pk))
