"""Reads of the supplies ledger, scoped like everything else."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.core.fields import subtree_q
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of
from fangkong.orgs.models import Unit

from . import cover
from .choices import CoverState, RequestState, TransferState
from .cover import assess
from .models import Balance, Distribution, Item, Move, Request, Transfer
from .permissions import SuppliesPerm

SHORT = cover.SEVERITY[CoverState.BELOW]


def list_items(*, active_only: bool = True):
    items = Item.objects.all()
    return items.filter(active=True) if active_only else items


def list_balances(user, unit):
    """The unit's own stock, one row per item it has ever held."""
    return (
        Balance.objects.visible_to(user, CorePerm.VIEW)
        .filter(unit=unit)
        .select_related("item")
        .order_by("item__sort_order", "item__code")
    )


def list_moves(user, unit, item=None):
    """The stock card: the unit's moves, newest first (of one item if given)."""
    moves = Move.objects.visible_to(user, CorePerm.VIEW).filter(unit=unit)
    if item is not None:
        moves = moves.filter(item=item)
    return moves.select_related("item", "by", "transfer")


def get_transfer_for(user, transfer_id) -> Transfer:
    """A transfer the user may see from either end; any other is a 404."""
    scope = scope_of(user, CorePerm.VIEW)
    found = (
        Transfer.objects.filter(scope.q("unit_path") | scope.q("to_path"))
        .select_related("from_unit", "to_unit", "item")
        .filter(pk=transfer_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


# -- stock with days of cover, the shortfall board ------------------------------------


@dataclass
class StockLine:
    item: Item
    balance: int
    rate: Decimal | None
    days_of_cover: Decimal | None
    state: str
    shortfall: int = 0
    units_short: int = 0
    updated_at: object = None

    @property
    def state_label(self):
        return CoverState(self.state).label


def list_stock(user, unit, *, subtree: bool = False) -> list[StockLine]:
    """One line per item the unit (or, with `subtree`, any unit in its subtree) holds:
    balance, daily rate and days of cover. Rolled up, the rate and the balance are sums
    and the state is the subtree's as a whole (the units short are counted beside it)."""
    balances = Balance.objects.visible_to(user, CorePerm.VIEW)
    if not subtree:
        return [
            StockLine(
                b.item,
                b.quantity,
                b.rate,
                b.days_of_cover,
                b.state,
                b.shortfall,
                int(b.severity >= SHORT),
                b.updated_at,
            )
            for b in balances.filter(unit=unit)
            .select_related("item")
            .order_by("item__sort_order", "item__code")
        ]
    rows = (
        balances.filter(subtree_q("unit_path", unit.path))
        .values("item")
        .annotate(
            balance=Sum("quantity"),
            rate=Sum("rate"),
            shortfall=Sum("shortfall", filter=Q(severity__gte=SHORT)),
            units_short=Count("id", filter=Q(severity__gte=SHORT)),
            updated_at=Max("updated_at"),
        )
    )
    items = {item.pk: item for item in Item.objects.all()}
    lines = []
    for row in rows:
        item = items[row["item"]]
        rate = row["rate"] if not item.durable else None
        assessed = assess(quantity=row["balance"], rate=rate, durable=item.durable, level=None)
        lines.append(
            StockLine(
                item,
                row["balance"],
                assessed.rate,
                assessed.days_of_cover,
                assessed.state,
                row["shortfall"] or 0,
                row["units_short"],
                row["updated_at"],
            )
        )
    lines.sort(key=lambda line: (line.item.sort_order, line.item.code))
    return lines


def list_shortfalls(user, unit, *, item=None):
    """The board: every (unit, item) of the subtree out of stock or below its safety
    level, worst first (out of stock, then the fewest days of cover, the biggest gap)."""
    short = (
        Balance.objects.visible_to(user, CorePerm.VIEW)
        .filter(subtree_q("unit_path", unit.path), severity__gte=SHORT)
        .select_related("unit", "item")
    )
    if item is not None:
        short = short.filter(item=item)
    return short.order_by(
        "-severity", F("days_of_cover").asc(nulls_first=True), "-shortfall", "unit_path", "item_id"
    )


def summarize_shortfalls(user, unit) -> list[dict]:
    """Totals of the board per item: units short, out of stock, and the quantity short."""
    rows = (
        Balance.objects.visible_to(user, CorePerm.VIEW)
        .filter(subtree_q("unit_path", unit.path), severity__gte=SHORT)
        .values("item")
        .annotate(
            units=Count("id"),
            out=Count("id", filter=Q(severity=cover.SEVERITY[CoverState.OUT])),
            short=Sum("shortfall"),
        )
    )
    items = {item.pk: item for item in Item.objects.all()}
    result = [{**row, "item": items[row["item"]]} for row in rows]
    result.sort(key=lambda r: (-r["out"], -r["units"], r["item"].sort_order))
    return result


def count_short_by_child(user, unit) -> dict[int, int]:
    """{child unit id: lines short in its subtree}, for the board's drill-down."""
    children = {child.path: child.pk for child in unit.children.all()}
    counts: dict[int, int] = {}
    rows = (
        Balance.objects.visible_to(user, CorePerm.VIEW)
        .filter(subtree_q("unit_path", unit.path), severity__gte=SHORT)
        .values_list("unit_path")
        .annotate(n=Count("id"))
    )
    for path, n in rows:
        for child_path, pk in children.items():
            if path.startswith(child_path):
                counts[pk] = counts.get(pk, 0) + n
                break
    return counts


# -- requests -------------------------------------------------------------------------


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


def list_transfers_to_confirm(user):
    """Transfers in transit to units the user keeps stock of."""
    scope = scope_of(user, SuppliesPerm.KEEP_STOCK)
    return (
        Transfer.objects.filter(scope.q("to_path"), state=TransferState.IN_TRANSIT)
        .select_related("from_unit", "to_unit", "item")
        .order_by("sent_at")
    )


def transfer_url(transfer) -> str:
    """Where the receiving unit confirms a transfer."""
    from django.urls import reverse

    return reverse("supplies:request_list")
