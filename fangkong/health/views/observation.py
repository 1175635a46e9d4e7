"""Pages of observation (留观): the list (open ones, missing follow-ups flagged), one
observation with its timeline and forms, and starting one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from fangkong.core.errors import ServiceError
from fangkong.core.forms import form_errors
from fangkong.core.scope import scope_of
from fangkong.notify.queries import list_chase_receipts
from fangkong.orgs.queries import get_breadcrumbs, get_person_for, get_unit_for, list_unit_choices

from .. import chases
from ..forms import (
    ChangeEndForm,
    FollowUpForm,
    ObservationFilterForm,
    ObservationStartForm,
    PersonLookupForm,
    ReleaseForm,
)
from ..queries import observation as queries
from ..services import observation as services
from ..validation import fever_threshold

PAGE_SIZE = 50
VIEW = queries.VIEW
MANAGE = services.PERM


def _require_view(user) -> None:
    if scope_of(user, VIEW).empty:
        raise Http404


@login_required
@require_GET
@vary_on_headers("HX-Request")
def observation_list(request):
    """Observations of a subtree (default: the whole scope), open ones by default, with the
    days whose follow-up is missing."""
    _require_view(request.user)
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(request.user, code, VIEW) if code else None
    form = ObservationFilterForm(request.GET)
    form.is_valid()
    state = form.cleaned_data.get("state") or "open"
    q = (form.cleaned_data.get("q") or "").strip()
    observations = queries.list_observations(request.user, unit=unit, state=state, q=q)
    page = Paginator(observations, PAGE_SIZE).get_page(request.GET.get("page"))
    queries.annotate_follow_ups(page.object_list)
    chase_what = chases.followup_what(timezone.localdate())
    late = [o for o in page.object_list if o.missing_days]
    receipts = list_chase_receipts(chase_what, [o.unit for o in late])
    for observation in late:
        observation.chase_receipt = receipts.get(observation.unit_id)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "unit": unit,
        "state": state,
        "q": q,
        "query": query.urlencode(),
        "threshold": fever_threshold(),
        "can_start": not scope_of(request.user, MANAGE).empty,
        "chase_what": chase_what,
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "health/_observation_rows.html", context)
    context.update(
        unit_choices=list_unit_choices(request.user),
        breadcrumbs=get_breadcrumbs(request.user, unit) if unit else [],
        breadcrumb_tail=_("Observation") if unit else "",
    )
    return render(request, "health/observation_list.html", context)


def _detail_context(request, observation, **forms):
    queries.annotate_follow_ups([observation])
    can_manage = scope_of(request.user, MANAGE).covers(observation.unit_path)
    open_ = observation.released_at is None
    context = {
        "observation": observation,
        "person": observation.person,
        "timeline": queries.get_timeline(observation),
        "follow_ups": list(observation.follow_ups.select_related("recorded_by")),
        "changes": list(observation.changes.select_related("by")),
        "threshold": fever_threshold(),
        "can_manage": can_manage and open_,
        "breadcrumbs": get_breadcrumbs(request.user, observation.unit),
        "breadcrumb_tail": _("Observation"),
    }
    if context["can_manage"]:
        context["follow_up_form"] = forms.get("follow_up_form") or FollowUpForm(
            initial={"day": observation.today}
        )
        context["end_form"] = forms.get("end_form") or ChangeEndForm(
            initial={"new_end_on": observation.planned_end_on}
        )
        context["release_form"] = forms.get("release_form") or ReleaseForm()
    return context


@login_required
@require_GET
def observation_detail(request, observation_id: int):
    observation = queries.get_observation_for(request.user, observation_id)
    return render(request, "health/observation_detail.html", _detail_context(request, observation))


def _managed(request, observation_id: int):
    """The observation, visible (else 404) and manageable by the user (else 404: the
    forms are not shown to them)."""
    observation = queries.get_observation_for(request.user, observation_id)
    if not scope_of(request.user, MANAGE).covers(observation.unit_path):
        raise Http404
    return observation


def _rerender(request, observation, **forms):
    return render(
        request,
        "health/observation_detail.html",
        _detail_context(request, observation, **forms),
        status=400,
    )


@login_required
@require_POST
def observation_follow_up(request, observation_id: int):
    observation = _managed(request, observation_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            follow_up = services.record_follow_up(
                actor=request.user,
                observation=observation,
                day=data["day"],
                temperature=data["temperature"],
                symptoms=data["symptoms"],
                note=data["note"],
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("The follow-up of %(day)s has been saved.") % {"day": follow_up.day.isoformat()},
            )
            return redirect("health:observation_detail", observation_id=observation.pk)
    return _rerender(request, observation, follow_up_form=form)


@login_required
@require_POST
def observation_end(request, observation_id: int):
    observation = _managed(request, observation_id)
    form = ChangeEndForm(request.POST)
    if form.is_valid():
        try:
            services.change_observation_end(
                actor=request.user,
                observation=observation,
                new_end_on=form.cleaned_data["new_end_on"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The planned end has been changed."))
            return redirect("health:observation_detail", observation_id=observation.pk)
    return _rerender(request, observation, end_form=form)


@login_required
@require_POST
def observation_release(request, observation_id: int):
    observation = _managed(request, observation_id)
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            services.release_observation(
                actor=request.user, observation=observation, note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The observation has been released."))
            return redirect("health:observation_detail", observation_id=observation.pk)
    return _rerender(request, observation, release_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def observation_start(request):
    """Step 1: find the person by employee number (or come from a person's page with
    ?person=<id>); step 2: the observation's details."""
    if scope_of(request.user, MANAGE).empty:
        raise Http404
    person_id = request.GET.get("person") or request.POST.get("person")
    if not person_id:
        lookup = PersonLookupForm(request.GET or None)
        matches = []
        if lookup.is_valid():
            matches = queries.find_people(request.user, lookup.cleaned_data["employee_no"])
            if len(matches) == 1:
                return redirect(reverse("health:observation_start") + f"?person={matches[0].pk}")
            if not matches:
                lookup.add_error(
                    "employee_no", _("No one with this employee number in your units.")
                )
        return render(
            request, "health/observation_start.html", {"lookup": lookup, "matches": matches}
        )
    person = get_person_for(request.user, person_id, MANAGE)
    current = queries.get_open_observation(person)
    form = ObservationStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            observation = services.start_observation(
                actor=request.user, person=person, **form.cleaned_data
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s is now under observation.") % {"name": person.name}
            )
            return redirect("health:observation_detail", observation_id=observation.pk)
    return render(
        request,
        "health/observation_start.html",
        {
            "person": person,
            "form": form,
            "current": current,
            "days": services.observation_days(),
            "breadcrumbs": get_breadcrumbs(request.user, person.unit),
            "breadcrumb_tail": _("Start an observation"),
        },
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("observations/", observation_list, name="observation_list"),
    path("observations/start/", observation_start, name="observation_start"),
    path("observations/<int:observation_id>/", observation_detail, name="observation_detail"),
    path(
        "observations/<int:observation_id>/follow-up/",
        observation_follow_up,
        name="observation_follow_up",
    ),
    path("observations/<int:observation_id>/end/", observation_end, name="observation_end"),
    path(
        "observations/<int:observation_id>/release/",
        observation_release,
        name="observation_release",
    ),
]
