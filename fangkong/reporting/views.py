from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_breadcrumbs, get_unit_for, list_root_units

from . import queries, services
from .choices import ReportState
from .models import ReportForm
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
    if scope_of(request.user, "file_reports").empty:
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
    return render(request, "reporting/my_reports.html",
                  {"page": page, "day": today, "now": now,
                   "query": f"day={today.isoformat()}"})  # fmt: skip


def _report_context(request, form, unit, day):
    report = queries.find_report(form, unit, day)
    if report is None:
        raise Http404
    now = timezone.now()
    version = form.current_version()
    fields = list(version.fields.all())
    previous = queries.find_report(form, unit, day - timedelta(days=1))
    return {
        "form": form, "unit": unit, "day": day, "report": report, "version": version,
        "fields": fields, "state": report.state_at(now),
        "badge": STATE_BADGES[report.state_at(now)],
        "state_label": ReportState(report.state_at(now)).label,
        "period_start": report.deadline_at - timedelta(days=1),
        "previous": previous.values if previous is not None and previous.values else {},
        "history": report.revisions.select_related("filed_by") if report.pk else [],
        "after_cutoff": now > report.deadline_at,
        "can_file": scope_of(request.user, "file_reports").covers(unit.path)
        and day <= services.local_today(unit, now),
        "breadcrumbs": get_breadcrumbs(request.user, unit),
    }  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, form_code: str, unit_code: str, day: str):
    """View a report with its history, and file or correct it (a zero report in one click)."""
    form = queries.get_form(form_code)
    unit = get_unit_for(request.user, unit_code)
    day = _day(day, None)
    context = _report_context(request, form, unit, day)
    submitted, errors, warnings = {}, {}, {}
    if request.method == "POST":
        if not context["can_file"]:
            raise Http404
        zero = "zero" in request.POST
        submitted = {f.code: request.POST.get(f"f_{f.code}", "") for f in context["fields"]}
        try:
            services.file_report(
                actor=request.user, form=form, unit=unit, day=day,
                values=None if zero else submitted, zero=zero,
                reason=request.POST.get("reason", ""), comment=request.POST.get("comment", ""),
                confirm=bool(request.POST.get("confirm")),
                version=int(request.POST.get("version") or 0) or None,
                idempotency_key=request.POST.get("idempotency_key") or None,
            )  # fmt: skip
        except services.NeedsConfirmation as exc:
            warnings = exc.fields
        except ServiceError as exc:
            errors = exc.fields or {"__all__": [exc.message]}
        else:
            messages.success(request, _("The zero report has been filed.") if zero
                             else _("The report has been filed."))  # fmt: skip
            return redirect("reporting:report", form.code, unit.code, day.isoformat())
    values = submitted or (context["report"].values or {})
    warning_list = [(f.label, warnings[f.code]) for f in context["fields"] if f.code in warnings]
    context.update(
        errors=errors, warnings=warning_list,
        rows=[{"f": f, "value": values.get(f.code), "previous": context["previous"].get(f.code),
               "errors": errors.get(f.code, [])} for f in context["fields"]],
        general_errors=[m for k in ("__all__", "day", "unit", "form", "values", "comment")
                        for m in errors.get(k, [])],
        reason_errors=errors.get("reason", []),
        idempotency_key=timezone.now().strftime("%Y%m%d%H%M%S%f"),
    )  # fmt: skip
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
    return render(request, "reporting/_checks.html",
                  {"fields": fields, "errors": checked.errors})  # fmt: skip


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


@login_required
def overview(request):
    """Totals and completeness of a subtree for a day, drill-down, missing and late units."""
    form, unit, day = _overview_params(request)
    as_of_cutoff = request.GET.get("as_of") == "cutoff"
    summary = queries.get_summary(form, unit, day, as_of_cutoff=as_of_cutoff)
    trend = queries.get_trend(form, unit, day)
    numeric = [f for f in summary["fields"] if f.is_numeric]
    chart = {
        "days": [t["day"].strftime("%m-%d") for t in trend],
        "filed_rate": [t.get("filed_rate") for t in trend],
        "on_time_rate": [t.get("on_time_rate") for t in trend],
        "series": {f.label: [t.get("totals", {}).get(f.code) for t in trend] for f in numeric},
    }
    return render(request, "reporting/overview.html", {
        "form": form, "unit": unit, "day": day, "summary": summary, "as_of_cutoff": as_of_cutoff,
        "rows": queries.list_child_breakdown(form, unit, day),
        "missing": queries.list_missing(form, unit, day, limit=200),
        "late": queries.list_missing(form, unit, day, late=True, limit=200),
        "forms": ReportForm.objects.filter(is_active=True),
        "breadcrumbs": get_breadcrumbs(request.user, unit), "chart": chart,
        "prev_day": day - timedelta(days=1), "next_day": day + timedelta(days=1),
    })  # fmt: skip


@login_required
def matrix(request):
    """Child units × the last 14 days, coloured by state."""
    form, unit, day = _overview_params(request)
    days, rows = queries.get_matrix(form, unit, day)
    return render(request, "reporting/matrix.html", {
        "form": form, "unit": unit, "day": day, "days": days, "rows": rows,
        "forms": ReportForm.objects.filter(is_active=True),
        "breadcrumbs": get_breadcrumbs(request.user, unit),
    })  # fmt: skip
