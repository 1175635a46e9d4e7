"""Donations over JSON: campaigns, gifts and totals rolled up the tree. Scoped like
everything else: a campaign or unit outside the reader's scope is a 404; one person's
amount is `null` unless the reader may see personal gifts of that unit (logged)."""

from datetime import date

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.audit import log_read
from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Int, Line, Text
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.queries import get_unit_for
from fangkong.orgs.services import group_of

from . import queries, services
from .choices import GiftSource
from .models import Campaign, Gift, yuan

router = Router(tags=["donations"])

Amount = Line(20) | Int(1, services.MAX_GIFT_FEN // 100)


class CampaignOut(Schema):
    id: int
    unit: str = Field(description="the organizing unit's code")
    unit_name: str
    name: str
    call_text: str
    start_day: date
    end_day: date | None
    target: str | None = Field(description="yuan, two decimals")
    recipient: str
    state: str


class CampaignListQuery(PageQuery):
    state: Line(10) = Field("", description="open or closed; empty for all")


class CampaignIn(Schema):
    unit: Code
    name: Line(100)
    recipient: Line(100)
    start_day: Day
    end_day: Day | None = None
    target: Amount | None = Field(None, description='yuan, e.g. "50000" or "50000.00"')
    call_text: Text(5000) = ""


class GiftIn(Schema):
    unit: Code = Field(description="the giving unit (or the person's unit or one above it)")
    person: Line(32) | None = Field(
        None, description="the person's employee number; none for the unit's collective gift"
    )
    amount: Amount = Field(description='yuan with at most two decimals, e.g. "200.50"')
    day: Day | None = Field(None, description="the day given (default: today at the unit)")
    note: Line(200) = ""


class GiftOut(Schema):
    id: int
    campaign: int
    unit: str
    unit_name: str
    person: str | None = Field(description="the person's employee number")
    person_name: str | None
    amount: str | None = Field(description="yuan; null when personal and not yours to see")
    day: date


class TotalsQuery(Schema):
    unit: Code


class TotalsRowOut(Schema):
    unit: str
    name: str
    own: bool = Field(description="the unit's own gifts, not its children's")
    total: str
    gifts: int
    donors: int


class TotalsOut(Schema):
    campaign: int
    unit: str
    total: str = Field(description="yuan, two decimals")
    gifts: int
    donors: int = Field(description="people who gave plus units that gave as a whole")
    remitted: str | None = Field(description="passed to the recipient (the campaign's unit)")
    children: list[TotalsRowOut]


class GiftListQuery(PageQuery):
    unit: Code


def _campaign_out(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "unit": c.unit.code,
        "unit_name": c.unit.name,
        "name": c.name,
        "call_text": c.call_text,
        "start_day": c.start_day,
        "end_day": c.end_day,
        "target": yuan(c.target_fen) or None,
        "recipient": c.recipient,
        "state": c.state,
    }


def _gift_out(g: Gift, shown: bool) -> dict:
    return {
        "id": g.pk,
        "campaign": g.campaign_id,
        "unit": g.unit.code,
        "unit_name": g.unit.name,
        "person": g.person.employee_no if g.person else None,
        "person_name": g.person.name if g.person else None,
        "amount": g.amount if shown else None,
        "day": g.day,
    }


def _unit(user, code: str, field: str = "unit") -> Unit:
    try:
        return get_unit_for(user, code)
    except Http404:
        raise InvalidInput({field: _("Unknown unit code.")}, code="unknown_unit") from None


@router.get(
    "/donations/campaigns", response=Page[CampaignOut], summary="Donation campaigns I can see"
)
def list_campaigns(request, query: Query[CampaignListQuery]):
    return paginate(
        queries.list_campaigns(request.user, state=query.state), query, out=_campaign_out
    )


@router.post(
    "/donations/campaigns", response={201: CampaignOut}, summary="Open a donation campaign"
)
@idempotent
def post_campaign(request, payload: CampaignIn):
    """A call to donate of a unit's epidemic office, for the unit's subtree."""
    unit = _unit(request.user, payload.unit)
    if payload.end_day and payload.end_day < payload.start_day:
        raise InvalidInput({"end_day": _("The end comes after the start.")})
    campaign = services.create_campaign(
        actor=request.user,
        unit=unit,
        name=payload.name,
        recipient=payload.recipient,
        start_day=payload.start_day,
        end_day=payload.end_day,
        target=str(payload.target) if payload.target is not None else None,
        call_text=payload.call_text,
    )
    return 201, _campaign_out(Campaign.objects.select_related("unit").get(pk=campaign.pk))


@router.post(
    "/donations/campaigns/{campaign_id}/gifts",
    response={201: GiftOut},
    summary="Enter a money gift (a person's or a unit's)",
)
@idempotent
def post_gift(request, campaign_id: Id, payload: GiftIn):
    """Amounts in yuan as text (\"1200.50\") or a whole number; a float is never money.
    The Idempotency-Key header makes a retried or double-clicked gift count once."""
    campaign = queries.get_campaign_for(request.user, campaign_id)
    unit = _unit(request.user, payload.unit)
    person = None
    if payload.person:
        person = (
            Person.objects.visible_to(request.user)
            .filter(group=group_of(unit), employee_no=payload.person.strip())
            .first()
        )
        if person is None:
            raise InvalidInput(
                {"person": _("No one with this employee number in the unit's group.")},
                code="unknown_person",
            )
    gift, _created = services.record_gift(
        actor=request.user,
        campaign=campaign,
        unit=unit,
        person=person,
        amount=str(payload.amount),
        day=payload.day,
        note=payload.note,
        source=GiftSource.API,
    )
    return 201, _gift_out(gift, True)


@router.get(
    "/donations/campaigns/{campaign_id}/totals",
    response=TotalsOut,
    summary="A campaign's totals in a unit's subtree, by child unit",
)
def totals(request, campaign_id: Id, filters: Query[TotalsQuery]):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    unit = get_unit_for(request.user, filters.unit)
    t = queries.get_totals(request.user, campaign, unit)
    return {
        "campaign": campaign.pk,
        "unit": unit.code,
        "total": t.total,
        "gifts": t.gifts,
        "donors": t.donors,
        "remitted": t.remitted if unit.pk == campaign.unit_id else None,
        "children": [
            {
                "unit": r.unit.code,
                "name": r.unit.name,
                "own": r.own,
                "total": r.total,
                "gifts": r.gifts,
                "donors": r.donors,
            }
            for r in t.rows
        ],
    }


@router.get(
    "/donations/campaigns/{campaign_id}/gifts",
    response=Page[GiftOut],
    summary="The gifts of a unit's subtree",
)
def list_gifts(request, campaign_id: Id, query: Query[GiftListQuery]):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    unit = get_unit_for(request.user, query.unit)
    rows = queries.list_subtree_gifts(request.user, campaign, unit)
    personal = queries.personal_scope(request.user)

    def items(page):
        shown = [(g, g.person_id is None or personal.covers(g.unit_path)) for g in page]
        for path in sorted({g.unit_path for g, ok in shown if ok and g.person_id}):
            log_read(request.user, "view", "donation_gifts", campaign.pk, path)
        return [_gift_out(g, ok) for g, ok in shown]

    return paginate(rows, query, items=items)
