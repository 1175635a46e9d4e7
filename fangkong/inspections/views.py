"""Pages of inspections: my units and visits, plans (包抓包联), a visit answered item by
item on a phone (htmx), its report, the rectification board of a subtree and an item's
page (fix with evidence, verify, request supplies)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
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
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Person, RoleAssignment, Unit
from fangkong.orgs.queries import get_unit_for, list_root_units
from fangkong.orgs.services import group_of

from . import queries, services
from .choices import RectState, VisitState
from .models import Assignment, ChecklistItem, Photo
from .permissions import InspectionPerm
from .report import report_pdf, report_xlsx


def _may(user, perm, path: str = "") -> bool:
    scope = scope_of(user, perm)
    return scope.covers(path) if path else not scope.empty


@login_required
@require_GET
def home(request):
    user = request.user
    assignments = list(queries.list_assignments(user, inspector=user))
    visits = list(queries.list_visits(user, inspector=user)[:30])
    return render(
        request,
        "inspections/home.html",
        {
            "assignments": assignments,
            "open_visits": [v for v in visits if v.state != VisitState.DONE],
            "done_visits": [v for v in visits if v.state == VisitState.DONE][:10],
            "can_inspect": _may(user, InspectionPerm.INSPECT),
            "can_plan": _may(user, InspectionPerm.MANAGE_PLANS),
            "to_verify": list(queries.to_verify(user)[:20]),
        },
    )


def _inspectors(user):
    """Logins holding the inspector or leading-group role inside the user's plan scope."""
    scope = scope_of(user, InspectionPerm.MANAGE_PLANS)
    held = RoleAssignment.objects.filter(
        scope.q("unit__path"), role__in=(Role.INSPECTOR, Role.LEADING_GROUP), user__is_active=True
    ).values_list("user_id", flat=True)
    return (
        get_user_model().objects.filter(pk__in=held).select_related("person").order_by("username")
    )


def _display(user) -> str:
    person = getattr(user, "person", None)
    return person.name if person else user.get_username()


@login_required
@require_http_methods(["GET", "POST"])
def plans(request):
    if not _may(request.user, InspectionPerm.MANAGE_PLANS):
        raise Http404
    inspectors = list(_inspectors(request.user))
    errors, data = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        inspector = next(
            (u for u in inspectors if str(u.pk) == request.POST.get("inspector")), None
        )
        code = (request.POST.get("unit") or "").strip()
        try:
            unit = get_unit_for(request.user, code, InspectionPerm.MANAGE_PLANS) if code else None
        except Http404:
            unit = None
        if unit is None:
            errors = {"unit": [_("Choose a unit.")]}
        else:
            try:
                services.assign_inspector(actor=request.user, inspector=inspector, unit=unit)
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s is assigned to %(unit)s.")
                    % {"name": _display(inspector), "unit": unit.name},
                )
                return redirect("inspections:plans")
    rows = queries.with_last_visits(
        queries.list_assignments(request.user).filter(
            scope_of(request.user, InspectionPerm.MANAGE_PLANS).q("unit_path")
        )
    )
    return render(
        request,
        "inspections/plans.html",
        {
            "rows": rows,
            "inspectors": [(u, _display(u)) for u in inspectors],
            "errors": errors,
            "data": data,
            "perm": InspectionPerm.MANAGE_PLANS,
        },
    )


@login_required
@require_POST
def plan_remove(request, assignment_id: int):
    assignment = get_object_or_404(
        Assignment.objects.visible_to(request.user, InspectionPerm.MANAGE_PLANS), pk=assignment_id
    )
    services.unassign_inspector(actor=request.user, assignment=assignment)
    messages.success(request, _("The assignment is removed."))
    return redirect("inspections:plans")


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request):
    user = request.user
    if not _may(user, InspectionPerm.INSPECT):
        raise Http404
    errors, data, others, unit = (
        {},
        request.POST if request.method == "POST" else request.GET,
        [],
        None,
    )
    code = (data.get("unit") or "").strip()
    if code:
        try:
            unit = get_unit_for(user, code, InspectionPerm.INSPECT)
        except Http404:
            errors = {"unit": [_("Choose a unit you may inspect.")]}
    day = parse_day(data.get("day", "")) or (unit.local_date() if unit else timezone.localdate())
    if unit is not None:
        others = queries.other_visits(unit, day, user)
    if request.method == "POST" and not errors:
        if unit is None:
            errors = {"unit": [_("Choose the unit to visit.")]}
        elif others and not request.POST.get("confirm"):
            errors = {"confirm": [_("Others visit this unit this week: confirm to plan anyway.")]}
        else:
            try:
                visit = services.plan_visit(actor=user, unit=unit, day=day)
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                return redirect("inspections:visit_detail", visit.pk)
    assigned = [a.unit for a in queries.list_assignments(user, inspector=user)]
    return render(
        request,
        "inspections/visit_new.html",
        {
            "errors": errors,
            "unit": unit,
            "day": day,
            "others": others,
            "assigned": assigned,
            "default_unit": unit or (assigned[0] if assigned else None),
            "perm": InspectionPerm.INSPECT,
        },
    )


