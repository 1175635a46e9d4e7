"""Pages of a unit's stock (物资台账): what it holds of each item, recording a receipt, an
issue, a transfer or a physical count, the stock card (库存卡) of one item with its
reversals, and the unit's transfers with the receipt form (proof of receipt). Reads are
CorePerm.VIEW over the unit (another group's unit is a 404), writes SuppliesPerm.KEEP_STOCK."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.forms import form_errors
from fangkong.core.idempotency import run_once
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import get_object_for, scope_of
from fangkong.orgs.queries import get_breadcrumbs, get_unit_for

from .. import queries, services
from ..choices import MoveKind, TransferState
from ..forms import MOVE_FORMS, ReceiveForm, ReverseForm
from ..models import Item, Move
from ..permissions import SuppliesPerm
from .common import own_unit

PAGE_SIZE = 50
# Moves a person may reverse on their own (a transfer is put right by its receiver's count).
REVERSIBLE = {MoveKind.RECEIPT, MoveKind.ISSUE, MoveKind.ADJUSTMENT}
KIND_TITLES = {
    "receipt": gettext_lazy("Record a receipt"),
    "issue": gettext_lazy("Record an issue"),
    "transfer": gettext_lazy("Send a transfer"),
    "count": gettext_lazy("Record a physical count"),
}


def may_keep(user, unit) -> bool:
    return scope_of(user, SuppliesPerm.KEEP_STOCK).covers(unit.path)


def _crumbs(request, unit, tail) -> dict:
    return {"breadcrumbs": get_breadcrumbs(request.user, unit), "breadcrumb_tail": tail}


# --- the unit's stock ------------------------------------------------------------------------


@login_required
@require_GET
def stock(request):
    unit = own_unit(request)
    # Room for the daily rate and days of cover / state: the lead's stock query fills them.
    balances = list(queries.list_balances(request.user, unit))
    incoming = queries.list_transfers_in(request.user, unit, in_transit=True).count()
    return render(
        request,
        "supplies/stock.html",
        {
            "unit": unit,
            "balances": balances,
            "incoming": incoming,
            "can_keep": may_keep(request.user, unit),
            "today": unit.local_date(),
            **_crumbs(request, unit, _("Stock ledger")),
        },
    )


def _idempotent_move(request, kind: str, fn):
    """A move form sent twice (a double tap, a resend) records once: its key is in the form."""
    key = (request.POST.get("idempotency_key") or "")[:100]
    if not key:
        return fn()
    payload = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    result, _replayed = run_once(
        owner=f"user:{request.user.pk}:supplies.{kind}", key=key, payload=payload, fn=fn
    )
    return result


def _record(request, unit, kind, data) -> dict:
    user, item = request.user, data["item"]
    if kind == "receipt":
        move = services.record_receipt(
            actor=user,
            unit=unit,
            item=item,
            quantity=data["quantity"],
            source=data["source"],
            note=data["note"],
        )
        return {"text": _("Received %(n)s %(uom)s of %(item)s.") % _said(item, move.delta)}
    if kind == "issue":
        move = services.record_issue(
            actor=user,
            unit=unit,
            item=item,
            quantity=data["quantity"],
            purpose=data["purpose"],
            note=data["note"],
        )
        return {"text": _("Issued %(n)s %(uom)s of %(item)s.") % _said(item, -move.delta)}
    if kind == "transfer":
        try:
            to_unit = get_unit_for(user, data["to_unit"].strip())
        except Http404:
            raise ServiceError(
                "unknown_unit", _("Unknown unit."), {"to_unit": [_("Unknown unit.")]}
            ) from None
        transfer = services.send_transfer(
            actor=user,
            from_unit=unit,
            to_unit=to_unit,
            item=item,
            quantity=data["quantity"],
            note=data["note"],
        )
        return {
            "text": _(
                "Sent %(n)s %(uom)s of %(item)s to %(to)s: in transit until %(to)s confirms receipt."
            )
            % {**_said(item, transfer.quantity_sent), "to": to_unit.name}
        }
    move = services.record_count(
        actor=user,
        unit=unit,
        item=item,
        counted=data["counted"],
        reason=data["reason"],
        note=data["note"],
    )
    if move is None:
        return {"text": _("The count agrees with the ledger: nothing to write.")}
    return {
        "text": _("Count recorded: the balance of %(item)s is now %(n)s %(uom)s (%(delta)s).")
        % {**_said(item, move.balance_after), "delta": f"{move.delta:+,}"}
    }


def _said(item, n) -> dict:
    return {"n": f"{n:,}", "uom": item.unit_of_measure, "item": item.name}


@login_required
@require_http_methods(["GET", "POST"])
def record(request, code: str, kind: str):
    """One form per kind of move: receipt (with its source), issue (site or purpose),
    transfer (to a unit picked; in transit until received), physical count (the counted
    quantity and why it differs; the system writes the difference)."""
    if kind not in MOVE_FORMS:
        raise Http404
    unit = get_unit_for(request.user, code)
    if not may_keep(request.user, unit):
        raise PermissionDenied
    form_class = MOVE_FORMS[kind]
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                result = _idempotent_move(
                    request, kind, lambda: _record(request, unit, kind, form.cleaned_data)
                )
            except ServiceError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, result["text"])
                return redirect(f"{reverse('supplies:stock')}?{urlencode({'unit': unit.code})}")
        status = 400
    else:
        initial = {"item": request.GET.get("item", "")}
        form, status = form_class(initial=initial), 200
    return render(
        request,
        "supplies/record.html",
        {
            "unit": unit,
            "kind": kind,
            "title": KIND_TITLES[kind],
            "form": form,
            "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex,
            **_crumbs(request, unit, KIND_TITLES[kind]),
        },
        status=status,
    )


# --- the stock card --------------------------------------------------------------------------


@login_required
@require_GET
def card(request, code: str, item: str):
    unit = get_unit_for(request.user, code)
    item_obj = Item.objects.filter(code=item).first()
    if item_obj is None:
        raise Http404
    balance = queries.list_balances(request.user, unit).filter(item=item_obj).first()
    page = Paginator(queries.list_card(request.user, unit, item_obj), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    can_keep = may_keep(request.user, unit)
    for move in page:
        move.is_reversed = _reversed(move)
        move.can_reverse = can_keep and move.kind in REVERSIBLE and not move.is_reversed
    return render(
        request,
        "supplies/card.html",
        {
            "unit": unit,
            "item": item_obj,
            "balance": balance,
            "page": page,
            "can_keep": can_keep,
            **_crumbs(request, unit, _("Stock card: %(item)s") % {"item": item_obj.name}),
        },
    )


def _reversed(move) -> bool:
    try:
        return move.reversed_by is not None
    except ObjectDoesNotExist:
        return False


@login_required
@require_POST
def move_reverse(request, move_id: int):
    """冲销: a wrong entry is put right by a new, opposite one, with what was wrong."""
    move = get_object_for(
        request.user, Move.objects.select_related("unit", "item"), CorePerm.VIEW, pk=move_id
    )
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was wrong with the entry to reverse it."))
    else:
        try:
            services.reverse_move(actor=request.user, move=move, note=form.cleaned_data["note"])
        except ServiceError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            messages.error(request, " ".join(_messages(exc)))
        else:
            messages.success(request, _("The entry has been reversed."))
    return redirect("supplies:card", move.unit.code, move.item.code)


def _messages(exc: ServiceError) -> list[str]:
    return [str(m) for ms in exc.fields.values() for m in ms] or [str(exc.message)]


# --- transfers -------------------------------------------------------------------------------


def _transfers_context(request, unit, forms=None) -> dict:
    user = request.user
    incoming = list(queries.list_transfers_in(user, unit, in_transit=True))
    forms = forms or {}
    for transfer in incoming:
        transfer.form = forms.get(transfer.pk) or ReceiveForm(prefix=f"t{transfer.pk}")
    received = Paginator(queries.list_transfers_in(user, unit, in_transit=False), 20)
    sent = Paginator(queries.list_transfers_out(user, unit), 20)
    return {
        "unit": unit,
        "incoming": incoming,
        "received": received.get_page(request.GET.get("rpage")),
        "sent": sent.get_page(request.GET.get("spage")),
        "can_keep": may_keep(user, unit),
        "in_transit": TransferState.IN_TRANSIT,
        "query": urlencode({"unit": unit.code}),
        **_crumbs(request, unit, _("Transfers")),
    }


@login_required
@require_GET
def transfers(request):
    unit = own_unit(request)
    return render(request, "supplies/transfers.html", _transfers_context(request, unit))


@login_required
@require_POST
def transfer_receive(request, transfer_id: int):
    """Proof of receipt: the quantity counted on arrival (typed, never prefilled), and why
    when it differs from what was sent; who confirmed and when are kept."""
    transfer = queries.get_transfer_for(request.user, transfer_id)
    unit = get_unit_for(request.user, transfer.to_unit.code)  # the receiver's page
    if not may_keep(request.user, unit):
        raise PermissionDenied
    form = ReceiveForm(request.POST, prefix=f"t{transfer.pk}")
    if form.is_valid():
        quantity = form.cleaned_data["quantity"]
        try:
            services.receive_transfer(
                actor=request.user,
                transfer=transfer,
                quantity=quantity,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Received %(n)s %(uom)s of %(item)s from %(from)s.")
                % {**_said(transfer.item, quantity), "from": transfer.from_unit.name},
            )
            return redirect(f"{reverse('supplies:transfer_list')}?{urlencode({'unit': unit.code})}")
    context = _transfers_context(request, unit, forms={transfer.pk: form})
    return render(request, "supplies/transfers.html", context, status=400)


urlpatterns = [
    path("stock/", stock, name="stock"),
    path("stock/<str:code>/record/<str:kind>/", record, name="stock_record"),
    path("stock/<str:code>/items/<str:item>/", card, name="card"),
    path("moves/<int:move_id>/reverse/", move_reverse, name="move_reverse"),
    path("transfers/", transfers, name="transfer_list"),
    path("transfers/<int:transfer_id>/receive/", transfer_receive, name="transfer_receive"),
]
