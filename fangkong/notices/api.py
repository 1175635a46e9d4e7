"""Orders and notices over JSON: list and issue, the receipts of a notice per subtree,
read, acknowledge (签收), re-remind and forward. Scoped: a notice neither issued nor
received in the caller's subtree is a 404, acknowledging it too."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import AwareMoment, Code, Id, Items, Line, Text
from fangkong.orgs.queries import get_unit_for

from . import queries, services
from .permissions import NoticePerm

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    kind: str
    number: str
    title: str
    state: str
    issuer: str = Field(description="the issuing unit's code")
    signer: str
    body: str = Field(description="sanitized HTML")
    cover_note: str
    original: int | None
    reply_by: datetime | None
    issued_at: datetime | None
    receipts: int


class NoticeQuery(PageQuery):
    box: Line(8) = Field("all", description="inbox, sent or all")


class NoticeIn(Schema):
    kind: Line(12) = Field(description="order, notice, forwarded or instruction")
    title: Line(200)
    body: Text(100000) = ""
    recipients: Items(Code, 500) = Field(description="unit codes: each a subtree")
    issuer: Code | None = Field(None, description="the issuing unit (default: the caller's)")
    unit_kinds: Items(Line(20), 10) = []
    site_kinds: Items(Line(20), 20) = []
    role: Line(20) = Field("", description="addressed to the holders of this role")
    reply_by: AwareMoment | None = None
    signer: Line(50) = ""


class NoticeTallyOut(Schema):
    unit: str | None
    name: str
    total: int
    read: int
    acked: int
    replied: int


class NoticeReceiptOut(Schema):
    id: int
    notice: int
    unit: str
    unit_name: str
    person: str
    delivered_at: datetime
    read_at: datetime | None
    read_by: str
    acked_at: datetime | None
    reply: str
    done: bool
    replied_at: datetime | None


class NoticeReceiptsOut(Schema):
    tally: NoticeTallyOut
    children: list[NoticeTallyOut]
    receipts: Page[NoticeReceiptOut]


class NoticeReceiptQuery(PageQuery):
    unit: Code | None = None
    owing: Line(8) = Field("", description="read, ack or reply: only those still owing it")


class NoticeAckIn(Schema):
    reply: Text(4000) = ""
    done: bool = Field(False, description="已落实: carried out")


class NoticeForwardIn(Schema):
    unit: Code | None = Field(None, description="the forwarding unit (default: the caller's)")
    cover_note: Text(4000) = ""
    recipients: Items(Code, 500) = []
    unit_kinds: Items(Line(20), 10) = []
    site_kinds: Items(Line(20), 20) = []
    role: Line(20) = ""
    reply_by: AwareMoment | None = None


class NoticeReminderOut(Schema):
    level: int
    units: int
    at: datetime


def _notice_out(notice) -> dict:
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "number": notice.number,
        "title": notice.title,
        "state": notice.state,
        "issuer": notice.issuer.code,
        "signer": notice.signer_name,
        "body": notice.body,
        "cover_note": notice.cover_note,
        "original": notice.original_id,
        "reply_by": notice.reply_by,
        "issued_at": notice.issued_at,
        "receipts": notice.receipt_count,
    }


def _tally_out(tally) -> dict:
    return {
        "unit": tally.unit.code if tally.unit else None,
        "name": tally.unit.name if tally.unit else "",
        "total": tally.total,
        "read": tally.read,
        "acked": tally.acked,
        "replied": tally.replied,
    }


def _receipt_out(r) -> dict:
    return {
        "id": r.pk,
        "notice": r.notice_id,
        "unit": r.unit.code,
        "unit_name": r.unit.name,
        "person": r.person.get_username() if r.person else "",
        "delivered_at": r.delivered_at,
        "read_at": r.read_at,
        "read_by": r.read_by.get_username() if r.read_by else "",
        "acked_at": r.acked_at,
        "reply": r.reply,
        "done": r.done,
        "replied_at": r.replied_at,
    }


def _units(user, codes, field: str) -> list:
    units = []
    for code in codes:
        try:
            units.append(get_unit_for(user, code))
        except Http404:
            from fangkong.orgs.models import Unit

            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                raise InvalidInput(
                    {field: _("No such unit: %(code)s") % {"code": code}}, code="unknown_unit"
                ) from None
            units.append(unit)  # the superior, checked by the service
    return units


def _own_unit(user, code, perm):
    if code:
        return get_unit_for(user, code, perm)
    from fangkong.core.scope import scope_of
    from fangkong.orgs.models import Unit

    scope = scope_of(user, perm)
    unit = (
        Unit.objects.filter(path__in=scope.paths).order_by("depth").first() if scope.paths else None
    )
    if unit is None:
        raise InvalidInput({"issuer": _("Name the issuing unit.")})
    return unit


@router.get("/notices", response=Page[NoticeOut], summary="Notices issued or received")
def list_notices(request, query: Query[NoticeQuery]):
    rows = queries.list_notices(request.user, query.box)
    return paginate(rows, query, out=_notice_out)


@router.post("/notices", response={201: NoticeOut}, summary="Issue a notice")
@idempotent
def post_notice(request, payload: NoticeIn):
    """Issued at once when the issuer needs no approval (or the caller leads it), else
    waiting for a leading-group member (`state` pending). A notice to no one: 400
    `no_recipients` naming `recipients`."""
    issuer = _own_unit(request.user, payload.issuer, NoticePerm.ISSUE_NOTICES)
    notice = services.draft_notice(
        actor=request.user,
        issuer=issuer,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        recipients=_units(request.user, payload.recipients, "recipients"),
        unit_kinds=payload.unit_kinds,
        site_kinds=payload.site_kinds,
        role=payload.role,
        reply_by=payload.reply_by,
        signer_name=payload.signer,
    )
    notice.refresh_from_db()
    return 201, _notice_out(notice)


@router.get("/notices/{notice_id}", response=NoticeOut, summary="One notice")
def get_notice(request, notice_id: Id):
    return _notice_out(queries.get_notice_for(request.user, notice_id))


@router.get(
    "/notices/{notice_id}/receipts", response=NoticeReceiptsOut, summary="Receipts per subtree"
)
def get_receipts(request, notice_id: Id, query: Query[NoticeReceiptQuery]):
    """The counts in the subtree of `unit` (default: all) with one row per child unit
    (drill-down), and the receipts themselves, paginated. A forwarded chain rolls up to
    its first notice."""
    notice = queries.get_notice_for(request.user, notice_id)
    unit = None
    if query.unit:
        from fangkong.orgs.models import Unit

        unit = Unit.objects.filter(code=query.unit).first()
        if unit is None:
            raise Http404
    tally = queries.get_tally(request.user, notice, unit)
    rows = queries.list_receipts(request.user, notice, unit, query.owing)
    return {
        "tally": _tally_out(tally),
        "children": [_tally_out(c) for c in tally.children],
        "receipts": paginate(rows, query, out=_receipt_out),
    }


@router.post("/notices/{notice_id}/read", response=dict, summary="Mark a notice read")
@idempotent
def post_read(request, notice_id: Id):
    notice = queries.get_notice_for(request.user, notice_id)
    return {"marked": services.mark_read(user=request.user, notice=notice)}


@router.post(
    "/notices/{notice_id}/ack", response=list[NoticeReceiptOut], summary="Acknowledge (签收)"
)
@idempotent
def post_ack(request, notice_id: Id, payload: NoticeAckIn):
    """For the caller's units; a withdrawn notice: 409 `withdrawn`; not a recipient: 403."""
    notice = queries.get_notice_for(request.user, notice_id)
    receipts = services.acknowledge(
        actor=request.user, notice=notice, reply=payload.reply, done=payload.done
    )
    for r in receipts:
        r.read_by = r.acked_by = None
    return [
        _receipt_out(r)
        for r in queries.list_receipts(request.user, notice).filter(pk__in=[r.pk for r in receipts])
    ]


@router.post(
    "/notices/{notice_id}/remind", response=NoticeReminderOut, summary="Re-remind the laggards"
)
@idempotent
def post_remind(request, notice_id: Id):
    """At most every 5 minutes: 429 `too_soon` with Retry-After and the time of the next."""
    notice = queries.get_notice_for(request.user, notice_id)
    reminder = services.remind(actor=request.user, notice=notice)
    return {"level": reminder.level, "units": reminder.units, "at": reminder.at}


@router.post("/notices/{notice_id}/forward", response={201: NoticeOut}, summary="Forward (转发)")
@idempotent
def post_forward(request, notice_id: Id, payload: NoticeForwardIn):
    notice = queries.get_notice_for(request.user, notice_id)
    unit = _own_unit(request.user, payload.unit, NoticePerm.ISSUE_NOTICES)
    forward = services.forward_notice(
        actor=request.user,
        notice=notice,
        issuer=unit,
        cover_note=payload.cover_note,
        recipients=_units(request.user, payload.recipients, "recipients") or None,
        unit_kinds=payload.unit_kinds,
        site_kinds=payload.site_kinds,
        role=payload.role,
        reply_by=payload.reply_by,
    )
    forward.refresh_from_db()
    return 201, _notice_out(forward)
