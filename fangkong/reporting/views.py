import re
from datetime import date, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.numbers import normalize_number, parse_decimal, parse_int
from fangkong.core.scope import get_object_for, scope_of
from fangkong.core.xlsx import xlsx_response
from fangkong.notify.queries import list_chase_receipts
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.queries import (
    get_breadcrumbs,
    get_unit_for,
    list_root_units,
    list_unit_choices,
)

from . import chases, excel, prefill, queries, services
from .choices import FieldKind, ReportState, Rollup
from .models import Assignment, ReportForm
from .permissions import ReportingPerm
from .validation import check_values

STATE_BADGES = {
    ReportState.PENDING: "secondary",
    ReportState.ON_TIME: "success",
    ReportState.LATE: "warning",
    ReportState.MISSING: "danger",
}


def _day(value, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError as exc:
        raise Http404 from exc


@login_required
def my_reports(request):
    """The liaison's page: today's reports for their units, with state and time left."""
    if scope_of(request.user, ReportingPerm.FILE_REPORTS).empty:
        raise Http404
    today = _day(request.GET.get("day"), timezone.localdate())
    now = timezone.now()
    page = Paginator(queries.list_reports_to_file(request.user, today), 50).get_page(
        request.GET.get("page")
    )
    for report in page:
        report.state = report.state_at(now)
        report.badge = STATE_BADGES[report.state]
        report.state_label = ReportState(report.state).label
        report.seconds_left = (report.deadline_at - now).total_seconds()
    return render(
        request,
        "reporting/my_reports.html",
        {"page": page, "day": today, "now": now, "query": f"day={today.isoformat()}"},
    )


def _report_context(request, form, unit, day):
    report = queries.find_report(form, unit, day)
    if report is None:
        raise Http404
    now = timezone.now()
    version = form.current_version()
    fields = list(version.fields.all())
    previous = queries.find_report(form, unit, day - timedelta(days=1))
    return {
        "form": form,
        "unit": unit,
        "day": day,
        "report": report,
        "version": version,
        "fields": fields,
        "state": report.state_at(now),
        "badge": STATE_BADGES[report.state_at(now)],
        "state_label": ReportState(report.state_at(now)).label,
        "period_start": report.deadline_at - timedelta(days=1),
        "previous": previous.values if previous is not None and previous.values else {},
        "history": report.revisions.select_related("filed_by") if report.pk else [],
        "after_cutoff": now > report.deadline_at,
        "can_file": scope_of(request.user, ReportingPerm.FILE_REPORTS).covers(unit.path)
        and day <= services.local_today(unit, now),
        "breadcrumbs": get_breadcrumbs(request.user, unit),
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, form_code: str, unit_code: str, day: str):
    """View a report with its history, and file or correct it (a zero report in one click)."""
    form = queries.get_form(form_code)
    unit = get_unit_for(request.user, unit_code)
    day = _day(day, None)
    context = _report_context(request, form, unit, day)
    submitted, errors, warnings, zero_warning = {}, {}, {}, False
    if request.method == "POST":
        if not context["can_file"]:
            raise Http404
        zero = "zero" in request.POST
        submitted = {f.code: request.POST.get(f"f_{f.code}", "") for f in context["fields"]}
        try:
            services.file_report(
                actor=request.user,
                form=form,
                unit=unit,
                day=day,
                values=None if zero else submitted,
                zero=zero,
                reason=request.POST.get("reason", ""),
                comment=request.POST.get("comment", ""),
                confirm=bool(request.POST.get("confirm")),
                version=int(request.POST.get("version") or 0) or None,
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except services.NeedsConfirmation as exc:
            warnings = exc.fields
            zero_warning = isinstance(exc, services.ZeroContradicts)
        except ServiceError as exc:
            errors = exc.fields or {"__all__": [exc.message]}
        else:
            messages.success(
                request,
                _("The zero report has been filed.") if zero else _("The report has been filed."),
            )
            return redirect("reporting:report", form.code, unit.code, day.isoformat())
    report = context["report"]
    derived = prefill.derived_values(form, unit, day) if context["can_file"] else {}
    derived = derived or report.derived_values or {}
    filed = report.values or {}
    # A field the filing left empty (the headcounts of a zero report) starts from the
    # derived figure, marked as such, rather than empty.
    values = submitted or {**derived, **{k: v for k, v in filed.items() if v is not None}}
    from_records = (
        set()
        if submitted
        else {k for k in derived if filed.get(k) is None and values.get(k) is not None}
    )
    # The banner lists the fields whose filed figure differs from the derived one shown.
    differs = set(prefill.mismatches(filed, derived)) if report.is_filed else set()
    warning_list = [(f.label, warnings[f.code]) for f in context["fields"] if f.code in warnings]
    rows = [
        {
            "f": f,
            "value": values.get(f.code),
            "previous": context["previous"].get(f.code),
            "errors": errors.get(f.code, []),
            "derived": derived.get(f.code),
            "from_records": f.code in from_records and report.is_filed,
            "mismatch": f.code in differs,
        }
        for f in context["fields"]
    ]
    context.update(
        errors=errors,
        warnings=warning_list,
        zero_warning=zero_warning,
        rows=rows,
        mismatches=[row for row in rows if row["mismatch"]],
        derived=derived,
        general_errors=[
            m
            for k in ("__all__", "day", "unit", "form", "values", "comment")
            for m in errors.get(k, [])
        ],
        reason_errors=errors.get("reason", []),
        idempotency_key=timezone.now().strftime("%Y%m%d%H%M%S%f"),
    )
    return render(request, "reporting/report.html", context)


@login_required
@require_POST
def report_check(request, form_code: str, unit_code: str, day: str):
    """htmx: check the values as typed, answer with out-of-band error slots per field."""
    form = queries.get_form(form_code)
    get_unit_for(request.user, unit_code)  # the scope check: outsiders get 404
    version = form.current_version()
    fields = list(version.fields.all())
    raw = {f.code: request.POST.get(f"f_{f.code}", "") for f in fields}
    checked = check_values(version, raw)
    return render(request, "reporting/_checks.html", {"fields": fields, "errors": checked.errors})


def _overview_params(request):
    form = queries.get_form(request.GET.get("form") or "daily")
    code = request.GET.get("unit")
    if code:
        unit = get_unit_for(request.user, code)
    else:
        unit = list_root_units(request.user).order_by("path").first()
        if unit is None:
            raise Http404
    day = _day(request.GET.get("day"), timezone.localdate())
    return form, unit, day


LIST_ROWS = 50  # rows of each of the overview's lists
LIST_FULL = 200  # with `full=1`


def _with(request, **params) -> str:
    query = request.GET.copy()
    for k, v in params.items():
        query[k] = v
    return f"?{query.urlencode()}"


@login_required
def overview(request):
    """Totals and completeness of a subtree for a day, drill-down, missing and late units."""
    form, unit, day = _overview_params(request)
    as_of_cutoff = request.GET.get("as_of") == "cutoff"
    summary = queries.get_summary(form, unit, day, as_of_cutoff=as_of_cutoff)
    trend = queries.get_trend(form, unit, day, fields=[])
    # The lists show their first rows (drawing a province's hundreds of rows was most of
    # the root's page); `full=1` shows up to LIST_FULL. "Remind all" still reminds every
    # missing unit up to LIST_FULL, not only the rows drawn.
    shown = LIST_FULL if request.GET.get("full") == "1" else LIST_ROWS
    chase_all = list(queries.list_missing(form, unit, day, limit=LIST_FULL))
    missing = chase_all[:shown]
    late = list(queries.list_missing(form, unit, day, late=True, limit=shown + 1))
    corrected = queries.list_corrected_after_cutoff(form, unit, day, limit=shown + 1)
    mismatched = queries.list_mismatched(form, unit, day, limit=shown + 1)
    chase_what = chases.what(form, day)
    receipts = list_chase_receipts(chase_what, [r.unit for r in missing])
    for r in missing:
        r.chase_receipt = receipts.get(r.unit_id)
    chart = {
        "days": [t["day"].strftime("%m-%d") for t in trend],
        "filed_rate": [t.get("filed_rate") for t in trend],
        "on_time_rate": [t.get("on_time_rate") for t in trend],
        "series_url": reverse("reporting:trend_series"),
        "query": {"form": form.code, "unit": unit.code, "day": day.isoformat()},
    }
    return render(
        request,
        "reporting/overview.html",
        {
            "form": form,
            "unit": unit,
            "day": day,
            "summary": summary,
            "as_of_cutoff": as_of_cutoff,
            "rows": queries.list_child_breakdown(form, unit, day, as_of_cutoff=as_of_cutoff),
            "missing": missing,
            "missing_more": len(chase_all) > shown,
            "missing_units": [r.unit for r in chase_all],
            "chase_what": chase_what,
            "late": late[:shown],
            "late_more": len(late) > shown,
            "corrected": corrected[:shown],
            "corrected_more": len(corrected) > shown,
            "mismatched": mismatched[:shown],
            "mismatched_more": len(mismatched) > shown,
            "shown": shown,
            "full": shown == LIST_FULL,
            "full_url": _with(request, full="1"),
            "forms": ReportForm.objects.filter(is_active=True),
            "breadcrumbs": get_breadcrumbs(request.user, unit),
            "chart": chart,
            "prev_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1),
        },
    )


@login_required
def trend_series(request):
    """JSON: one field's 30-day series for the overview chart, fetched when it is chosen."""
    form, unit, day = _overview_params(request)
    field = next((f for f in form.current_fields() if f.code == request.GET.get("field")), None)
    if field is None or not field.is_numeric:
        raise Http404
    trend = queries.get_trend(form, unit, day, fields=[field])
    return JsonResponse(
        {"label": field.label, "data": [t.get("totals", {}).get(field.code) for t in trend]}
    )


@login_required
def matrix(request):
    """Child units × the last 14 days, coloured by state."""
    form, unit, day = _overview_params(request)
    days, rows = queries.get_matrix(form, unit, day)
    return render(
        request,
        "reporting/matrix.html",
        {
            "form": form,
            "unit": unit,
            "day": day,
            "days": days,
            "rows": rows,
            "forms": ReportForm.objects.filter(is_active=True),
            "breadcrumbs": get_breadcrumbs(request.user, unit),
        },
    )


# --- setting up: form versions and assignments -------------------------------------------


def _require_setup(user):
    if scope_of(user, ReportingPerm.MANAGE_FORMS).empty:
        raise Http404


@login_required
def setup_home(request):
    """Forms with their versions, and who must file them by when."""
    _require_setup(request.user)
    forms = list(ReportForm.objects.prefetch_related("versions"))
    for form in forms:
        form.editable = services.can_manage_form(request.user, form)
        form.current = form.current_version()
    assignments = (
        Assignment.objects.visible_to(request.user, ReportingPerm.MANAGE_FORMS)
        .select_related("form", "root")
        .order_by("form__code", "root__path")
    )
    return render(
        request,
        "reporting/setup.html",
        {
            "forms": forms,
            "assignments": assignments,
            "unit_kinds": UnitKind.choices,
            "site_kinds": SiteKind.choices,
            "unit_choices": list_unit_choices(request.user),
        },
    )


def _decimal(value):
    value = normalize_number(value or "")
    if not value:
        return None
    try:
        return parse_decimal(value)
    except ValueError:
        return "bad"


@login_required
@require_http_methods(["GET", "POST"])
def form_edit(request, form_code: str):
    """Edit a form: saving publishes a new version; filed reports keep theirs."""
    _require_setup(request.user)
    form = queries.get_form(form_code)
    if not services.can_manage_form(request.user, form):
        raise Http404
    current = form.current_version()
    errors: dict = {}
    if request.method == "POST":
        fields, rules_text = [], request.POST.get("rules", "")
        for i in range(int(request.POST.get("rows", 0))):
            code = request.POST.get(f"code_{i}", "").strip()
            if not code or request.POST.get(f"remove_{i}"):
                continue
            low, high = (
                _decimal(request.POST.get(f"min_{i}")),
                _decimal(request.POST.get(f"max_{i}")),
            )
            if "bad" in (low, high):
                errors.setdefault(f"field {len(fields) + 1}", []).append(
                    _("Minimum and maximum are numbers.")
                )
                low = high = None
            fields.append(
                {
                    "code": code,
                    "label": request.POST.get(f"label_{i}", ""),
                    "kind": request.POST.get(f"kind_{i}"),
                    "unit_of_measure": request.POST.get(f"uom_{i}", ""),
                    "min_value": low,
                    "max_value": high,
                    "required": bool(request.POST.get(f"required_{i}")),
                    "rollup": request.POST.get(f"rollup_{i}"),
                    "zero_in_zero_report": bool(request.POST.get(f"zero_{i}")),
                }
            )
        rules, problems = services.parse_rules(rules_text)
        if problems:
            errors["rules"] = problems
        if not errors:
            try:
                version = services.publish_form_version(
                    actor=request.user,
                    form=form,
                    fields=fields,
                    rules=rules,
                    note=request.POST.get("note", ""),
                )
            except ServiceError as exc:
                errors = exc.fields or {"__all__": [exc.message]}
            else:
                messages.success(
                    request,
                    _("Version %(n)s of the form is in use from now on.") % {"n": version.number},
                )
                return redirect("reporting:setup")
        rows, rules_value = fields, rules_text
    else:
        rows = [
            {
                "code": f.code,
                "label": f.label,
                "kind": f.kind,
                "unit_of_measure": f.unit_of_measure,
                "min_value": f.min_value,
                "max_value": f.max_value,
                "required": f.required,
                "rollup": f.rollup,
                "zero_in_zero_report": f.zero_in_zero_report,
            }
            for f in current.fields.all()
        ]
        rules_value = services.format_rules(current.rules)
    rows = rows + [{"kind": "count", "rollup": "sum", "required": True} for _i in range(3)]
    return render(
        request,
        "reporting/form_edit.html",
        {
            "form": form,
            "current": current,
            "rows": rows,
            "rules": rules_value,
            "errors": errors,
            "kinds": FieldKind.choices,
            "rollups": Rollup.choices,
        },
    )


@login_required
@require_POST
def assignment_create(request):
    _require_setup(request.user)
    try:
        form = queries.get_form(request.POST.get("form", ""))
        root = get_unit_for(request.user, request.POST.get("root", "").strip())
        deadline = time.fromisoformat(request.POST.get("deadline") or "09:00")
        grace = parse_int(request.POST.get("grace_minutes") or 0)
        reminders = [
            parse_int(m) for m in re.split(r"[,，、\s]+", request.POST.get("reminders", "")) if m
        ]
    except (Http404, ValueError):
        messages.error(
            request,
            _("Give a form, a unit code in your scope, a time like 09:00 and minutes as numbers."),
        )
        return redirect("reporting:setup")
    try:
        services.create_assignment(
            actor=request.user,
            form=form,
            root=root,
            unit_kinds=request.POST.getlist("unit_kinds"),
            site_kinds=request.POST.getlist("site_kinds"),
            deadline=deadline,
            grace_minutes=grace,
            reminder_minutes=reminders,
            include_root=bool(request.POST.get("include_root")),
        )
    except ServiceError as exc:
        messages.error(
            request, " ".join(str(m) for ms in exc.fields.values() for m in ms) or exc.message
        )
    else:
        messages.success(request, _("The assignment has been created."))
    return redirect("reporting:setup")


@login_required
@require_POST
def assignment_end(request, assignment_id: int):
    _require_setup(request.user)
    assignment = get_object_for(
        request.user,
        Assignment.objects.select_related("root"),
        ReportingPerm.MANAGE_FORMS,
        pk=assignment_id,
    )
    services.end_assignment(actor=request.user, assignment=assignment)
    messages.success(request, _("The assignment ends today."))
    return redirect("reporting:setup")


# --- Excel downloads of the completeness pages: scoped like the pages, watermarked ---


@login_required
@require_GET
def rollup_export(request):
    """The overview's day as a statistics form: a row per child unit, totals, missing marked."""
    form, unit, day = _overview_params(request)
    as_of_cutoff = request.GET.get("as_of") == "cutoff"
    data = excel.rollup_workbook(request.user, form, unit, day, as_of_cutoff=as_of_cutoff)
    as_of = "cutoff" if as_of_cutoff else "now"
    log_access(
        request,
        "export",
        "report_rollup",
        form.code,
        unit.path,
        detail={"format": "excel", "day": day, "as_of": as_of},
    )
    return xlsx_response(data, f"fangkong-{form.code}-{unit.code}-{day.isoformat()}.xlsx")


@login_required
@require_GET
def matrix_export(request):
    """The 14-day completeness matrix ending on the chosen day."""
    form, unit, day = _overview_params(request)
    data = excel.matrix_workbook(request.user, form, unit, day)
    log_access(
        request,
        "export",
        "report_matrix",
        form.code,
        unit.path,
        detail={"format": "excel", "days": 14, "until": day},
    )
    return xlsx_response(data, f"fangkong-{form.code}-{unit.code}-matrix-{day.isoformat()}.xlsx")
