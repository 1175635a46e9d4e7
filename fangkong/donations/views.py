"""Pages of donations: campaigns, a campaign's totals by unit with drill-down, entering and
importing gifts, the transfer to the recipient, goods received and given with their
certificates, the thank-you list and the public-notice draft."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.forms import parse_day, service_errors
from fangkong.core.scope import scope_of
from fangkong.core.xlsx import watermark_line, xlsx_response
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.queries import get_breadcrumbs, get_unit_for, list_root_units
from fangkong.orgs.services import group_of
from fangkong.supplies.models import Item

from . import excel, queries, services
from .certificate import certificate_pdf
from .choices import CampaignState, GoodsDirection
from .models import Remittance
from .notice import notice_text

PAGE_SIZE = 30


def _may(user, perm, path: str) -> bool:
    return scope_of(user, perm).covers(path)


def _campaign_url(campaign, unit=None) -> str:
    url = reverse("donations:campaign_detail", args=[campaign.pk])
    return f"{url}?{urlencode({'unit': unit.code})}" if unit is not None else url


@login_required
@require_GET
def campaign_list(request):
    state = request.GET.get("state") or ""
    page = Paginator(queries.list_campaigns(request.user, state=state), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for c in page:
        unit = queries.default_unit(request.user, c)
        rows.append((c, unit, queries.get_totals(request.user, c, unit) if unit else None))
    return render(
        request,
        "donations/campaign_list.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "can_create": not scope_of(request.user, services.MANAGE).empty,
            "can_goods": not scope_of(request.user, services.ENTER).empty,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    if scope_of(request.user, services.MANAGE).empty:
        raise Http404
    errors, data = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        code = (request.POST.get("unit") or "").strip()
        try:
            unit = get_unit_for(request.user, code, services.MANAGE) if code else None
        except Http404:
            unit = None
        if unit is None:
            errors = {"unit": [_("Choose the unit whose staff are called on.")]}
        else:
            try:
                campaign = services.create_campaign(
                    actor=request.user,
                    unit=unit,
                    name=request.POST.get("name", ""),
                    recipient=request.POST.get("recipient", ""),
                    start_day=parse_day(request.POST.get("start_day", "")),
                    end_day=parse_day(request.POST.get("end_day", "")),
                    target=request.POST.get("target", "").strip() or None,
                    call_text=request.POST.get("call_text", ""),
                )
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                messages.success(request, _("The campaign is open: units can enter their gifts."))
                return redirect("donations:campaign_detail", campaign.pk)
    default = list_root_units(request.user, services.MANAGE).first()
    return render(
        request,
        "donations/campaign_new.html",
        {"errors": errors, "data": data, "default_unit": default, "perm": services.MANAGE},
    )


@login_required
@require_GET
def campaign_detail(request, campaign_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    code = (request.GET.get("unit") or "").strip()
    unit = (
        get_unit_for(request.user, code) if code else queries.default_unit(request.user, campaign)
    )
    if unit is None:
        raise Http404
    totals = queries.get_totals(request.user, campaign, unit)
    gifts = queries.list_gifts(request.user, campaign, unit)
    user = request.user
    top = unit.pk == campaign.unit_id
    left = services.collected_fen(campaign) - services.remitted_fen(campaign) if top else None
    return render(
        request,
        "donations/campaign_detail.html",
        {
            "campaign": campaign,
            "unit": unit,
            "totals": totals,
            "gifts": gifts,
            "hidden_personal": sum(1 for g in gifts if not g.shown),
            "crumbs": [
                u for u in get_breadcrumbs(user, unit) if u.path.startswith(campaign.unit_path)
            ],
            "remittances": queries.list_remittances(user, campaign) if top else [],
            "goods": queries.list_goods(user, campaign=campaign, unit=unit)[:20],
            "is_top": top,
            "open": campaign.state == CampaignState.OPEN,
            "can_enter": _may(user, services.ENTER, unit.path)
            or not scope_of(user, services.ENTER).empty,
            "can_manage": _may(user, services.MANAGE, campaign.unit_path),
            "left": left,
            "left_yuan": services.yuan(left or 0),
        },
    )


@login_required
@require_POST
def campaign_close(request, campaign_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    try:
        services.close_campaign(actor=request.user, campaign=campaign)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The campaign is closed."))
    return redirect("donations:campaign_detail", campaign.pk)


def _find_person(user, unit: Unit, number: str) -> Person | None:
    number = (number or "").strip()
    if not number:
        return None
    return (
        Person.objects.visible_to(user)
        .filter(group=group_of(unit), employee_no=number)
        .select_related("unit")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def gift_new(request, campaign_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    if scope_of(request.user, services.ENTER).empty:
        raise Http404
    errors, data = {}, request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        code = (request.POST.get("unit") or "").strip()
        try:
            unit = get_unit_for(request.user, code, services.ENTER) if code else None
        except Http404:
            unit = None
        if unit is None:
            errors = {"unit": [_("Choose the giving unit.")]}
        else:
            number = request.POST.get("person", "")
            person = _find_person(request.user, unit, number)
            if number.strip() and person is None:
                errors = {"person": [_("No one with this employee number in the unit's group.")]}
            else:
                try:
                    gift, created = services.record_gift(
                        actor=request.user,
                        campaign=campaign,
                        unit=unit,
                        person=person,
                        amount=request.POST.get("amount", ""),
                        day=parse_day(request.POST.get("day", "")),
                        note=request.POST.get("note", ""),
                        entry_key=(request.POST.get("entry_key") or "")[:64] or None,
                    )
                except ServiceError as exc:
                    errors = service_errors(request, exc)
                else:
                    if created:
                        messages.success(
                            request,
                            _("%(amount)s yuan from %(who)s entered.")
                            % {"amount": gift.amount, "who": person.name if person else unit.name},
                        )
                    else:
                        messages.info(
                            request, _("This gift had already been entered (sent twice).")
                        )
                    if request.POST.get("again"):
                        url = reverse("donations:gift_new", args=[campaign.pk])
                        return redirect(f"{url}?{urlencode({'unit': unit.code})}")
                    return redirect(_campaign_url(campaign, gift.unit))
    default = (
        data.get("unit") or (queries.default_unit(request.user, campaign) or campaign.unit).code
    )
    return render(
        request,
        "donations/gift_new.html",
        {
            "campaign": campaign,
            "errors": errors,
            "data": data,
            "default_unit": default,
            "perm": services.ENTER,
            "entry_key": uuid.uuid4().hex,
            "today": timezone.localdate().isoformat(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def gift_import(request, campaign_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    if scope_of(request.user, services.ENTER).empty:
        raise Http404
    result = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose the filled-in sheet to upload."))
        else:
            result = services.import_gifts(actor=request.user, campaign=campaign, upload=upload)
            if result.ok:
                messages.success(
                    request,
                    _("Imported %(n)s gifts, %(amount)s yuan in all.")
                    % {"n": result.imported, "amount": services.yuan(result.total_fen)},
                )
                return redirect("donations:campaign_detail", campaign.pk)
    return render(
        request,
        "donations/gift_import.html",
        {
            "campaign": campaign,
            "general": [e for e in (result.errors if result else []) if e.row == 0],
            "row_errors": [e for e in (result.errors if result else []) if e.row],
        },
    )


@login_required
@require_GET
def gift_template(request, campaign_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    scope = scope_of(request.user, services.ENTER)
    units = Unit.objects.filter(scope.q("path")).filter(path__startswith=campaign.unit_path)
    examples = list(units.order_by("path").values_list("code", "name")[:50])
    return xlsx_response(excel.gift_template(campaign, examples), "donations-template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def remittance_new(request, campaign_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    if not _may(request.user, services.MANAGE, campaign.unit_path):
        raise Http404
    errors, data = {}, request.POST if request.method == "POST" else {}
    left = services.collected_fen(campaign) - services.remitted_fen(campaign)
    if request.method == "POST":
        try:
            services.record_remittance(
                actor=request.user,
                campaign=campaign,
                amount=request.POST.get("amount", ""),
                day=parse_day(request.POST.get("day", "")),
                voucher_no=request.POST.get("voucher_no", ""),
                recipient=request.POST.get("recipient", ""),
                receipt=request.FILES.get("receipt"),
                note=request.POST.get("note", ""),
            )
        except ServiceError as exc:
            errors = service_errors(request, exc)
        else:
            messages.success(request, _("The transfer to the recipient is recorded."))
            return redirect("donations:campaign_detail", campaign.pk)
    return render(
        request,
        "donations/remittance_new.html",
        {
            "campaign": campaign,
            "errors": errors,
            "data": data,
            "left": services.yuan(left),
            "today": timezone.localdate().isoformat(),
        },
    )


@login_required
@require_GET
def remittance_receipt(request, campaign_id: int, remittance_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    item = Remittance.objects.filter(campaign=campaign, pk=remittance_id).first()
    if item is None or not item.receipt:
        raise Http404
    try:
        return FileResponse(item.receipt.open("rb"), as_attachment=True, filename=item.receipt_name)
    except FileNotFoundError:
        raise Http404 from None


@login_required
@require_GET
def thanks_export(request, campaign_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    code = (request.GET.get("unit") or "").strip()
    unit = (
        get_unit_for(request.user, code) if code else queries.default_unit(request.user, campaign)
    )
    if unit is None:
        raise Http404
    totals = queries.get_totals(request.user, campaign, unit)
    log_access(request, "export", "donation_list", campaign.pk, unit.path, {"format": "excel"})
    return xlsx_response(excel.thanks_workbook(request.user, campaign, totals), "thanks.xlsx")


@login_required
@require_GET
def notice(request, campaign_id: int):
    campaign = queries.get_campaign_for(request.user, campaign_id)
    unit = queries.default_unit(request.user, campaign)
    if unit is None:
        raise Http404
    totals = queries.get_totals(request.user, campaign, unit)
    remitted = services.remitted_fen(campaign) if unit.pk == campaign.unit_id else 0
    return render(
        request,
        "donations/notice.html",
        {"campaign": campaign, "unit": unit, "text": notice_text(campaign, totals, remitted)},
    )


@login_required
@require_GET
def goods_list(request):
    direction = request.GET.get("direction") or ""
    rows = queries.list_goods(request.user)
    if direction in GoodsDirection.values:
        rows = rows.filter(direction=direction)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "donations/goods_list.html",
        {
            "page": page,
            "direction": direction,
            "can_enter": not scope_of(request.user, services.ENTER).empty,
        },
    )


def _goods_form(request, direction: str):
    if scope_of(request.user, services.ENTER).empty:
        raise Http404
    received = direction == GoodsDirection.RECEIVED
    errors, data = {}, request.POST if request.method == "POST" else request.GET
    campaigns = list(queries.list_campaigns(request.user, state=CampaignState.OPEN)[:20])
    if request.method == "POST":
        code = (request.POST.get("unit") or "").strip()
        try:
            unit = get_unit_for(request.user, code, services.ENTER) if code else None
        except Http404:
            unit = None
        item = Item.objects.filter(code=request.POST.get("item", ""), active=True).first()
        campaign = next((c for c in campaigns if str(c.pk) == request.POST.get("campaign")), None)
        try:
            quantity = int((request.POST.get("quantity") or "").strip())
        except ValueError:
            quantity = None
        if unit is None:
            errors = {"unit": [_("Choose the unit.")]}
        elif item is None:
            errors = {"item": [_("Choose the item.")]}
        elif quantity is None:
            errors = {"quantity": [_("Give a whole number.")]}
        else:
            common = dict(
                actor=request.user,
                unit=unit,
                item=item,
                quantity=quantity,
                campaign=campaign,
                day=parse_day(request.POST.get("day", "")),
                note=request.POST.get("note", ""),
            )
            try:
                if received:
                    goods = services.receive_goods(
                        donor=request.POST.get("counterpart", ""), **common
                    )
                else:
                    goods = services.give_goods(
                        receiver=request.POST.get("counterpart", ""),
                        receipt=request.FILES.get("receipt"),
                        **common,
                    )
            except ServiceError as exc:
                errors = service_errors(request, exc)
                if "donor" in errors or "receiver" in errors:
                    errors["counterpart"] = errors.pop("donor", None) or errors.pop("receiver")
            else:
                messages.success(
                    request,
                    _("Recorded and entered in the stock ledger: %(item)s × %(n)s.")
                    % {"item": item.name, "n": goods.quantity},
                )
                return redirect("donations:goods_list")
    default = data.get("unit") or getattr(
        list_root_units(request.user, services.ENTER).first(), "code", ""
    )
    return render(
        request,
        "donations/goods_form.html",
        {
            "received": received,
            "errors": errors,
            "data": data,
            "items": Item.objects.filter(active=True),
            "campaigns": campaigns,
            "default_unit": default,
            "perm": services.ENTER,
            "today": timezone.localdate().isoformat(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def goods_received_new(request):
    return _goods_form(request, GoodsDirection.RECEIVED)


@login_required
@require_http_methods(["GET", "POST"])
def goods_given_new(request):
    return _goods_form(request, GoodsDirection.GIVEN)


@login_required
@require_GET
def certificate(request, goods_id: int):
    goods = queries.get_goods_for(request.user, goods_id)
    issuer = (
        group_of(goods.unit).name if goods.direction == GoodsDirection.RECEIVED else goods.unit.name
    )
    data = certificate_pdf(
        goods, issuer=issuer, watermark=watermark_line(request.user, goods.unit.name)
    )
    log_access(request, "export", "donation_list", goods.pk, goods.unit_path)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{goods.pk}.pdf"'
    return response


@login_required
@require_GET
def goods_receipt(request, goods_id: int):
    goods = queries.get_goods_for(request.user, goods_id)
    if not goods.receipt:
        raise Http404
    try:
        return FileResponse(
            goods.receipt.open("rb"), as_attachment=True, filename=goods.receipt_name
        )
    except FileNotFoundError:
        raise Http404 from None
