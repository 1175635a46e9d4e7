"""Pages of the emergency funds: the list, a fund's statement and proposals (with its Excel
export), the proposal form, a proposal with its chain and the one button for the viewer's
step, the payment form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.forms import parse_day, service_errors
from fangkong.core.localtime import show
from fangkong.core.scope import scope_of
from fangkong.core.xlsx import build_workbook, watermark_line, xlsx_response
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import get_unit_for
from fangkong.supplies.models import Item
from fangkong.supplies.permissions import SuppliesPerm

from . import queries, services
from .choices import CHAIN_ROLES, DEFAULT_CHAIN, OverBudget, ProposalState
from .models import Attachment, yuan
from .permissions import FundsPerm

PAGE_SIZE = 50


@login_required
@require_GET
def fund_list(request):
    funds = list(queries.list_funds(request.user))
    figures = queries.figures_of(funds)
    for fund in funds:
        fund.figures = figures[fund.pk].as_yuan()
    return render(
        request,
        "funds/fund_list.html",
        {
            "funds": funds,
            "can_open": not scope_of(request.user, FundsPerm.MANAGE_FUNDS).empty,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def fund_new(request):
    if scope_of(request.user, FundsPerm.MANAGE_FUNDS).empty:
        raise Http404
    errors, data = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        code = (request.POST.get("unit") or "").strip()
        chain = [r for r in request.POST.getlist("chain") if r]
        try:
            unit = get_unit_for(request.user, code, FundsPerm.MANAGE_FUNDS) if code else None
            if unit is None:
                errors = {"unit": [_("Choose the group or subsidiary.")]}
            else:
                fund = services.open_fund(
                    actor=request.user,
                    unit=unit,
                    name=request.POST.get("name", ""),
                    chain=chain,
                    over_budget=request.POST.get("over_budget", ""),
                    budget=request.POST.get("budget") or None,
                    basis=request.POST.get("basis", ""),
                )
                messages.success(request, _("The fund is open."))
                return redirect("funds:fund_detail", fund.pk)
        except Http404:
            errors = {"unit": [_("Choose the group or subsidiary.")]}
        except ServiceError as exc:
            errors = service_errors(request, exc)
    chain = request.POST.getlist("chain") if request.method == "POST" else DEFAULT_CHAIN
    return render(
        request,
        "funds/fund_new.html",
        {
            "errors": errors,
            "data": data,
            "perm": FundsPerm.MANAGE_FUNDS,
            "steps": [(i + 1, chain[i] if i < len(chain) else "") for i in range(4)],
            "roles": [(r.value, r.label) for r in CHAIN_ROLES],
            "rules": OverBudget.choices,
        },
        status=400 if errors else 200,
    )


def _statement_context(request, fund):
    start, end = parse_day(request.GET.get("start")), parse_day(request.GET.get("end"))
    if start and end and start > end:
        start, end = end, start
    return start, end, queries.statement(fund, start, end)


@login_required
@require_GET
def fund_detail(request, fund_id: int):
    fund = queries.get_fund_for(request.user, fund_id)
    start, end, statement = _statement_context(request, fund)
    state = request.GET.get("state") or ""
    proposals = queries.list_proposals(
        request.user, fund, state if state in ProposalState.values else ""
    )
    page = Paginator(proposals, PAGE_SIZE).get_page(request.GET.get("page"))
    for p in page:
        p.paid_yuan = yuan(p.paid or 0)
    return render(
        request,
        "funds/fund_detail.html",
        {
            "fund": fund,
            "start": start,
            "end": end,
            "figures": statement.as_yuan(),
            "statement": statement,
            "page": page,
            "state": state,
            "states": ProposalState.choices,
            "allocations": fund.allocations.select_related("by"),
            "can_draft": scope_of(request.user, FundsPerm.DRAFT_PROPOSALS).covers(fund.unit_path),
            "can_manage": scope_of(request.user, FundsPerm.MANAGE_FUNDS).covers(fund.unit_path),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def fund_export(request, fund_id: int):
    """The statement of a period as a watermarked workbook."""
    fund = queries.get_fund_for(request.user, fund_id)
    start, end, statement = _statement_context(request, fund)
    figures = statement.as_yuan()
    period = f"{start or '…'} — {end or timezone.localdate()}"
    rows = [
        [
            p.number,
            p.purpose,
            p.payee,
            p.get_state_display(),
            yuan(p.amount_fen),
            p.paid_in_period_yuan,
            show(p.drafted_at, fund.unit),
            show(p.approved_at, fund.unit) if p.approved_at else "",
        ]
        for p in statement.proposals
    ]
    notes = [
        f"{fund.unit.name} · {fund.name}",
        f"{_('Period')}: {period}",
        f"{_('Budget')}: {figures['budget']}",
        f"{_('Approved in the period')}: {figures['approved']}",
        f"{_('Paid in the period')}: {figures['paid']}",
        f"{_('Balance at the end')}: {figures['balance']}",
        f"{_('Not yet committed')}: {figures['available']}",
    ]
    data = build_workbook(
        _("Fund statement"),
        [
            _("No."),
            _("Use of the money"),
            _("Payee"),
            _("State"),
            _("Amount (yuan)"),
            _("Paid in the period (yuan)"),
            _("Drafted"),
            _("Approved"),
        ],
        rows,
        watermark=watermark_line(request.user, fund.unit.name),
        notes=notes,
    )
    log_access(request, "export", "fund", fund.pk, fund.unit_path, {"period": period})
    return xlsx_response(data, f"fund-{fund.pk}-statement.xlsx")


@login_required
@require_POST
def allocate(request, fund_id: int):
    fund = queries.get_fund_for(request.user, fund_id)
    try:
        services.allocate(
            actor=request.user,
            fund=fund,
            amount=request.POST.get("amount", ""),
            basis=request.POST.get("basis", ""),
            on=parse_day(request.POST.get("on")),
        )
    except ServiceError as exc:
        for msgs in (exc.fields or {"": [exc.message]}).values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("The budget has been added to."))
    return redirect("funds:fund_detail", fund.pk)


def _proposal_form(request, fund, proposal=None):
    errors = {}
    data = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        args = {
            "actor": request.user,
            "purpose": request.POST.get("purpose", ""),
            "amount": request.POST.get("amount", ""),
            "payee": request.POST.get("payee", ""),
            "description": request.POST.get("description", ""),
            "quotations": request.FILES.getlist("quotations"),
            "contracts": request.FILES.getlist("contracts"),
            "submit": request.POST.get("action") != "draft",
        }
        try:
            if proposal is None:
                proposal = services.draft_proposal(fund=fund, **args)
            else:
                proposal = services.revise_proposal(proposal=proposal, **args)
        except ServiceError as exc:
            errors = service_errors(request, exc)
        else:
            messages.success(
                request,
                _("Submitted: it waits for the %(role)s.")
                % {"role": Role(proposal.current_role).label}
                if proposal.state == ProposalState.PENDING
                else _("Saved as a draft."),
            )
            return redirect("funds:proposal_detail", proposal.pk)
    elif proposal is not None:
        data = {
            "purpose": proposal.purpose,
            "amount": proposal.amount,
            "payee": proposal.payee,
            "description": proposal.description,
        }
    return render(
        request,
        "funds/proposal_form.html",
        {
            "fund": fund,
            "proposal": proposal,
            "data": data,
            "errors": errors,
            "figures": queries.figures_of([fund])[fund.pk].as_yuan(),
            "chain": fund.chain_labels(),
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request, fund_id: int):
    fund = queries.get_fund_for(request.user, fund_id)
    if not scope_of(request.user, FundsPerm.DRAFT_PROPOSALS).covers(fund.unit_path):
        raise Http404
    return _proposal_form(request, fund)


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, proposal_id: int):
    proposal = queries.get_proposal_for(request.user, proposal_id)
    if proposal.drafted_by_id != request.user.pk or proposal.state not in (
        ProposalState.DRAFT,
        ProposalState.RETURNED,
    ):
        messages.error(request, _("Only the drafter revises a draft or a returned proposal."))
        return redirect("funds:proposal_detail", proposal.pk)
    return _proposal_form(request, proposal.fund, proposal)


def _chain_rows(proposal):
    """Each step of the current chain with its signature of this revision, if any."""
    chain = proposal.chain or proposal.fund.chain
    signed = {
        s.order: s
        for s in proposal.steps.filter(revision=proposal.revision).select_related("by", "unit")
    }
    rows = []
    for i, role in enumerate(chain):
        unit, _holders = services.step_holders(proposal.fund.unit, role)
        rows.append(
            {
                "n": i + 1,
                "label": Role(role).label if role in Role.values else role,
                "unit": unit,
                "step": signed.get(i),
                "current": proposal.state == ProposalState.PENDING and i == proposal.step,
            }
        )
    return rows


@login_required
@require_GET
def proposal_detail(request, proposal_id: int):
    proposal = queries.get_proposal_for(request.user, proposal_id)
    fund = proposal.fund
    payments = list(queries.list_payments(proposal))
    paid = sum(p.amount_fen for p in payments)
    pending = proposal.state == ProposalState.PENDING
    last = pending and proposal.step == len(proposal.chain) - 1
    over = services.over_budget_by(proposal) if pending else 0
    may_pay = proposal.state == ProposalState.APPROVED and scope_of(
        request.user, FundsPerm.RECORD_PAYMENTS
    ).covers(proposal.unit_path)
    return render(
        request,
        "funds/proposal_detail.html",
        {
            "proposal": proposal,
            "fund": fund,
            "chain": _chain_rows(proposal),
            "earlier_steps": proposal.steps.exclude(revision=proposal.revision).select_related(
                "by", "unit"
            ),
            "events": proposal.events.select_related("actor"),
            "payments": payments,
            "attachments": proposal.attachments.filter(payment__isnull=True),
            "paid": yuan(paid),
            "left": yuan(proposal.amount_fen - paid),
            "may_sign": pending and services.may_sign(request.user, proposal),
            "own": proposal.drafted_by_id == request.user.pk,
            "may_edit": proposal.drafted_by_id == request.user.pk
            and proposal.state in (ProposalState.DRAFT, ProposalState.RETURNED),
            "may_pay": may_pay,
            "last": last,
            "over": yuan(over) if over else "",
            "warn": fund.over_budget == OverBudget.WARN,
            "current_label": Role(proposal.current_role).label if proposal.current_role else "",
        },
    )


def _back(request, proposal, fn, done):
    try:
        fn()
    except ServiceError as exc:
        for msgs in (exc.fields or {"": [exc.message]}).values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, done)
    return redirect("funds:proposal_detail", proposal.pk)


@login_required
@require_POST
def proposal_submit(request, proposal_id: int):
    proposal = queries.get_proposal_for(request.user, proposal_id)
    return _back(
        request,
        proposal,
        lambda: services.submit_proposal(actor=request.user, proposal=proposal),
        _("Submitted."),
    )


@login_required
@require_POST
def proposal_decide(request, proposal_id: int):
    proposal = queries.get_proposal_for(request.user, proposal_id)
    decision = request.POST.get("decision", "")
    step = request.POST.get("step", "")
    return _back(
        request,
        proposal,
        lambda: services.decide(
            actor=request.user,
            proposal=proposal,
            decision=decision,
            opinion=request.POST.get("opinion", ""),
            override=request.POST.get("override") == "1",
            step=int(step) if step.isdigit() else None,
        ),
        _("Approved and signed.") if decision == "approve" else _("Returned to the drafter."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_new(request, proposal_id: int):
    proposal = queries.get_proposal_for(request.user, proposal_id)
    fund = proposal.fund
    if not scope_of(request.user, FundsPerm.RECORD_PAYMENTS).covers(proposal.unit_path):
        raise Http404
    if proposal.state != ProposalState.APPROVED:
        messages.error(request, _("Only an approved proposal is paid."))
        return redirect("funds:proposal_detail", proposal.pk)
    errors, data = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        item = receipt = None
        code = (request.POST.get("item") or "").strip()
        if code:
            item = Item.objects.filter(code=code, active=True).first()
        unit_code = (request.POST.get("receiving_unit") or "").strip()
        unit = (
            Unit.objects.visible_to(request.user).filter(code=unit_code).first()
            if unit_code
            else None
        )
        receipt_id = (request.POST.get("receipt") or "").strip()
        if receipt_id.isdigit():
            receipt = int(receipt_id)
        quantity = (request.POST.get("quantity") or "").strip()
        try:
            if code and item is None:
                raise ServiceError("invalid", _("Unknown item."), {"item": [_("Unknown item.")]})
            if quantity and not quantity.isdigit():
                raise ServiceError(
                    "invalid", _("Give a whole number."), {"quantity": [_("Give a whole number.")]}
                )
            services.record_payment(
                actor=request.user,
                proposal=proposal,
                amount=request.POST.get("amount", ""),
                paid_on=parse_day(request.POST.get("paid_on")),
                voucher_no=request.POST.get("voucher_no", ""),
                note=request.POST.get("note", ""),
                files=request.FILES.getlist("files"),
                item=item,
                quantity=int(quantity) if quantity else None,
                receiving_unit=unit if unit_code else None,
                receipt=receipt,
            )
        except ServiceError as exc:
            errors = service_errors(request, exc)
        else:
            messages.success(request, _("The payment has been recorded."))
            return redirect("funds:proposal_detail", proposal.pk)
    paid = services.paid_fen(proposal)
    return render(
        request,
        "funds/payment_form.html",
        {
            "proposal": proposal,
            "fund": fund,
            "data": data,
            "errors": errors,
            "left": yuan(proposal.amount_fen - paid),
            "today": timezone.localdate().isoformat(),
            "items": Item.objects.filter(active=True),
            "receipts": queries.find_purchase_receipts(request.user, fund),
            "keep_stock": SuppliesPerm.KEEP_STOCK,
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def attachment(request, proposal_id: int, attachment_id: int):
    proposal = queries.get_proposal_for(request.user, proposal_id)
    item = get_object_or_404(Attachment, pk=attachment_id, proposal=proposal)
    log_access(
        request, "export", "proposal", proposal.pk, proposal.unit_path, {"attachment": item.pk}
    )
    try:
        return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)
    except FileNotFoundError:
        raise Http404 from None
