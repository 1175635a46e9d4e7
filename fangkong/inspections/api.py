"""Inspections over JSON: visits (plan, answer item by item with photos as base64, finish),
rectification items of a subtree, their fix with evidence and its verification. Scoped
like everything else: a visit, item or unit outside the reader's scope is a 404; every
write under @idempotent runs in one transaction, a 4xx writes nothing."""

import base64
import binascii
from datetime import date, datetime
from typing import Annotated

from django.core.files.base import ContentFile
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from pydantic import StringConstraints

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Int, Items, Line, Text
from fangkong.orgs.queries import get_unit_for

from . import queries, services
from .models import Checklist, Rectification, Visit
from .validation import MAX_PHOTOS

router = Router(tags=["inspections"])

# A photo of at most 10 MB, base64-encoded (4 characters for every 3 bytes).
Base64 = Annotated[str, StringConstraints(max_length=(10 * 1024 * 1024 + 2) // 3 * 4)]


class PhotoIn(Schema):
    name: Line(200) = Field(description='file name with its type, e.g. "gate.jpg"')
    data: Base64 = Field(description="the photo, base64-encoded (at most 10 MB)")


class VisitIn(Schema):
    unit: Code
    day: Day | None = Field(None, description="default: today at the unit")
    checklist: Line(32) = Field("", description="a checklist code; default: by the unit's kind")


class OtherVisitOut(Schema):
    inspector: str
    day: date


class VisitOut(Schema):
    id: int
    unit: str
    unit_name: str
    day: date
    state: str = Field(description="planned, in_progress or done")
    checklist: str
    checklist_version: int
    inspector: str = Field(description="the inspector's name")
    others_this_week: list[OtherVisitOut] = Field(
        description="visits of the same unit by others in the same week (迎检大战)"
    )


class AnswerIn(Schema):
    item: Line(40) = Field(description="the item's code on the visit's checklist")
    result: Line(4) = Field("", description="pass, fail or na (a number item may leave it)")
    number: Int(0, 1_000_000) | None = None
    text: Line(500) = ""
    note: Line(500) = Field("", description="what was found")
    photos: Items(PhotoIn, MAX_PHOTOS) = []


class AnswersIn(Schema):
    answers: Items(AnswerIn, 100) = Field(description="all are recorded or none")
    finish: bool = Field(False, description="then finish the visit: failed items become items")
    note: Text(2000) = Field("", description="the visit's summary, when finishing")


class AnswerOut(Schema):
    item: str
    section: str
    label: str
    kind: str
    result: str | None
    number: int | None
    text: str
    note: str
    photos: int


class VisitDetailOut(VisitOut):
    answers: list[AnswerOut]
    rectifications: list[int] = Field(description="ids of the items the visit's findings became")


class VisitListQuery(PageQuery):
    unit: Code = Field("", description="a unit code: visits of its subtree")
    mine: bool = Field(False, description="only my visits")


class RectificationOut(Schema):
    id: int
    visit: int | None = Field(description="the visit that found it; none for another source")
    source: str = Field(description="where it was found, when not at a visit (a drill)")
    unit: str
    unit_name: str
    item: str = Field(description="the checklist item's code")
    title: str
    detail: str
    severity: str = Field(description="serious, normal or minor")
    state: str = Field(description="open, fixed (to verify) or closed")
    overdue: bool
    due_at: datetime
    owner: str | None = Field(description="the owner's name")
    fix_note: str
    fixed_at: datetime | None
    verified_at: datetime | None
    closed_at: datetime | None
    reopened: int
    supply_request: int | None


class RectListQuery(PageQuery):
    unit: Code
    state: Line(10) = Field("", description="open, fixed, closed, overdue; empty for all")


class FixIn(Schema):
    note: Text(2000) = Field(description="what was done")
    photos: Items(PhotoIn, MAX_PHOTOS) = Field(description="evidence, at least one")


class VerifyIn(Schema):
    accepted: bool
    note: Line(500) = Field("", description="required when not accepted")


class SupplyIn(Schema):
    quantity: Int(1, 1_000_000)
    reason: Line(300) = ""


def _name(user) -> str:
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


def _photos(photos, field: str) -> list:
    files = []
    for i, p in enumerate(photos):
        try:
            data = base64.b64decode(p.data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput({f"{field}.{i}.data": _("Not base64.")}) from None
        if not data:
            raise InvalidInput({f"{field}.{i}.data": _("The photo is empty.")})
        files.append(ContentFile(data, name=p.name))
    return files


def _visit_out(visit: Visit) -> dict:
    return {
        "id": visit.pk,
        "unit": visit.unit.code,
        "unit_name": visit.unit.name,
        "day": visit.day,
        "state": visit.state,
        "checklist": visit.checklist.checklist.code,
        "checklist_version": visit.checklist.number,
        "inspector": _name(visit.inspector),
        "others_this_week": [
            {"inspector": _name(v.inspector), "day": v.day}
            for v in queries.other_visits(visit.unit, visit.day, visit.inspector)
        ],
    }


def _visit_detail(visit: Visit) -> dict:
    answers = []
    for section in queries.visit_items(visit):
        for row in section["items"]:
            item, a = row["item"], row["answer"]
            answers.append(
                {
                    "item": item.code,
                    "section": item.section,
                    "label": item.label,
                    "kind": item.kind,
                    "result": a.result if a else None,
                    "number": a.number if a else None,
                    "text": a.text if a else "",
                    "note": a.note if a else "",
                    "photos": len(a.photos.all()) if a else 0,
                }
            )
    return _visit_out(visit) | {
        "answers": answers,
        "rectifications": list(visit.rectifications.values_list("pk", flat=True)),
    }


def _rect_out(r: Rectification) -> dict:
    return {
        "id": r.pk,
        "visit": r.visit_id,
        "source": r.source,
        "unit": r.unit.code,
        "unit_name": r.unit.name,
        "item": r.item_code,
        "title": r.title,
        "detail": r.detail,
        "severity": r.severity,
        "state": r.state,
        "overdue": r.is_overdue(),
        "due_at": r.due_at,
        "owner": r.owner.name if r.owner else None,
        "fix_note": r.fix_note,
        "fixed_at": r.fixed_at,
        "verified_at": r.verified_at,
        "closed_at": r.closed_at,
        "reopened": r.reopened,
        "supply_request": r.supply_request_id,
    }


def _unit(user, code: str, perm=None):
    try:
        return get_unit_for(user, code, perm) if perm else get_unit_for(user, code)
    except Http404:
        raise InvalidInput({"unit": _("Unknown unit code.")}, code="unknown_unit") from None


@router.get("/inspections", response=Page[VisitOut], summary="Inspection visits I can see")
def list_visits(request, query: Query[VisitListQuery]):
    unit = get_unit_for(request.user, query.unit) if query.unit else None
    rows = queries.list_visits(
        request.user, unit=unit, inspector=request.user if query.mine else None
    )
    return paginate(rows, query, out=_visit_out)


@router.post("/inspections", response={201: VisitDetailOut}, summary="Plan an inspection visit")
@idempotent
def post_visit(request, payload: VisitIn):
    """A visit of a unit by me, with the current version of the unit's checklist. The answer
    names other visits of the unit this week (迎检大战)."""
    unit = _unit(request.user, payload.unit)
    checklist = None
    if payload.checklist:
        checklist = Checklist.objects.filter(code=payload.checklist, is_active=True).first()
        if checklist is None:
            raise InvalidInput({"checklist": _("Unknown checklist code.")})
    visit = services.plan_visit(actor=request.user, unit=unit, day=payload.day, checklist=checklist)
    return 201, _visit_detail(queries.get_visit_for(request.user, visit.pk))


@router.get("/inspections/{visit_id}", response=VisitDetailOut, summary="A visit and its answers")
def get_visit(request, visit_id: Id):
    return _visit_detail(queries.get_visit_for(request.user, visit_id))


@router.post(
    "/inspections/{visit_id}/answers",
    response=VisitDetailOut,
    summary="Record answers of a visit (and finish it)",
)
@idempotent
def post_answers(request, visit_id: Id, payload: AnswersIn):
    """Answers of the visit's checklist, all or none (a field error names the answer:
    `answers.2.photos`). A failed item that asks for a photo needs one. With `finish`, the
    visit closes and each failed item becomes a rectification item."""
    visit = queries.get_visit_for(request.user, visit_id)
    for i, a in enumerate(payload.answers):
        try:
            services.record_answer(
                actor=request.user,
                visit=visit,
                item=a.item,
                result=a.result,
                number=a.number,
                text=a.text,
                note=a.note,
                photos=_photos(a.photos, f"answers.{i}.photos"),
            )
        except InvalidInput as exc:
            raise InvalidInput(
                {
                    k if k.startswith("answers.") else f"answers.{i}.{k}": v
                    for k, v in exc.fields.items()
                },
                code=exc.code,
            ) from None
    if payload.finish:
        services.finish_visit(actor=request.user, visit=visit, note=payload.note)
    return _visit_detail(queries.get_visit_for(request.user, visit.pk))


@router.get(
    "/rectifications",
    response=Page[RectificationOut],
    summary="Rectification items of a unit's subtree",
)
def list_rectifications(request, query: Query[RectListQuery]):
    if query.state and query.state not in queries.LIST_STATES:
        raise InvalidInput({"state": _("One of open, fixed, closed, overdue.")})
    unit = get_unit_for(request.user, query.unit)
    state = "" if query.state == "all" else query.state
    rows = (
        queries.list_rectifications(request.user, unit=unit, state=state)
        .order_by("due_at", "id")
        .only("id")
    )
    return paginate(rows, query, items=queries.with_related, out=_rect_out)


def _rect(request, rect_id: int) -> Rectification:
    return queries.get_rectification_for(request.user, rect_id)


@router.post(
    "/rectifications/{rect_id}/fix",
    response=RectificationOut,
    summary="Report the fix of an item, with evidence",
)
@idempotent
def post_fix(request, rect_id: Id, payload: FixIn):
    """The owner unit's fix: a note and at least one photo (base64), or 400 naming them."""
    rect = _rect(request, rect_id)
    services.report_fix(
        actor=request.user, rect=rect, note=payload.note, photos=_photos(payload.photos, "photos")
    )
    return _rect_out(_rect(request, rect_id))


@router.post(
    "/rectifications/{rect_id}/verify",
    response=RectificationOut,
    summary="Verify a fix: close the item, or reopen it",
)
@idempotent
def post_verify(request, rect_id: Id, payload: VerifyIn):
    """By someone other than the fixer (400 `fixer_verifies`): the visit's inspector or
    the epidemic office."""
    rect = _rect(request, rect_id)
    services.verify_fix(actor=request.user, rect=rect, accepted=payload.accepted, note=payload.note)
    return _rect_out(_rect(request, rect_id))


@router.post(
    "/rectifications/{rect_id}/supply-request",
    response={201: RectificationOut},
    summary="Raise the supply request of a finding of supplies short",
)
@idempotent
def post_supply_request(request, rect_id: Id, payload: SupplyIn):
    rect = _rect(request, rect_id)
    services.request_supplies(
        actor=request.user, rect=rect, quantity=payload.quantity, reason=payload.reason
    )
    return 201, _rect_out(_rect(request, rect_id))
