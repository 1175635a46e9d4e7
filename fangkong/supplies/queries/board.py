"""Stock with days of cover, rolled up a subtree, and the shortfall board."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Max, Q, Sum

from fangkong.core.fields import subtree_q
from fangkong.core.permissions import CorePerm

from .. import cover
from ..choices import CoverState
from ..cover import assess
from ..models import Balance, Item

SHORT = cover.SEVERITY[CoverState.BELOW]
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


def catalogue() -> dict[int, Item]:
    """Every item by id (active or not: a balance may be of a retired item), read once by
    a page that rolls up several figures."""
    return {item.pk: item for item in Item.objects.all()}


def list_stock(user, unit, *, subtree: bool = False, items=None) -> list[StockLine]:
    """One line per item the unit (or, with `subtree`, any unit in its subtree) holds:
    balance, daily rate and days of cover. Rolled up, the rate and the balance are sums
    and the state is the subtree's as a whole (the units short are counted beside it).
    `items`: the `catalogue()` when the caller has read it already."""
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
    items = items if items is not None else catalogue()
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
    # prefetch, not select_related: with the joins SQLite walks the (item, unit_path)
    # index over every balance of the province (0.5 s for the root) instead of the short
    # lines' own index (its statistics cannot tell that few lines are short).
    short = (
        Balance.objects.visible_to(user, CorePerm.VIEW)
        .filter(subtree_q("unit_path", unit.path), severity__gte=SHORT)
        .prefetch_related("unit", "item")
    )
    if item is not None:
        short = short.filter(item=item)
    return short.order_by(
        "-severity", F("days_of_cover").asc(nulls_first=True), "-shortfall", "unit_path", "item_id"
    )


def short_rows(user, unit) -> list[tuple]:
    """(item id, severity, shortfall, unit path) of every line of the subtree out of stock
    or below safety: one read of the (severity, unit_path, item, shortfall) index, from
    which the board's totals and drill-down are both counted (a GROUP BY item makes
    SQLite walk the (item, unit_path) index and every row of the subtree instead)."""
    return list(
        Balance.objects.visible_to(user, CorePerm.VIEW)
        .filter(subtree_q("unit_path", unit.path), severity__gte=SHORT)
        .values_list("item_id", "severity", "shortfall", "unit_path")
    )


def summarize_shortfalls(user, unit, *, items=None, rows=None) -> list[dict]:
    """Totals of the board per item: units short, out of stock, and the quantity short.
    `rows`: the `short_rows` when the caller has read them already."""
    out_severity = cover.SEVERITY[CoverState.OUT]
    totals: dict[int, dict] = {}
    for item_id, severity, shortfall, _path in rows if rows is not None else short_rows(user, unit):
        total = totals.setdefault(item_id, {"units": 0, "out": 0, "short": 0})
        total["units"] += 1
        total["out"] += severity == out_severity
        total["short"] += shortfall
    items = items if items is not None else catalogue()
    result = [{**total, "item": items[item_id]} for item_id, total in totals.items()]
    result.sort(key=lambda r: (-r["out"], -r["units"], r["item"].sort_order))
    return result


def list_short_children(user, unit, *, rows=None) -> list[tuple]:
    """[(child unit, lines short in its subtree)] for the board's drill-down: the children
    with something short, most first. `rows`: as for `summarize_shortfalls`."""
    children = list(unit.children.order_by("sort_order", "code"))
    counts: dict[str, int] = {}
    for _item, _severity, _shortfall, path in rows if rows is not None else short_rows(user, unit):
        for child in children:
            if path.startswith(child.path):
                counts[child.path] = counts.get(child.path, 0) + 1
                break
    short = [(child, counts[child.path]) for child in children if child.path in counts]
    short.sort(key=lambda pair: -pair[1])
    return short


def holds_stock(user, unit) -> bool:
    """Whether any unit of the subtree has a line in the ledger (one indexed probe)."""
    return (
        Balance.objects.visible_to(user, CorePerm.VIEW)
        .filter(subtree_q("unit_path", unit.path))
        .exists()
    )
