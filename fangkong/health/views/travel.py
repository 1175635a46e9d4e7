"""Pages of travel registration (出行登记): the trip register with filters and its Excel
export, one trip, registering and editing trips, the returns of the coming week, and
the risk areas."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.forms import form_errors
from fangkong.core.scope import scope_of
from fangkong.core.xlsx import build_workbook, watermark_line, xlsx_response
from fangkong.orgs.queries import get_breadcrumbs, get_person_for, get_unit_for, list_unit_choices

from ..forms import PersonLookupForm, RiskAreaForm, TripFilterForm, TripForm
from ..queries import observation as observation_queries
from ..queries import travel as queries
from ..queries.travel import TripFilter
from ..services import travel as services

PAGE_SIZE = 50
EXPORT_LIMIT = 20000
VIEW = queries.VIEW
MANAGE = services.PERM
RISK_BADGES = {"high": "danger", "medium": "warning", "low": "info"}


def _require_view(user) -> None:
    if scope_of(user, VIEW).empty:
        raise Http404


def _filters(request) -> tuple[TripFilter, TripFilterForm]:
    """The register's filters from the query string; a unit outside the scope is a 404,
    a bad date is ignored (and shown on the form)."""
    form = TripFilterForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(request.user, code, VIEW) if code else None
    start, end = data.get("start"), data.get("end")
    if start and end and start > end:
        form.add_error("end", _("The end of the period is before its start."))
        start = end = None
    f = TripFilter(
        unit=unit,
        flagged=bool(data.get("flagged")),
        start=start,
        end=end,
        q=(data.get("q") or "").strip(),
    )
    return f, form


def _decorate(trips):
    for trip in trips:
        trip.badge = RISK_BADGES.get(trip.risk_level, "secondary")
    return trips


@login_required
@require_GET
@vary_on_headers("HX-Request")
def trip_list(request):
    _require_view(request.user)
    f, form = _filters(request)
    page = Paginator(queries.list_trips(request.user, f), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    _decorate(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "f": f,
        "form": form,
        "query": query.urlencode(),
        "can_create": not scope_of(request.user, MANAGE).empty,
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "health/_trip_rows.html", context)
    context.update(
        unit_choices=list_unit_choices(request.user),
        breadcrumbs=get_breadcrumbs(request.user, f.unit) if f.unit else [],
        breadcrumb_tail=_("Travel") if f.unit else "",
    )
    return render(request, "health/trip_list.html", context)


EXPORT_COLUMNS = [
    gettext_lazy("Unit"),
    gettext_lazy("Unit code"),
    gettext_lazy("Employee number"),
    gettext_lazy("Member of staff"),
    gettext_lazy("Traveller"),
    gettext_lazy("Relation"),
    gettext_lazy("From"),
    gettext_lazy("To"),
    gettext_lazy("Via"),
    gettext_lazy("Departs on"),
    gettext_lazy("Returns on"),
    gettext_lazy("Transport"),
    gettext_lazy("Train or flight number"),
    gettext_lazy("Purpose"),
    gettext_lazy("Risk"),
    gettext_lazy("Risk areas touched"),
]


@login_required
@require_GET
def trip_export(request):
    """The register with the page's filters, as Excel with a watermark; logged."""
    _require_view(request.user)
    f, _form = _filters(request)
    trips = queries.list_trips(request.user, f)[:EXPORT_LIMIT]
    rows = (
        (
            t.unit.name,
            t.unit.code,
            t.person.employee_no,
            t.person.name,
            t.traveller,
            t.family_member.relation if t.family_member_id else "",
            t.origin,
            t.destination,
            t.via,
            t.depart_on,
            t.return_on,
            t.get_transport_display(),
            t.transport_no,
            t.purpose,
            t.get_risk_level_display() if t.risk_level else "",
            "、".join(t.risk_areas),
        )
        for t in trips
    )
    scope_label = f.unit.name if f.unit else _("all units in scope")
    data = build_workbook(
        _("Trip register"),
        [str(c) for c in EXPORT_COLUMNS],
        rows,
        watermark=watermark_line(request.user, str(scope_label)),
    )
    code = f.unit.code if f.unit else ""
    log_access(
        request,
        "export",
        "trip_list",
        unit_path=f.unit.path if f.unit else "",
        detail={
            "format": "excel",
            "trips": "flagged" if f.flagged else "",
            "from": f.start,
            "until": f.end,
        },
    )
    return xlsx_response(
        data, f"fangkong-trips-{code or 'all'}-{timezone.localdate().isoformat()}.xlsx"
    )


