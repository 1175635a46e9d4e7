from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of
from fangkong.core.xlsx import xlsx_response
from fangkong.orgs.queries import get_breadcrumbs, get_unit_for, list_unit_choices

from . import excel, kinds, queries, services
from .choices import GRADE_BADGES, AnnotationAction, Grade
from .forms import AnnotationForm, LedgerFilterForm
from .kinds import kind_choices
from .queries import LedgerFilter

PAGE_SIZE = 50


def _filters(request) -> tuple[LedgerFilter, LedgerFilterForm]:
    """The ledger's filters from the query string. A unit outside the scope is a 404; a
    bad date is shown on the form and the default period (the last 30 days) is used."""
    form = LedgerFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(request.user, code) if code else None
    end = data.get("to") or timezone.localdate()
    start = data.get("from") or end - timedelta(days=queries.DEFAULT_DAYS - 1)
    if start > end or {"from", "to"} & set(form.errors):
        start, end = queries.default_period()
    waived = {"0": False, "1": True}.get(data.get("waived") or "")
    f = LedgerFilter(
        unit=unit,
        start=start,
        end=end,
        kind=data.get("kind") or "",
        grade=data.get("grade") or "",
        waived=waived,
    )
    return f, form


def _decorate(user, entries):
    manage = scope_of(user, services.PERM)
    kinds.prefetch(entries)
    for entry in entries:
        entry.can_manage = manage.covers(entry.unit_path)
        entry.badge = GRADE_BADGES.get(entry.grade, "secondary")
    return entries


@login_required
@require_GET
@vary_on_headers("HX-Request")
def entry_list(request):
    """The ledger of a subtree and period (default: the whole scope, the last 30 days)."""
    f, form = _filters(request)
    page = Paginator(queries.list_entries(request.user, f), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _decorate(request.user, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    partial = request.htmx and not request.htmx.history_restore_request
    first, second = services.thresholds()
    counts = queries.count_by_grade(request.user, f)
    context = {
        "page": page,
        "f": f,
        "form": form,
        "query": query.urlencode(),
        "next": request.get_full_path(),
        "counts": [(g, label, GRADE_BADGES[g], counts[g]) for g, label in Grade.choices],
        "waived_count": counts["waived"],
    }
    if partial:
        return render(request, "accountability/_entries.html", context)
    context.update(
        kinds=kind_choices(),
        grades=Grade.choices,
        unit_choices=list_unit_choices(request.user),
        breadcrumbs=get_breadcrumbs(request.user, f.unit) if f.unit else [],
        breadcrumb_tail=_("Accountability ledger") if f.unit else "",
        thresholds={
            "first": first,
            "second_from": first + 1,
            "second": second,
            "third_from": second + 1,
        },
    )
    return render(request, "accountability/ledger.html", context)


@login_required
@require_GET
def entry_export(request):
    """The same filter as the page, as an Excel file with a watermark; logged."""
    f, form = _filters(request)
    if form.errors:
        return redirect(reverse("accountability:entry_list") + "?" + request.GET.urlencode())
    data = excel.export_workbook(request.user, f)
    code = f.unit.code if f.unit else ""
    log_access(
        request,
        "export",
        "accountability",
        unit_path=f.unit.path if f.unit else "",
        detail={"format": "excel", "from": f.start, "until": f.end},
    )
    return xlsx_response(data, f"fangkong-accountability-{code or 'all'}-{f.start}-{f.end}.xlsx")


@login_required
@require_POST
def entry_annotate(request, entry_id: int):
    """A note, a waiver or a withdrawn waiver on one entry (htmx: the row comes back)."""
    entry = queries.get_entry_for(request.user, entry_id)
    if not scope_of(request.user, services.PERM).covers(entry.unit_path):
        raise PermissionDenied  # visible, but only the office may annotate or waive
    form = AnnotationForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose an action.")
    else:
        action, text = form.cleaned_data["action"], form.cleaned_data["text"]
        try:
            if action == AnnotationAction.WAIVE:
                services.waive_entry(actor=request.user, entry=entry, reason=text)
            elif action == AnnotationAction.UNWAIVE:
                services.unwaive_entry(actor=request.user, entry=entry, reason=text)
            else:
                services.annotate_entry(actor=request.user, entry=entry, text=text)
        except ServiceError as exc:
            error = "; ".join(str(m) for ms in exc.fields.values() for m in ms) or str(exc.message)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    if request.htmx:
        entry = queries.get_entry_for(request.user, entry.pk)
        _decorate(request.user, [entry])
        return render(
            request,
            "accountability/_entry_row.html",
            {
                "entry": entry,
                "error": error,
                "next": next_url,
                "text": form.data.get("text", "") if error else "",
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Saved."))
    return redirect(next_url or reverse("accountability:entry_list") + f"?unit={entry.unit.code}")
