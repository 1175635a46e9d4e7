"""Scoped reads of donations. A campaign is seen by everyone whose scope lies inside its
subtree (a liaison of a site sees the group's call) or holds it; gifts, totals and goods
only within the reader's scope; one person's amount only under VIEW_PERSONAL_GIFTS on the
gift's unit, and every read of such amounts is in the access log (as health data is)."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from fangkong.core.audit import log_read
from fangkong.core.fields import subtree_q
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import Scope, scope_of
from fangkong.orgs.models import Unit

from .choices import CampaignState
from .models import Campaign, Gift, GoodsDonation, Remittance, yuan
from .permissions import DonationPerm

PERSONAL = DonationPerm.VIEW_PERSONAL_GIFTS


def _ancestor_paths(paths) -> set[str]:
    out = set()
    for path in paths:
        parts = [p for p in path.split("/") if p]
        for i in range(1, len(parts) + 1):
            out.add("/" + "/".join(parts[:i]) + "/")
    return out


def list_campaigns(user, *, state: str = "") -> QuerySet[Campaign]:
    scope = scope_of(user, CorePerm.VIEW)
    rows = Campaign.objects.select_related("unit")
    if not scope.everything:
        rows = rows.filter(scope.q("unit_path") | Q(unit_path__in=_ancestor_paths(scope.paths)))
    if state in CampaignState.values:
        rows = rows.filter(state=state)
    return rows


def get_campaign_for(user, campaign_id) -> Campaign:
    try:
        campaign_id = int(campaign_id)
    except (TypeError, ValueError):
        raise Http404 from None
    campaign = list_campaigns(user).filter(pk=campaign_id).first()
    if campaign is None:
        raise Http404
    return campaign


def default_unit(user, campaign: Campaign) -> Unit | None:
    """Where the reader's view of a campaign starts: its unit when they see it whole,
    else the top of their scope inside it."""
    scope = scope_of(user, CorePerm.VIEW)
    if scope.covers(campaign.unit_path):
        return campaign.unit
    inside = [p for p in scope.paths if p.startswith(campaign.unit_path)]
    return Unit.objects.filter(path__in=inside).order_by("path").first()


def check_unit(user, campaign: Campaign, unit: Unit) -> None:
    """A unit outside the campaign (or the reader's scope) is a 404."""
    if not unit.path.startswith(campaign.unit_path) and not campaign.unit_path.startswith(
        unit.path
    ):
        raise Http404
    if not scope_of(user, CorePerm.VIEW).covers(unit.path):
        raise Http404


@dataclass
class Row:
    unit: Unit
    total_fen: int = 0
    gifts: int = 0
    donors: int = 0
    personal: int = 0
    collective: int = 0
    has_children: bool = False
    own: bool = False  # the unit's own gifts, not its children's

    @property
    def total(self) -> str:
        return yuan(self.total_fen)


@dataclass
class Totals:
    unit: Unit
    total_fen: int = 0
    gifts: int = 0
    donors: int = 0
    remitted_fen: int = 0
    rows: list[Row] = field(default_factory=list)

    @property
    def total(self) -> str:
        return yuan(self.total_fen)

    @property
    def remitted(self) -> str:
        return yuan(self.remitted_fen)


def get_totals(user, campaign: Campaign, unit: Unit) -> Totals:
    """The campaign's gifts in `unit`'s subtree, and by child unit rolled up (its own
    gifts on a row of their own): totals, gifts and donors (people who gave, plus units
    that gave as a whole). Two queries, whatever the size of the tree."""
    check_unit(user, campaign, unit)
    grouped = (
        Gift.objects.filter(campaign=campaign)
        .filter(subtree_q("unit_path", unit.path))
        .values("unit_path")
        .annotate(
            total=Sum("amount_fen"),
            n=Count("id"),
            people=Count("person", distinct=True),
            collective=Count("id", filter=Q(person__isnull=True)),
        )
    )
    children = list(Unit.objects.filter(parent=unit).order_by("sort_order", "id"))
    with_children = set(
        Unit.objects.filter(parent__in=children)
        .order_by()
        .values_list("parent_id", flat=True)
        .distinct()
    )
    by_id = {c.pk: Row(c, has_children=c.pk in with_children) for c in children}
    own = Row(unit, own=True)
    totals = Totals(unit)
    depth = len([p for p in unit.path.split("/") if p])
    for g in grouped:
        parts = [p for p in g["unit_path"].split("/") if p]
        row = own if len(parts) == depth else by_id.get(int(parts[depth]))
        if row is None:
            continue
        row.total_fen += g["total"]
        row.gifts += g["n"]
        row.personal += g["n"] - g["collective"]
        row.collective += g["collective"]
        row.donors += g["people"] + g["collective"]
    rows = list(by_id.values())
    if own.gifts:
        rows.insert(0, own)
    for r in rows:
        totals.total_fen += r.total_fen
        totals.gifts += r.gifts
        totals.donors += r.donors
    totals.rows = rows
    if unit.path.startswith(campaign.unit_path) and unit.pk == campaign.unit_id:
        totals.remitted_fen = (
            Remittance.objects.filter(campaign=campaign).aggregate(s=Sum("amount_fen"))["s"] or 0
        )
    return totals


def personal_scope(user) -> Scope:
    return scope_of(user, PERSONAL)


def list_gifts(user, campaign: Campaign, unit: Unit) -> list[Gift]:
    """The gifts of `unit` itself (not its subtree), newest first. Each has `shown`: whether
    the reader may see its amount (a unit's collective gift always; a person's only under
    VIEW_PERSONAL_GIFTS). Reading personal amounts is logged, once per unit and request."""
    check_unit(user, campaign, unit)
    gifts = list(
        Gift.objects.filter(campaign=campaign, unit=unit)
        .select_related("person", "unit", "entered_by")
        .order_by("-day", "-id")
    )
    personal = personal_scope(user)
    may = personal.covers(unit.path)
    for g in gifts:
        g.shown = g.person_id is None or may  # type: ignore[attr-defined]
    if may and any(g.person_id for g in gifts):
        log_read(user, "view", "donation_gifts", campaign.pk, unit.path)
    return gifts


def list_subtree_gifts(user, campaign: Campaign, unit: Unit) -> QuerySet[Gift]:
    """Every gift of the subtree the reader may see (for exports and the API)."""
    check_unit(user, campaign, unit)
    return (
        Gift.objects.filter(campaign=campaign)
        .filter(subtree_q("unit_path", unit.path))
        .filter(scope_of(user, CorePerm.VIEW).q("unit_path"))
        .select_related("person", "unit")
        .order_by("unit_path", "-day", "-id")
    )


def list_remittances(user, campaign: Campaign) -> QuerySet[Remittance]:
    return Remittance.objects.filter(campaign=campaign).select_related("recorded_by")


def list_goods(user, *, campaign: Campaign | None = None, unit: Unit | None = None):
    rows = GoodsDonation.objects.visible_to(user).select_related("unit", "item", "campaign")
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    return rows


def get_goods_for(user, goods_id) -> GoodsDonation:
    try:
        goods_id = int(goods_id)
    except (TypeError, ValueError):
        raise Http404 from None
    row = list_goods(user).filter(pk=goods_id).first()
    if row is None:
        raise Http404
    return row


def units_missing_gifts(user, campaign: Campaign, units) -> list[Unit]:
    """Of `units`, those inside the open campaign with no gift entered yet."""
    units = [u for u in units if u.path.startswith(campaign.unit_path)]
    if not units:
        return []
    q = Q()
    for u in units:
        q |= subtree_q("unit_path", u.path)
    have = set(Gift.objects.filter(campaign=campaign).filter(q).values_list("unit_path", flat=True))
    return [u for u in units if not any(p.startswith(u.path) for p in have)]