@login_required
@require_GET
def trip_detail(request, trip_id: int):
    trip = queries.get_trip_for(request.user, trip_id)
    can_manage = scope_of(request.user, MANAGE).covers(trip.unit_path)
    current = observation_queries.get_open_observation(trip.person)
    _decorate([trip])
    return render(
        request,
        "health/trip_detail.html",
        {
            "trip": trip,
            "can_manage": can_manage,
            "current": current,
            "observations": trip.observations.order_by("-start_on"),
            "breadcrumbs": get_breadcrumbs(request.user, trip.unit),
            "breadcrumb_tail": _("Trip"),
        },
    )


def _trip_form_page(request, form, *, person, trip=None, status=200):
    return render(
        request,
        "health/trip_form.html",
        {
            "form": form,
            "person": person,
            "trip": trip,
            "breadcrumbs": get_breadcrumbs(request.user, person.unit),
            "breadcrumb_tail": _("Edit trip") if trip else _("Register a trip"),
        },
        status=status,
    )


def _trip_data(form, person) -> dict:
    data = dict(form.cleaned_data)
    member_id = data.pop("family_member")
    data["family_member"] = (
        person.family_members.filter(pk=member_id).first() if member_id else None
    )
    return data


@login_required
@require_http_methods(["GET", "POST"])
def trip_create(request):
    """Step 1: find the member of staff by employee number (or ?person=<id>); step 2: the
    trip, of them or of one of their family members."""
    if scope_of(request.user, MANAGE).empty:
        raise Http404
    person_id = request.GET.get("person") or request.POST.get("person")
    if not person_id:
        lookup = PersonLookupForm(request.GET or None)
        matches = []
        if lookup.is_valid():
            matches = observation_queries.find_people(
                request.user, lookup.cleaned_data["employee_no"]
            )
            if len(matches) == 1:
                return redirect(reverse("health:trip_create") + f"?person={matches[0].pk}")
            if not matches:
                lookup.add_error(
                    "employee_no", _("No one with this employee number in your units.")
                )
        return render(request, "health/trip_form.html", {"lookup": lookup, "matches": matches})
    person = get_person_for(request.user, person_id, MANAGE)
    form = TripForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            trip = services.record_trip(
                actor=request.user, person=person, **_trip_data(form, person)
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            if trip.risk_level:
                messages.warning(
                    request,
                    _("The trip has been registered. It touches a risk area: %(areas)s.")
                    % {"areas": "、".join(trip.risk_areas)},
                )
            else:
                messages.success(request, _("The trip has been registered."))
            return redirect("health:trip_detail", trip_id=trip.pk)
    return _trip_form_page(request, form, person=person, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def trip_edit(request, trip_id: int):
    trip = queries.get_trip_for(request.user, trip_id)
    if not scope_of(request.user, MANAGE).covers(trip.unit_path):
        raise Http404
    initial = {name: getattr(trip, name) for name in services.TRIP_FIELDS}
    initial["family_member"] = trip.family_member_id or ""
    form = TripForm(request.POST or None, initial=initial, person=trip.person)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_trip(actor=request.user, trip=trip, **_trip_data(form, trip.person))
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The trip has been saved."))
            return redirect("health:trip_detail", trip_id=trip.pk)
    return _trip_form_page(
        request, form, person=trip.person, trip=trip, status=400 if form.errors else 200
    )


@login_required
@require_POST
def trip_observation(request, trip_id: int):
    """One click: put the member of staff of a flagged trip under observation."""
    trip = queries.get_trip_for(request.user, trip_id)
    if not scope_of(request.user, MANAGE).covers(trip.unit_path):
        raise Http404
    try:
        observation = services.start_observation_from_trip(actor=request.user, trip=trip)
    except ServiceError as exc:
        messages.error(
            request,
            "; ".join([str(m) for ms in exc.fields.values() for m in ms] or [str(exc.message)]),
        )
        return redirect("health:trip_detail", trip_id=trip.pk)
    messages.success(request, _("%(name)s is now under observation.") % {"name": trip.person.name})
    return redirect("health:observation_detail", observation_id=observation.pk)


@login_required
@require_GET
def returns(request):
    """Who comes back in the next seven days, day by day; flagged trips first and marked."""
    _require_view(request.user)
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(request.user, code, VIEW) if code else None
    first = timezone.localdate()
    days = queries.list_returns(request.user, unit, first)
    for _day, trips in days:
        _decorate(trips)
    return render(
        request,
        "health/returns.html",
        {
            "days": days,
            "unit": unit,
            "first": first,
            "last": first + timedelta(days=queries.RETURN_DAYS - 1),
            "total": sum(len(t) for _d, t in days),
            "flagged": sum(1 for _d, ts in days for t in ts if t.risk_level),
            "unit_choices": list_unit_choices(request.user),
            "breadcrumbs": get_breadcrumbs(request.user, unit) if unit else [],
            "breadcrumb_tail": _("Returns") if unit else "",
        },
    )


# --- risk areas -------------------------------------------------------------------------


def _can_manage_areas(user) -> bool:
    return not scope_of(user, services.AREA_PERM).empty


@login_required
@require_GET
def risk_area_list(request):
    if not queries.may_see_areas(request.user):
        raise Http404
    today = timezone.localdate()
    areas = list(queries.list_risk_areas(request.user))
    province = services.keeps_province_areas(request.user)
    for area in areas:
        area.current = area.effective_from <= today and (
            area.effective_to is None or area.effective_to >= today
        )
        area.badge = RISK_BADGES.get(area.level, "secondary")
        area.can_keep = (
            province if area.unit_id is None else services.may_keep_area(request.user, area.unit)
        )
    return render(
        request,
        "health/risk_area_list.html",
        {
            "areas": areas,
            "can_manage": _can_manage_areas(request.user),
            "keeps_province": province,
            "today": today,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_area_form(request, area_id: int | None = None):
    """A new area, or a change to one the user keeps (another's: a 404, as the page
    offers no way to it)."""
    if not _can_manage_areas(request.user):
        raise Http404
    area = queries.get_risk_area_for(request.user, area_id) if area_id is not None else None
    if area is not None and not services.may_keep_area(request.user, area.unit):
        raise Http404
    province = services.keeps_province_areas(request.user)
    if area is not None:
        initial = {
            k: getattr(area, k) for k in ("name", "level", "effective_from", "effective_to", "note")
        }
        initial["unit"] = area.unit.code if area.unit_id else ""
    else:
        initial = {"effective_from": timezone.localdate()}
        if not province:
            try:
                unit = services.default_area_unit(request.user)
            except ServiceError:
                unit = None
            initial["unit"] = unit.code if unit else ""
    form = RiskAreaForm(
        request.POST or None,
        initial=initial,
        units=queries.list_area_units(request.user),
        province=province,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_risk_area(actor=request.user, area=area, **form.cleaned_data)
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("The risk area has been saved; %(n)s trips were flagged again.")
                % {"n": saved.reflagged},
            )
            return redirect("health:risk_area_list")
    return render(
        request,
        "health/risk_area_form.html",
        {"form": form, "area": area},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def risk_area_end(request, area_id: int):
    if not _can_manage_areas(request.user):
        raise Http404
    area = queries.get_risk_area_for(request.user, area_id)
    try:
        services.end_risk_area(actor=request.user, area=area)
    except ServiceError as exc:
        messages.error(
            request,
            "; ".join([str(m) for ms in exc.fields.values() for m in ms] or [str(exc.message)]),
        )
    else:
        messages.success(request, _("The risk area has been ended today."))
    return redirect("health:risk_area_list")


urlpatterns = [
    path("trips/", trip_list, name="trip_list"),
    path("trips/export.xlsx", trip_export, name="trip_export"),
    path("trips/new/", trip_create, name="trip_create"),
    path("trips/returns/", returns, name="returns"),
    path("trips/<int:trip_id>/", trip_detail, name="trip_detail"),
    path("trips/<int:trip_id>/edit/", trip_edit, name="trip_edit"),
    path("trips/<int:trip_id>/observation/", trip_observation, name="trip_observation"),
    path("risk-areas/", risk_area_list, name="risk_area_list"),
    path("risk-areas/new/", risk_area_form, name="risk_area_create"),
    path("risk-areas/<int:area_id>/edit/", risk_area_form, name="risk_area_edit"),
    path("risk-areas/<int:area_id>/end/", risk_area_end, name="risk_area_end"),
]
