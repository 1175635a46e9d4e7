"""Distribution of a received batch (seed 003: the market regulator's supplies handed out
by the office): shares proposed by need, each with its reason, edited, then shipped as
transfers tracked to receipt."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.errors import ServiceError
from fangkong.orgs.models import Unit

from .. import queries, services
from ..models import Balance, Item
from ..permissions import SuppliesPerm
from .common import page_unit, typed_int


@login_required
@require_http_methods(["GET", "POST"])
def distribute(request):
    unit = page_unit(request, SuppliesPerm.KEEP_STOCK)
    data = request.POST if request.method == "POST" else request.GET
    item = Item.objects.filter(code=data.get("item") or "", active=True).first()
    held = (
        Balance.objects.filter(unit=unit, item=item).values_list("quantity", flat=True).first()
        if unit is not None and item is not None
        else None
    ) or 0
    errors: list = []
    try:
        quantity = typed_int(data.get("quantity"))
    except ValueError:
        quantity, errors = None, [_("Give the quantity to distribute as a whole number.")]
    if quantity is None and item is not None and not errors:
        quantity = held
    shares = (
        queries.propose_distribution(request.user, unit, item, quantity)
        if unit is not None and item is not None and quantity
        else []
    )
    if request.method == "POST" and unit is not None and item is not None:
        chosen, bad = [], []
        codes = request.POST.getlist("share_unit")
        values = request.POST.getlist("share_quantity")
        units = {u.code: u for u in Unit.objects.visible_to(request.user).filter(code__in=codes)}
        for code, value in zip(codes, values, strict=False):
            try:
                n = typed_int(value)
            except ValueError:
                bad.append(code)
                continue
            if code not in units:
                bad.append(code)
            elif n:
                chosen.append((units[code], n))
        if bad:
            errors.append(
                _("Give each share as a whole number (rows: %(rows)s).")
                % {"rows": "、".join(units[c].name if c in units else c for c in bad)}
            )
        else:
            try:
                made = services.distribute(
                    actor=request.user,
                    from_unit=unit,
                    item=item,
                    shares=chosen,
                    note=request.POST.get("note", ""),
                )
            except ServiceError as exc:
                errors += [m for ms in (exc.fields or {}).values() for m in ms] or [exc.message]
            else:
                messages.success(
                    request,
                    _("%(n)s shipments are on their way; each unit confirms what arrives.")
                    % {"n": made.transfers.count()},
                )
                return redirect(f"{request.path}?unit={unit.code}")
    past = queries.list_distributions(request.user, unit) if unit is not None else []
    return render(
        request,
        "supplies/distribute.html",
        {
            "unit": unit,
            "item": item,
            "items": queries.list_items(),
            "held": held,
            "quantity": quantity,
            "shares": shares,
            "errors": errors,
            "perm": SuppliesPerm.KEEP_STOCK,
            "past": Paginator(past, 20).get_page(request.GET.get("page")) if unit else None,
        },
    )