def _visit_context(request, visit):
    answered, total, failed = queries.progress(visit)
    return {
        "visit": visit,
        "sections": queries.visit_items(visit),
        "answered": answered,
        "total": total,
        "failed": failed,
        "mine": visit.inspector_id == request.user.pk and visit.state != VisitState.DONE,
        "others": queries.other_visits(visit.unit, visit.day, visit.inspector),
        "inspector_name": _display(visit.inspector),
    }


@login_required
@require_GET
def visit_detail(request, visit_id: int):
    visit = queries.get_visit_for(request.user, visit_id)
    context = _visit_context(request, visit)
    context["findings"] = visit.rectifications.select_related("unit").order_by("id")
    return render(request, "inspections/visit_detail.html", context)


@login_required
@require_POST
def visit_answer(request, visit_id: int):
    visit = queries.get_visit_for(request.user, visit_id)
    item = get_object_or_404(
        ChecklistItem, version_id=visit.checklist_id, code=request.POST.get("item", "")
    )
    errors = {}
    try:
        services.record_answer(
            actor=request.user,
            visit=visit,
            item=item,
            result=request.POST.get("result", ""),
            number=request.POST.get("number"),
            text=request.POST.get("text", ""),
            note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"),
        )
    except ServiceError as exc:
        errors = exc.fields or {"item": [str(exc.message)]}
    visit.refresh_from_db()
    if not request.htmx:
        for msgs in errors.values():
            for m in msgs:
                messages.error(request, str(m))
        return redirect(reverse("inspections:visit_detail", args=[visit.pk]) + f"#item-{item.code}")
    answer = visit.answers.filter(item=item).prefetch_related("photos").first()
    answered, total, failed = queries.progress(visit)
    return render(
        request,
        "inspections/_item.html",
        {
            "visit": visit,
            "row": {"item": item, "answer": answer},
            "errors": errors,
            "mine": True,
            "answered": answered,
            "total": total,
            "failed": failed,
            "oob": True,
        },
    )


