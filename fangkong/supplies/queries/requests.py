"""Requests up the tree and the proposal of a distribution by need."""

from dataclasses import dataclass

from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.core.fields import subtree_q
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of
from fangkong.orgs.models import Unit

from .. import cover
from ..choices import CoverState, RequestState
from ..models import Balance, Distribution, Request
from ..permissions import SuppliesPerm
from .board import list_shortfalls

SHORT = cover.SEVERITY[CoverState.BELOW]
# -- requests -------------------------------------------------------------------------


def list_ship_from(user, req, limit: int = 30):
    """The balances a request could be shipped from: units of the deciding level's
    subtree that the user keeps stock of and that hold the item, the fullest first."""
    return list(
        Balance.objects.visible_to(user, SuppliesPerm.KEEP_STOCK)
        .filter(subtree_q("unit_path", req.at_path), item=req.item, quantity__gt=0)
        .select_related("unit")
        .order_by("-quantity", "unit_path")[:limit]
    )


def list_requests(user, unit, *, waiting: bool | None = None):
    """Requests filed in the unit's subtree or waiting at a level in it."""
    scope = scope_of(user, CorePerm.VIEW)
    requests = Request.objects.filter(scope.q("unit_path") | scope.q("at_path")).filter(
        subtree_q("unit_path", unit.path) | subtree_q("at_path", unit.path)
    )
    if waiting is True:
        requests = requests.filter(state=RequestState.OPEN)
    return requests.select_related("unit", "for_unit", "at_unit", "item", "transfer")


def get_request_for(user, request_id) -> Request:
    """A request the user may see from the asking side or the deciding side; else 404."""
    scope = scope_of(user, CorePerm.VIEW)
    found = (
        Request.objects.filter(scope.q("unit_path") | scope.q("at_path"))
        .select_related("unit", "for_unit", "at_unit", "item", "transfer", "created_by")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def list_requests_to_decide(user):
    """Open requests waiting at a level the user may decide for."""
    scope = scope_of(user, SuppliesPerm.DECIDE_REQUESTS)
    return (
        Request.objects.filter(scope.q("at_path"), state=RequestState.OPEN)
        .exclude(created_by=user)
        .select_related("unit", "for_unit", "at_unit", "item")
        .order_by("due_at")
    )


# -- distribution ---------------------------------------------------------------------


@dataclass
class Share:
    unit: Unit
    need: int
    quantity: int
    reason: str
    request: Request | None = None


def propose_distribution(user, from_unit, item, quantity: int) -> list[Share]:
    """Who should get what of `quantity` of `item` from `from_unit`'s stock: units below it
    with a request waiting or approved (what they asked or were granted) and units short of
    it on the board (what brings them back to their safety level), in that order of need;
    each in full when there is enough, else in proportion (largest remainders)."""
    shares: dict[int, Share] = {}
    waiting = (
        list_requests(user, from_unit)
        .filter(
            item=item,
            transfer__isnull=True,
            state__in=(RequestState.OPEN, RequestState.APPROVED, RequestState.PROCURING),
        )
        .filter(subtree_q("at_path", from_unit.path))
        .exclude(for_unit=from_unit)
        .order_by("-urgency", "created_at")
    )
    for request in waiting:
        if request.for_unit_id in shares:
            continue
        need = request.approved_quantity or request.quantity
        reason = _("Asked for %(n)s (%(urgency)s), %(state)s") % {
            "n": need,
            "urgency": request.get_urgency_display(),
            "state": request.get_state_display(),
        }
        shares[request.for_unit_id] = Share(request.for_unit, need, 0, reason, request)
    for balance in list_shortfalls(user, from_unit, item=item).exclude(unit=from_unit):
        if balance.unit_id in shares or balance.shortfall <= 0:
            continue
        if balance.state == CoverState.OUT:
            reason = _("Out of stock: %(short)s to reach the safety level") % {
                "short": balance.shortfall
            }
        else:
            reason = _("%(days)s days of cover: %(short)s to reach the safety level") % {
                "days": balance.days_of_cover if balance.days_of_cover is not None else "—",
                "short": balance.shortfall,
            }
        shares[balance.unit_id] = Share(balance.unit, balance.shortfall, 0, reason)
    proposed = list(shares.values())
    total = sum(share.need for share in proposed)
    if total <= quantity:
        for share in proposed:
            share.quantity = share.need
        return proposed
    exact = [share.need * quantity / total for share in proposed]
    for share, value in zip(proposed, exact, strict=True):
        share.quantity = int(value)
    left = quantity - sum(share.quantity for share in proposed)
    by_remainder = sorted(
        range(len(proposed)), key=lambda i: exact[i] - proposed[i].quantity, reverse=True
    )
    for i in by_remainder[:left]:
        proposed[i].quantity += 1
    for share in proposed:
        share.reason = _("%(reason)s; %(pct)s%% of the need, in proportion") % {
            "reason": share.reason,
            "pct": round(100 * share.quantity / share.need) if share.need else 0,
        }
    return proposed


def list_distributions(user, unit):
    return (
        Distribution.objects.visible_to(user, CorePerm.VIEW)
        .filter(subtree_q("unit_path", unit.path))
        .select_related("from_unit", "item", "by")
        .prefetch_related("transfers__to_unit")
    )
