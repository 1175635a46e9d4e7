"""Pages of canteens: the canteens of a subtree with today's plans; a canteen's meal of a
day — the plan as a table (cards on a phone) and a chart, the departments' modes, adjust
(slot per department), propose again, publish; setting a canteen up (seats, safe seats,
serving windows)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.forms import parse_day
from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_unit_for, list_root_units

from . import queries, services
from .choices import Meal, Mode


@login_required
@require_http_methods(["GET"])
def canteen_list(request):
    user = request.user
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(user, code) if code else list_root_units(user).first()
    if unit is None:
        raise Http404
    rows = []
    for c in queries.list_canteens(user, unit=unit):
        day = c.unit.local_date()
        rows.append((c, day, queries.latest_plan(c, day, Meal.LUNCH)))
    return render(
        request,
        "canteens/list.html",
        {"unit": unit, "rows": rows, "can_manage": not scope_of(user, services.MANAGE).empty},
    )


@login_required
@require_http_methods(["GET"])
def detail(request, code):
    user = request.user
    canteen = queries.get_canteen_for(user, code)
    day = parse_day(request.GET.get("day", "")) or canteen.unit.local_date()
    meal = request.GET.get("meal") if request.GET.get("meal") in Meal.values else Meal.LUNCH
    plan = queries.latest_plan(canteen, day, meal)
    view = queries.get_plan_view(plan) if plan else None
    return render(
        request,
        "canteens/detail.html",
        {
            "canteen": canteen,
            "day": day,
            "meal": meal,
            "meals": Meal.choices,
            "modes": Mode.choices,
            "window": queries.get_window(canteen, meal),
            "plan": plan,
            "view": view,
            "chart": queries.chart_data(view) if view else None,
            "published": queries.published_plan(canteen, day, meal),
            "diners": queries.list_diners(canteen),
            "can_manage": scope_of(user, services.MANAGE).covers(canteen.unit_path),
        },
    )


@login_required
@require_POST
def plan_action(request, code):
    user = request.user
    canteen = queries.get_canteen_for(user, code)
    if not scope_of(user, services.MANAGE).covers(canteen.unit_path):
        raise Http404
    day = parse_day(request.POST.get("day", "")) or canteen.unit.local_date()
    meal = request.POST.get("meal", "")
    action = request.POST.get("action", "")
    back = f"{reverse('canteens:detail', args=[code])}?{urlencode({'day': day, 'meal': meal})}"
    try:
        if action == "propose":
            services.propose_plan(actor=user, canteen=canteen, day=day, meal=meal)
            messages.success(request, _("A new plan is proposed from today's head counts."))
        elif action == "mode":
            unit = get_unit_for(user, request.POST.get("unit", ""))
            services.set_mode(
                actor=user, canteen=canteen, unit=unit, mode=request.POST.get("mode", "")
            )
            messages.success(request, _("Saved. Propose the plan again to apply it."))
        else:
            plan = queries.latest_plan(canteen, day, meal)
            if plan is None:
                raise Http404
            if action == "adjust":
                moves = {
                    key[5:]: value
                    for key, value in request.POST.items()
                    if key.startswith("slot-") and value
                }
                current = {r.unit.code: r for r in plan.rows.select_related("unit")}
                moves = {
                    k: v for k, v in moves.items() if k in current and v != _slot_of(current[k])
                }
                if moves:
                    plan = services.adjust_plan(actor=user, plan=plan, moves=moves)
                messages.success(request, _("The plan is adjusted."))
            elif action == "publish":
                services.publish_plan(actor=user, plan=plan)
                messages.success(request, _("The plan is published to the departments."))
            else:
                raise Http404
    except ServiceError as exc:
        messages.error(request, " ".join(str(v) for v in exc.fields.values()) or str(exc.message))
    return redirect(back)


def _slot_of(row) -> str:
    return str(row.slot + 1) if row.slot is not None else row.mode


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    user = request.user
    if scope_of(user, services.MANAGE).empty:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    code = (data.get("unit") or "").strip()
    unit = None
    if code:
        unit = get_unit_for(user, code, services.MANAGE)
    canteen = queries.list_canteens(user).filter(unit=unit).first() if unit else None
    errors: dict = {}
    if request.method == "POST":
        if unit is None:
            errors = {"unit": [_("Choose the canteen site.")]}
        else:
            windows = {
                meal: (
                    data.get(f"{meal}-starts"),
                    data.get(f"{meal}-ends"),
                    data.get(f"{meal}-minutes"),
                )
                for meal in Meal.values
                if data.get(f"{meal}-starts")
            }
            try:
                canteen = services.setup_canteen(
                    actor=user,
                    unit=unit,
                    seats=data.get("seats"),
                    safe_seats=data.get("safe_seats"),
                    windows=windows or None,
                )
            except ServiceError as exc:
                errors = exc.fields or {"form": [str(exc.message)]}
            else:
                messages.success(request, _("The canteen is set up."))
                return redirect("canteens:detail", unit.code)
    windows = {w.meal: w for w in canteen.windows.all()} if canteen else {}
    rows = []
    for meal, label in Meal.choices:
        w = windows.get(meal)
        default = services.DEFAULT_WINDOWS[meal]
        rows.append(
            {
                "meal": meal,
                "label": label,
                "starts": data.get(f"{meal}-starts") or (w.starts if w else default[0]),
                "ends": data.get(f"{meal}-ends") or (w.ends if w else default[1]),
                "minutes": data.get(f"{meal}-minutes") or (w.slot_minutes if w else default[2]),
            }
        )
    return render(
        request,
        "canteens/setup.html",
        {
            "unit": unit,
            "canteen": canteen,
            "errors": errors,
            "data": data,
            "windows": rows,
            "perm": services.MANAGE,
        },
    )
