"""Pages of health cases: the list of a subtree, a case with its steps, moving it on."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_breadcrumbs, get_person_for, get_unit_for, list_unit_choices

from ..choices import CaseResult, CaseState
from ..permissions import HealthPerm
from ..queries import cases as queries
from ..services import cases as services

PAGE_SIZE = 50
STATE_BADGES = {
    CaseState.REPORTED: "danger",
    CaseState.ISOLATED: "warning",
    CaseState.DIAGNOSING: "info",
    CaseState.RESULT: "primary",
    CaseState.CLOSED: "secondary",
}


@login_required
@require_GET
def case_list(request):
    """Cases of the user's scope or of a unit's subtree; open ones first by default."""
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(request.user, code, HealthPerm.VIEW_HEALTH) if code else None
    state = request.GET.get("state") or "open"
    cases = queries.list_cases(request.user, unit=unit, state=state)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    for case in page:
        case.badge = STATE_BADGES[case.state]
    query = urlencode({k: v for k, v in (("unit", code), ("state", state)) if v})
    return render(
        request,
        "health/case_list.html",
        {
            "page": page,
            "unit": unit,
            "state": state,
            "states": CaseState.choices,
            "unit_choices": list_unit_choices(request.user),
            "query": query,
            "breadcrumbs": get_breadcrumbs(request.user, unit) if unit else [],
        },
    )


def _next_states(case):
    order = services.ORDER
    return [
        (s, label) for s, label in CaseState.choices if order.index(s) > order.index(case.state)
    ]


@login_required
@require_GET
def case_detail(request, case_id: int):
    case = queries.get_case_for(request.user, case_id)
    return render(
        request,
        "health/case_detail.html",
        {
            "case": case,
            "badge": STATE_BADGES[case.state],
            "events": case.events.select_related("actor"),
            "can_manage": scope_of(request.user, HealthPerm.MANAGE_HEALTH).covers(case.unit_path)
            and case.state != CaseState.CLOSED,
            "next_states": _next_states(case),
            "results": CaseResult.choices,
            "breadcrumbs": get_breadcrumbs(request.user, case.unit),
            "breadcrumb_tail": _("Health case"),
        },
    )


@login_required
@require_POST
def case_advance(request, case_id: int):
    case = queries.get_case_for(request.user, case_id)
    if not scope_of(request.user, HealthPerm.MANAGE_HEALTH).covers(case.unit_path):
        raise Http404
    try:
        services.advance_case(
            actor=request.user,
            case=case,
            state=request.POST.get("state", ""),
            result=request.POST.get("result", ""),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        for msgs in (exc.fields or {"": [exc.message]}).values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("The case has moved on."))
    return redirect("health:case_detail", case.pk)


@login_required
@require_POST
def case_report(request, person_id: int):
    """Open a case by hand from a person's health page."""
    person = get_person_for(request.user, person_id, HealthPerm.MANAGE_HEALTH)
    try:
        case = services.report_case(
            actor=request.user,
            person=person,
            temperature=request.POST.get("temperature"),
            symptoms=request.POST.getlist("symptoms"),
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        if getattr(exc, "case_id", None):  # open already (a double submit): show it
            messages.info(request, exc.message)
            return redirect("health:case_detail", exc.case_id)
        for msgs in (exc.fields or {"": [exc.message]}).values():
            for m in msgs:
                messages.error(request, m)
        return redirect("health:person", person.pk)
    messages.success(request, _("The case has been opened and the liaison told."))
    return redirect("health:case_detail", case.pk)


urlpatterns = [
    path("cases/", case_list, name="case_list"),
    path("cases/<int:case_id>/", case_detail, name="case_detail"),
    path("cases/<int:case_id>/advance/", case_advance, name="case_advance"),
    path("people/<int:person_id>/report-case/", case_report, name="case_report"),
]