@login_required
@require_POST
def visit_finish(request, visit_id: int):
    visit = queries.get_visit_for(request.user, visit_id)
    try:
        found = services.finish_visit(
            actor=request.user, visit=visit, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        for msgs in (exc.fields or {"visit": [exc.message]}).values():
            for m in msgs:
                messages.error(request, str(m))
    else:
        messages.success(
            request,
            _("The visit is finished: %(n)s findings became rectification items.")
            % {"n": len(found)},
        )
    return redirect("inspections:visit_detail", visit.pk)


def _issuer(visit) -> str:
    group = group_of(visit.unit)
    return f"{group.name if group else visit.unit.name}疫情防控工作领导小组"


@login_required
@require_GET
def visit_report_xlsx(request, visit_id: int):
    visit = queries.get_visit_for(request.user, visit_id)
    log_access(request, "export", "inspection_visit", visit.pk, visit.unit_path)
    data = report_xlsx(visit, watermark=watermark_line(request.user, visit.unit.name))
    return xlsx_response(data, f"inspection-{visit.unit.code}-{visit.day:%Y%m%d}.xlsx")


@login_required
@require_GET
def visit_report_pdf(request, visit_id: int):
    visit = queries.get_visit_for(request.user, visit_id)
    log_access(request, "export", "inspection_visit", visit.pk, visit.unit_path)
    data = report_pdf(
        visit, issuer=_issuer(visit), watermark=watermark_line(request.user, visit.unit.name)
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="inspection-{visit.unit.code}-{visit.day:%Y%m%d}.pdf"'
    )
    return response


@login_required
@require_GET
def photo(request, photo_id: int):
    item = get_object_or_404(Photo.objects.select_related("visit"), pk=photo_id)
    queries.get_visit_for(request.user, item.visit_id)  # 404 outside the reader's scope
    try:
        return FileResponse(item.file.open("rb"), filename=item.name)
    except FileNotFoundError:
        raise Http404 from None


@login_required
@require_GET
def board(request):
    user = request.user
    code = (request.GET.get("unit") or "").strip()
    if code:
        unit = get_unit_for(user, code)
    else:
        unit = list_root_units(user).first()
        if unit is None:
            raise Http404
    return render(
        request,
        "inspections/board.html",
        {"board": queries.get_board(user, unit), "unit": unit, "now": timezone.now()},
    )


def _rect_context(request, rect, errors=None, data=None):
    user = request.user
    finding_photos = (
        Photo.objects.filter(answer_id=rect.answer_id) if rect.answer_id else Photo.objects.none()
    )
    return {
        "rect": rect,
        "overdue": rect.is_overdue(),
        "finding_photos": finding_photos,
        "evidence": rect.photos.all(),
        "events": queries.rectification_events(rect),
        "can_fix": rect.state == RectState.OPEN and _may(user, InspectionPerm.FIX, rect.unit_path),
        "can_own": rect.state != RectState.CLOSED
        and _may(user, InspectionPerm.FIX, rect.unit_path),
        "can_verify": rect.state == RectState.FIXED and services.may_verify(user, rect),
        "fixer_sees": rect.state == RectState.FIXED and user.pk == rect.fixed_by_id,
        "can_request": (
            rect.supply_item_id
            and not rect.supply_request_id
            and rect.state != RectState.CLOSED
            and _may(user, services.supply_requests.PERM, rect.unit_path)
        ),
        "errors": errors or {},
        "data": data or {},
        "inspector_name": _display(rect.visit.inspector)
        if rect.visit_id
        else (_display(rect.found_by) if rect.found_by_id else ""),
    }


def _rect_page(request, rect, errors=None, data=None, status=200):
    return render(
        request,
        "inspections/rectification_detail.html",
        _rect_context(request, rect, errors, data),
        status=status,
    )


@login_required
@require_GET
def rectification_detail(request, rect_id: int):
    return _rect_page(request, queries.get_rectification_for(request.user, rect_id))


@login_required
@require_POST
def rectification_fix(request, rect_id: int):
    rect = queries.get_rectification_for(request.user, rect_id)
    try:
        services.report_fix(
            actor=request.user,
            rect=rect,
            note=request.POST.get("note", ""),
            photos=request.FILES.getlist("photos"),
        )
    except ServiceError as exc:
        return _rect_page(
            request, rect, service_errors(request, exc), request.POST, status=exc.status
        )
    messages.success(request, _("The fix is reported: it waits for verification."))
    return redirect("inspections:rectification_detail", rect.pk)


@login_required
@require_POST
def rectification_verify(request, rect_id: int):
    rect = queries.get_rectification_for(request.user, rect_id)
    accepted = request.POST.get("decision") == "accept"
    try:
        services.verify_fix(
            actor=request.user, rect=rect, accepted=accepted, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        return _rect_page(
            request, rect, service_errors(request, exc), request.POST, status=exc.status
        )
    messages.success(
        request,
        _("Verified: the item is closed.") if accepted else _("Reopened: the owner is told."),
    )
    return redirect("inspections:rectification_detail", rect.pk)


@login_required
@require_POST
def rectification_owner(request, rect_id: int):
    rect = queries.get_rectification_for(request.user, rect_id)
    number = (request.POST.get("owner") or "").strip()
    owner = (
        Person.objects.visible_to(request.user)
        .filter(employee_no=number, unit_path__startswith=rect.unit_path, is_active=True)
        .first()
        if number
        else None
    )
    try:
        services.set_owner(actor=request.user, rect=rect, owner=owner)
    except ServiceError as exc:
        return _rect_page(
            request, rect, service_errors(request, exc), request.POST, status=exc.status
        )
    messages.success(request, _("The owner is %(name)s.") % {"name": owner.name})
    return redirect("inspections:rectification_detail", rect.pk)


@login_required
@require_POST
def rectification_supplies(request, rect_id: int):
    rect = queries.get_rectification_for(request.user, rect_id)
    try:
        supply_request = services.request_supplies(
            actor=request.user,
            rect=rect,
            quantity=request.POST.get("quantity", ""),
            reason=request.POST.get("reason", ""),
        )
    except ServiceError as exc:
        return _rect_page(
            request, rect, service_errors(request, exc), request.POST, status=exc.status
        )
    messages.success(
        request,
        _("The supply request is filed with %(unit)s.") % {"unit": supply_request.at_unit.name},
    )
    return redirect("inspections:rectification_detail", rect.pk)


def board_url(unit: Unit) -> str:
    return f"{reverse('inspections:board')}?{urlencode({'unit': unit.code})}"
