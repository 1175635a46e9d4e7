"""Enter once: the daily report's supply figures derived from the ledger (registered with
reporting.prefill): masks in stock is the balance of every grade of mask held in the
unit's subtree (less the subtrees filing their own report) at the end of the day — now
for today, the closing balance of the day's or the last earlier day row for a past day.
Nothing when no mask was ever kept in the ledger there: no figure nobody counted."""

from datetime import date

from django.db.models import OuterRef, Subquery, Sum

from fangkong.core.fields import subtree_q
from fangkong.reporting.prefill import is_outside

from .choices import Category
from .models import Balance, StockDay


def derive(unit, day: date, exclude: tuple[str, ...]) -> dict:
    masks = {"item__category": Category.MASK}
    if day >= unit.local_date():
        rows = (
            Balance.objects.filter(subtree_q("unit_path", unit.path), **masks)
            .values_list("unit_path")
            .annotate(n=Sum("quantity"))
        )
        kept = [(path, n) for path, n in rows if is_outside(path, exclude)]
        return {"masks_in_stock": sum(n for _p, n in kept)} if kept else {}
    latest = (
        StockDay.objects.filter(
            unit_id=OuterRef("unit_id"), item_id=OuterRef("item_id"), day__lte=day
        )
        .order_by("-day")
        .values("day")[:1]
    )
    rows = (
        StockDay.objects.filter(subtree_q("unit_path", unit.path), day__lte=day, **masks)
        .filter(day=Subquery(latest))
        .values_list("unit_path", "closing")
    )
    kept = [(path, n) for path, n in rows if is_outside(path, exclude)]
    return {"masks_in_stock": sum(n for _p, n in kept)} if kept else {}
