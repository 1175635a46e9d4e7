"""Pages of the notices: the inbox and the sent list, drafting, one notice (read on
opening, acknowledge, forward, approve) with the issuer's chase panel — counts per
subtree with drill-down and the laggards, one click to re-remind."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.forms import service_errors
from fangkong.core.scope import scope_of
from fangkong.orgs.choices import Role, SiteKind, UnitKind
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import get_unit_for

from . import queries, services
from .choices import NoticeKind, NoticeState
from .models import Attachment
from .permissions import NoticePerm

LAGGARDS_SHOWN = 50


@login_required
@require_GET
def notice_list(request):
    if scope_of(request.user, NoticePerm.VIEW_NOTICES).empty:
        raise Http404
    box = request.GET.get("box") if request.GET.get("box") in ("inbox", "sent") else "inbox"
    notices = list(queries.list_notices(request.user, box)[:100])
    return render(
        request,
        "notices/notice_list.html",
        {
            "notices": notices,
            "box": box,
            "can_issue": not scope_of(request.user, NoticePerm.ISSUE_NOTICES).empty,
        },
    )


def _parse_deadline(text: str, unit: Unit):
    if not text:
        return None
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise ServiceError(
            "invalid", _("Not a date and time."), {"reply_by": [_("Not a date and time.")]}
        ) from None
    return naive.replace(tzinfo=unit.tzinfo) if naive.tzinfo is None else naive


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request):
    if scope_of(request.user, NoticePerm.ISSUE_NOTICES).empty:
        raise Http404
    errors, data = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            issuer = get_unit_for(request.user, data.get("issuer", ""), NoticePerm.ISSUE_NOTICES)
        except Http404:
            issuer = None
            errors = {"issuer": [_("Choose the issuing unit.")]}
        codes = [
            c for name in ("recipients", "recipients_2") for c in request.POST.getlist(name) if c
        ]
        recipients = list(Unit.objects.filter(code__in=codes))
        if issuer is not None:
            try:
                notice = services.draft_notice(
                    actor=request.user,
                    issuer=issuer,
                    kind=data.get("kind", ""),
                    title=data.get("title", ""),
                    body=data.get("body", ""),
                    recipients=recipients,
                    unit_kinds=[k for k in request.POST.getlist("unit_kinds") if k],
                    site_kinds=[k for k in request.POST.getlist("site_kinds") if k],
                    role=data.get("role", ""),
                    reply_by=_parse_deadline(data.get("reply_by", ""), issuer),
                    signer_name=data.get("signer", ""),
                    files=request.FILES.getlist("files"),
                )
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                if notice.state == NoticeState.ISSUED:
                    messages.success(
                        request, _("Issued as %(number)s.") % {"number": notice.number}
                    )
                else:
                    messages.success(request, _("Sent to the leading group for approval."))
                return redirect("notices:notice_detail", notice.pk)
    return render(
        request,
        "notices/notice_form.html",
        {
            "errors": errors,
            "data": data,
            "kinds": NoticeKind.choices,
            "unit_kinds": UnitKind.choices,
            "site_kinds": SiteKind.choices,
            "roles": Role.choices,
            "perm": NoticePerm.ISSUE_NOTICES,
        },
    )


@login_required
@require_GET
def notice_detail(request, notice_id):
    user = request.user
    notice = queries.get_notice_for(user, notice_id)
    if services.mark_read(user=user, notice=notice):
        pass  # opened by a person of the recipient unit: read (who, when)
    own = list(services.own_receipts(user, notice).select_related("unit"))
    issuer_side = queries.is_issuer_side(user, notice)
    unit = None
    code = request.GET.get("unit")
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise Http404
    elif issuer_side:
        unit = notice.issuer if notice.is_root else notice.issuer
    tally = queries.get_tally(user, notice, unit) if notice.state != NoticeState.DRAFT else None
    if (
        tally is not None
        and unit is not None
        and unit != notice.issuer
        and not tally.total
        and code
    ):
        raise Http404
    owing = (
        request.GET.get("owing") if request.GET.get("owing") in ("read", "ack", "reply") else "ack"
    )
    lagging = (
        list(queries.list_receipts(user, notice, unit, owing)[:LAGGARDS_SHOWN]) if tally else []
    )
    breadcrumbs = []
    if unit is not None and unit != notice.issuer:
        ids = [*unit.ancestor_ids, unit.pk]
        breadcrumbs = [
            u
            for u in Unit.objects.filter(pk__in=ids).order_by("depth")
            if u.path.startswith(notice.issuer.path) or not notice.issuer.path.startswith(u.path)
        ]
    chase = {
        "notice": notice,
        "can_issue": scope_of(user, NoticePerm.ISSUE_NOTICES).covers(notice.unit_path),
        "tally": tally,
        "unit": unit,
        "owing": owing,
        "owing_choices": [("read", _("Not read")), ("ack", _("Not acknowledged"))]
        + ([("reply", _("No reply"))] if notice.reply_required else []),
        "lagging": lagging,
        "breadcrumbs": breadcrumbs,
        "now": timezone.now(),
    }
    if request.GET.get("panel") == "chase":  # the panel's own refresh (htmx, every 30 s)
        if tally is None:
            raise Http404
        return render(request, "notices/_chase.html", chase)
    # A unit forwards its own copy: the receipts of the units the user works for.
    issue_scope = scope_of(user, NoticePerm.ISSUE_NOTICES)
    forward_units = [r.unit for r in own if r.person_id is None and issue_scope.covers(r.unit_path)]
    return render(
        request,
        "notices/notice_detail.html",
        {
            **chase,
            "own": own,
            "issuer_side": issuer_side,
            "can_approve": notice.state == NoticeState.PENDING
            and scope_of(user, NoticePerm.APPROVE_NOTICES).covers(notice.unit_path),
            "chain": queries.chain_of(notice) if issuer_side else [],
            "forward_units": forward_units if notice.state == NoticeState.ISSUED else [],
            "attachments": list(notice.attachments.filter(receipt__isnull=True)),
        },
    )


@login_required
@require_POST
def notice_ack(request, notice_id):
    notice = queries.get_notice_for(request.user, notice_id)
    try:
        services.acknowledge(
            actor=request.user,
            notice=notice,
            reply=request.POST.get("reply", ""),
            done=bool(request.POST.get("done")),
            files=request.FILES.getlist("files"),
        )
    except ServiceError as exc:
        messages.error(
            request,
            exc.message
            if not exc.fields
            else "; ".join(str(m) for v in exc.fields.values() for m in v),
        )
    else:
        messages.success(request, _("Acknowledged."))
    return redirect("notices:notice_detail", notice.pk)


@login_required
@require_POST
def notice_approve(request, notice_id):
    notice = queries.get_notice_for(request.user, notice_id)
    try:
        notice = services.approve_notice(actor=request.user, notice=notice)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Approved and issued as %(number)s.") % {"number": notice.number}
        )
    return redirect("notices:notice_detail", notice.pk)


@login_required
@require_POST
def notice_remind(request, notice_id):
    notice = queries.get_notice_for(request.user, notice_id)
    try:
        reminder = services.remind(actor=request.user, notice=notice)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s units reminded.") % {"n": reminder.units})
    return redirect(request.POST.get("next") or f"/notices/{notice.pk}/")


@login_required
@require_POST
def notice_forward(request, notice_id):
    notice = queries.get_notice_for(request.user, notice_id)
    try:
        unit = get_unit_for(request.user, request.POST.get("unit", ""), NoticePerm.ISSUE_NOTICES)
        forward = services.forward_notice(
            actor=request.user,
            notice=notice,
            issuer=unit,
            cover_note=request.POST.get("cover_note", ""),
        )
    except Http404:
        messages.error(request, _("Choose the forwarding unit."))
        return redirect("notices:notice_detail", notice.pk)
    except ServiceError as exc:
        messages.error(
            request,
            exc.message
            if not exc.fields
            else "; ".join(str(m) for v in exc.fields.values() for m in v),
        )
        return redirect("notices:notice_detail", notice.pk)
    messages.success(request, _("Forwarded as %(number)s.") % {"number": forward.number})
    return redirect("notices:notice_detail", forward.pk)


@login_required
@require_POST
def notice_withdraw(request, notice_id):
    notice = queries.get_notice_for(request.user, notice_id)
    try:
        services.withdraw_notice(
            actor=request.user, notice=notice, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Withdrawn."))
    return redirect("notices:notice_detail", notice.pk)


@login_required
@require_GET
def attachment(request, notice_id, attachment_id):
    """A file of the notice (or of a receipt's reply), for those who see the notice; a
    reply's file only for the issuer's side and the replying unit's scope."""
    notice = queries.get_notice_for(request.user, notice_id)
    item = get_object_or_404(Attachment, pk=attachment_id, notice=notice)
    if item.receipt_id is not None and not (
        queries.is_issuer_side(request.user, notice)
        or scope_of(request.user, NoticePerm.VIEW_NOTICES).covers(item.receipt.unit_path)
    ):
        raise Http404
    log_access(request, "export", "notice", notice.pk, notice.unit_path, {"attachment": item.pk})
    try:
        return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)
    except FileNotFoundError:
        raise Http404 from None
