"""The shortfall board (缺口看板): for any subtree, which units are short of what, worst
first, with the totals per item and the children to drill into."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_breadcrumbs

from .. import queries
from ..permissions import SuppliesPerm
from .common import PAGE_SIZE, page_unit


@login_required
@require_GET
def board(request):
    unit = page_unit(request)
    code = request.GET.get("item") or ""
    catalogue = queries.catalogue()  # one read for the filter and both roll-ups
    item = next((i for i in catalogue.values() if i.code == code), None) if code else None
    items = sorted(
        (i for i in catalogue.values() if i.active), key=lambda i: (i.sort_order, i.code)
    )
    context = {"unit": unit, "item": item, "items": items}
    if unit is not None and request.GET.get("part") == "stock":
        # The subtree's stock rolled up reads every balance of it (a second or so for a
        # province): fetched by the page once it is shown, not awaited by it.
        stock = queries.list_stock(request.user, unit, subtree=True, items=catalogue)
        return render(request, "supplies/_subtree_stock.html", {"stock": stock})
    if unit is not None:
        shortfalls = queries.list_shortfalls(request.user, unit, item=item)
        short = queries.short_rows(request.user, unit)
        context.update(
            page=Paginator(shortfalls, PAGE_SIZE).get_page(request.GET.get("page")),
            totals=queries.summarize_shortfalls(request.user, unit, items=catalogue, rows=short),
            children=queries.list_short_children(request.user, unit, rows=short),
            breadcrumbs=get_breadcrumbs(request.user, unit),
            can_request=not scope_of(request.user, SuppliesPerm.KEEP_STOCK).empty,
            query=urlencode({k: v for k, v in (("unit", unit.code), ("item", code)) if v}),
        )
    return render(request, "supplies/board.html", context)
