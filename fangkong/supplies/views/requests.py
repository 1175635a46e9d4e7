"""Requests up the tree (物资申请): a unit asks the level above; that level approves (in
full or in part, shipping from stock or to be procured), rejects or passes it up."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.forms import service_errors
from fangkong.core.scope import scope_of
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import get_unit_for, search_units

from .. import queries, services
from ..choices import RequestState, Urgency
from ..models import Item
from ..permissions import SuppliesPerm
from .common import PAGE_SIZE, page_unit, typed_int


@login_required
@require_GET
def request_list(request):
    unit = page_unit(request)
    show = request.GET.get("show") or "all"
    context = {"unit": unit, "show": show}
    if unit is not None:
        rows = queries.list_requests(request.user, unit, waiting=show == "waiting" or None)
        context.update(
            page=Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
            to_decide=list(queries.list_requests_to_decide(request.user)[:20]),
            query=urlencode({"unit": unit.code, "show": show}),
        )
    return render(request, "supplies/request_list.html", context)


def _unit_from(request, name, perm=None):
    code = (request.POST.get(name) or "").strip()
    if not code:
        return None
    try:
        return get_unit_for(request.user, code, perm) if perm else get_unit_for(request.user, code)
    except Http404:
        return False


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    errors: dict = {}
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        unit = _unit_from(request, "unit", SuppliesPerm.KEEP_STOCK)
        for_unit = _unit_from(request, "for_unit")
        item = Item.objects.filter(code=request.POST.get("item", ""), active=True).first()
        try:
            quantity = typed_int(request.POST.get("quantity"))
        except ValueError:
            quantity, errors["quantity"] = None, [_("Give a whole number.")]
        if not unit:
            errors["unit"] = [_("Choose the unit that asks.")]
        if for_unit is False:
            errors["for_unit"] = [_("Choose a unit you can see.")]
        if item is None:
            errors["item"] = [_("Choose an item.")]
        if quantity is None and "quantity" not in errors:
            errors["quantity"] = [_("Give the quantity needed.")]
        if not errors:
            try:
                created = services.file_request(
                    actor=request.user,
                    unit=unit,
                    for_unit=for_unit or None,
                    item=item,
                    quantity=quantity,
                    urgency=request.POST.get("urgency") or Urgency.NORMAL,
                    reason=request.POST.get("reason", ""),
                )
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                messages.success(
                    request,
                    _("The request has been sent to %(unit)s.") % {"unit": created.at_unit.name},
                )
                return redirect("supplies:request_detail", created.pk)
    # The asking unit: the one whose stock is short's parent when the board sent us here
    # and the user keeps that one's stock, else the user's own first unit.
    for_code = (data.get("for_unit") or "").strip()
    default_unit = data.get("unit") or ""
    if not default_unit and for_code:
        target = Unit.objects.visible_to(request.user).filter(code=for_code).first()
        if target is not None and target.parent_id:
            keepers = search_units(request.user, perm=SuppliesPerm.KEEP_STOCK, limit=50)
            codes = {u.pk: u.code for u in keepers}
            parent = Unit.objects.get(pk=target.parent_id)
            default_unit = codes.get(parent.pk) or (codes.get(target.pk) or "")
    if not default_unit:
        first = next(iter(search_units(request.user, perm=SuppliesPerm.KEEP_STOCK, limit=1)), None)
        default_unit = first.code if first else ""
    return render(
        request,
        "supplies/request_new.html",
        {
            "errors": errors,
            "data": data,
            "default_unit": default_unit,
            "items": queries.list_items(),
            "urgencies": Urgency.choices,
            "perm": SuppliesPerm.KEEP_STOCK,
        },
    )


@login_required
@require_GET
def request_detail(request, request_id: int):
    req = queries.get_request_for(request.user, request_id)
    may_decide = (
        req.state == RequestState.OPEN
        and scope_of(request.user, SuppliesPerm.DECIDE_REQUESTS).covers(req.at_path)
        and req.created_by_id != request.user.pk
    )
    may_ship = req.state in (RequestState.APPROVED, RequestState.PROCURING) and scope_of(
        request.user, SuppliesPerm.DECIDE_REQUESTS
    ).covers(req.at_path)
    return render(
        request,
        "supplies/request_detail.html",
        {
            "req": req,
            "events": req.events.select_related("at_unit", "by"),
            "may_decide": may_decide,
            "may_ship": may_ship,
            "own": req.created_by_id == request.user.pk,
            "ship_choices": queries.list_ship_from(request.user, req)
            if may_decide or may_ship
            else [],
            "can_pass_up": req.at_unit.parent_id is not None,
        },
    )


@login_required
@require_POST
def request_decide(request, request_id: int):
    req = queries.get_request_for(request.user, request_id)
    decision = request.POST.get("decision", "")
    ship_from = _unit_from(request, "ship_from", SuppliesPerm.KEEP_STOCK)
    try:
        quantity = typed_int(request.POST.get("quantity"))
    except ValueError:
        messages.error(request, _("Give the quantity approved as a whole number."))
        return redirect("supplies:request_detail", req.pk)
    try:
        if request.POST.get("action") == "ship":
            if not ship_from:
                messages.error(request, _("Choose the stock to ship from."))
                return redirect("supplies:request_detail", req.pk)
            services.ship_request(actor=request.user, request=req, ship_from=ship_from)
            messages.success(request, _("Shipped: the unit confirms what arrives."))
        else:
            services.decide_request(
                actor=request.user,
                request=req,
                decision=decision,
                quantity=quantity,
                note=request.POST.get("note", ""),
                ship_from=ship_from or None,
                procure=request.POST.get("procure") == "1",
            )
            messages.success(request, _("The decision is recorded and the unit told."))
    except ServiceError as exc:
        for field_errors in (exc.fields or {}).values():
            for message in field_errors:
                messages.error(request, message)
        if not exc.fields:
            messages.error(request, exc.message)
    return redirect("supplies:request_detail", req.pk)
