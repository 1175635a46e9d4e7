"""Pages of return to work: the restart rate of a subtree as of a time with its children
(drill-down) and the plans; a plan with its readiness checklist (each computed figure
linking to its source), the evidence uploads, filing and the parent's decision; the plan
form (industry, restart day, phases by site)."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_unit_for, list_root_units

from . import queries, services
from .choices import MANUAL_ITEMS, Decision, Industry, PlanState

PHASE_ROWS = 3


def _as_of(value: str, unit) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=unit.tzinfo)
    return moment


@login_required
@require_http_methods(["GET"])
def plan_list(request):
    user = request.user
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(user, code) if code else list_root_units(user).first()
    if unit is None:
        raise Http404
    as_of = _as_of(request.GET.get("as_of", ""), unit)
    state = request.GET.get("state", "")
    state = state if state in PlanState.values else ""
    return render(
        request,
        "restart/list.html",
        {
            "unit": unit,
            "as_of": as_of,
            "as_of_local": unit.local_time(as_of),
            "rate": queries.get_rate(user, unit, as_of),
            "plans": queries.list_plans(user, unit=unit, state=state)[:200],
            "state": state,
            "states": PlanState.choices,
            "can_file": not scope_of(user, services.FILE).empty,
        },
    )


@login_required
@require_http_methods(["GET"])
def detail(request, plan_id):
    user = request.user
    plan = queries.get_plan_for(user, plan_id)
    parent = plan.unit.parent
    return render(
        request,
        "restart/detail.html",
        {
            "plan": plan,
            "checks": queries.get_readiness(user, plan),
            "events": queries.list_events(plan),
            "phases": list(plan.phases.select_related("site")),
            "can_file": scope_of(user, services.FILE).covers(plan.unit_path),
            "can_decide": parent is not None
            and scope_of(user, services.DECIDE).covers(parent.path),
            "editable": plan.state in services.EDITABLE,
            "decisions": Decision.choices,
            "manual": MANUAL_ITEMS,
        },
    )


@login_required
@require_POST
def act(request, plan_id):
    user = request.user
    plan = queries.get_plan_for(user, plan_id)
    action = request.POST.get("action", "")
    try:
        if action == "file":
            services.file_plan(actor=user, plan=plan)
            messages.success(request, _("The plan is filed with the parent."))
        elif action == "confirm":
            services.confirm_item(
                actor=user, plan=plan, item=request.POST.get("item", ""),
                file=request.FILES.get("file"), note=request.POST.get("note", ""),
            )  # fmt: skip
            messages.success(request, _("Confirmed with its evidence."))
        elif action == "decide":
            services.decide_plan(
                actor=user, plan=plan, decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
            )  # fmt: skip
            messages.success(request, _("The decision is recorded and the unit told."))
        elif action == "reopen":
            services.reopen_plan(actor=user, plan=plan)
            messages.success(request, _("The plan is a draft again."))
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, " ".join(str(v) for v in exc.fields.values()) or str(exc.message))
    return redirect("restart:detail", plan.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request):
    user = request.user
    if scope_of(user, services.FILE).empty:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    code = (data.get("unit") or "").strip()
    unit = get_unit_for(user, code, services.FILE) if code else None
    plan = queries.plan_of(unit) if unit else None
    errors: dict = {}
    if request.method == "POST":
        if unit is None:
            errors = {"unit": [_("Choose the unit.")]}
        else:
            phases = []
            for i in range(PHASE_ROWS):
                starts = (data.get(f"phase-{i}-starts_on") or "").strip()
                if not starts:
                    continue
                site_code = (data.get(f"phase-{i}-site") or "").strip()
                try:
                    site = get_unit_for(user, site_code) if site_code else None
                except Http404:
                    errors = {f"phases.{i}.site": [_("Choose a site of the unit.")]}
                    break
                phases.append(
                    {"site": site, "starts_on": starts, "people": data.get(f"phase-{i}-people"),
                     "note": data.get(f"phase-{i}-note", "")}
                )  # fmt: skip
            if not errors:
                try:
                    plan = services.save_plan(
                        actor=user, unit=unit, industry=data.get("industry", ""),
                        restart_on=data.get("restart_on"), returning=data.get("returning"),
                        note=data.get("note", ""), phases=phases,
                    )  # fmt: skip
                except ServiceError as exc:
                    errors = exc.fields or {"form": [str(exc.message)]}
                else:
                    messages.success(request, _("The plan is saved."))
                    return redirect("restart:detail", plan.pk)
    existing = list(plan.phases.select_related("site")) if plan else []
    rows = []
    for i in range(PHASE_ROWS):
        p = existing[i] if i < len(existing) else None
        rows.append(
            {
                "i": i,
                "site_name": f"phase-{i}-site",
                "site": data.get(f"phase-{i}-site") or (p.site.code if p and p.site else ""),
                "starts_on": data.get(f"phase-{i}-starts_on")
                or (p.starts_on.isoformat() if p else ""),
                "people": data.get(f"phase-{i}-people") or (p.people if p else ""),
                "note": data.get(f"phase-{i}-note") or (p.note if p else ""),
            }
        )
    values = {
        "industry": data.get("industry", plan.industry if plan else ""),
        "restart_on": data.get("restart_on", plan.restart_on.isoformat() if plan else ""),
        "returning": data.get("returning", plan.returning if plan else ""),
        "note": data.get("note", plan.note if plan else ""),
    }
    return render(
        request,
        "restart/edit.html",
        {
            "unit": unit,
            "plan": plan,
            "data": values,
            "errors": errors,
            "industries": Industry.choices,
            "phases": rows,
            "phase_errors": [
                " ".join(str(m) for m in (v if isinstance(v, list) else [v]))
                for k, v in errors.items()
                if k.startswith("phases")
            ],
            "perm": services.FILE,
        },
    )
