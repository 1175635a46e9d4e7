"""Pages of checkpoints: the figures of a subtree's checkpoints on a day, one checkpoint's
phone page (the three shifts with who was on them, the counts of a shift and the fevers
found, each opening a case or an incident), the grid for many checkpoints at once, and
setting up a checkpoint."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.forms import parse_day, service_errors
from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_unit_for, list_root_units
from fangkong.teams.queries import find_people

from . import queries, services
from .choices import Passer, Slot

FEVER_ROWS = 3


@login_required
@require_http_methods(["GET"])
def checkpoint_list(request):
    user = request.user
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(user, code) if code else list_root_units(user).first()
    if unit is None:
        raise Http404
    # The running shift's day: before 07:00 the night shift of yesterday is still on.
    day = parse_day(request.GET.get("day", "")) or queries.current_shift(unit)[0]
    return render(
        request,
        "checkpoints/list.html",
        {
            "unit": unit,
            "day": day,
            "totals": queries.get_totals(user, unit, day),
            "fevers": queries.list_fevers(user, unit, day),
            "can_manage": not scope_of(user, services.MANAGE).empty,
            "can_enter": scope_of(user, services.ENTER).covers(unit.path),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def checkpoint_new(request):
    user = request.user
    if scope_of(user, services.MANAGE).empty:
        raise Http404
    errors, data = {}, request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        code = (request.POST.get("unit") or "").strip()
        try:
            unit = get_unit_for(user, code, services.MANAGE) if code else None
        except Http404:
            unit = None
        if unit is None:
            errors = {"unit": [_("Choose the site of the checkpoint.")]}
        else:
            try:
                checkpoint = services.create_checkpoint(
                    actor=user,
                    unit=unit,
                    code=request.POST.get("code", ""),
                    name=request.POST.get("name", ""),
                )
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                messages.success(request, _("The checkpoint is set up."))
                return redirect("checkpoints:detail", checkpoint.code)
    return render(
        request,
        "checkpoints/new.html",
        {"errors": errors, "data": data, "perm": services.MANAGE},
    )


def _found(request, user, checkpoint) -> tuple[list, dict]:
    found, errors = [], {}
    for i in range(FEVER_ROWS):
        get = lambda name, i=i: (request.POST.get(f"found-{i}-{name}") or "").strip()  # noqa: E731
        if not (get("temperature") or get("person") or get("name")):
            continue
        passer = get("passer") or Passer.VISITOR
        person = None
        if passer == Passer.STAFF and get("person"):
            person = queries.find_staff(checkpoint, [get("person")]).get(get("person"))
            if person is None:
                errors[f"found.{i}.person"] = [_("No one with this employee number.")]
        found.append(
            services.Found(
                passer=passer,
                temperature=get("temperature"),
                person=person,
                name=get("name"),
                note=get("note"),
            )
        )
    return found, errors


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, code: str):
    user = request.user
    checkpoint = queries.get_checkpoint_for(user, code)
    now_day, now_slot = queries.current_shift(checkpoint.unit)
    day = parse_day(request.GET.get("day", "")) or now_day
    slot = request.GET.get("shift") or now_slot
    can_enter = scope_of(user, services.ENTER).covers(checkpoint.unit_path)
    errors, data = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        if not can_enter:
            raise Http404
        day = parse_day(request.POST.get("day", "")) or day
        slot = request.POST.get("shift") or slot
        found, errors = _found(request, user, checkpoint)
        numbers = [n.strip() for n in request.POST.get("on_duty", "").replace("，", ",").split(",")]
        numbers = [n for n in numbers if n]
        people = find_people(user, checkpoint.unit, numbers)
        if any(n not in people for n in numbers):
            errors["on_duty"] = [_("No one with this employee number.")]
        if not errors:
            try:
                shift, added = services.record_counts(
                    actor=user,
                    checkpoint=checkpoint,
                    day=day,
                    slot=slot,
                    counts={k: request.POST.get(k, "") for k in services.COUNTS},
                    found=found,
                    on_duty=[people[n] for n in numbers],
                    volunteers=[
                        v.strip()
                        for v in request.POST.get("volunteers", "").replace("，", ",").split(",")
                    ],
                )
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                messages.success(
                    request,
                    _("Counts of the %(shift)s saved.") % {"shift": Slot(shift.slot).label},
                )
                for fever in added:
                    if fever.case_id:
                        messages.warning(
                            request,
                            _("A health case is open for %(name)s: the unit's leader is told.")
                            % {"name": fever.person.name},
                        )
                    elif fever.incident_id:
                        messages.warning(
                            request,
                            _("An incident is filed: report it by phone within 15 minutes."),
                        )
                url = reverse("checkpoints:detail", args=[checkpoint.code])
                return redirect(f"{url}?{urlencode({'day': day.isoformat(), 'shift': shift.slot})}")
    view = queries.get_day(checkpoint, day)
    current = next((s for s in view.shifts if s.slot == slot), view.shifts[0])
    shift = current.shift
    if not data and shift is not None:
        data = {k: getattr(shift, k) for k in services.COUNTS}
        data["on_duty"] = ",".join(d.person.employee_no for d in current.on_duty if d.person_id)
        data["volunteers"] = "，".join(d.name for d in current.on_duty if not d.person_id)
    return render(
        request,
        "checkpoints/detail.html",
        {
            "checkpoint": checkpoint,
            "view": view,
            "current": current,
            "day": day,
            "slot": slot,
            "slots": Slot.choices,
            "passers": Passer.choices,
            "data": data,
            "errors": errors,
            "fever_rows": [
                {
                    "i": i,
                    "person_field": f"found-{i}-person",
                    "passer": data.get(f"found-{i}-passer", "") if data else Passer.RESIDENT,
                    "person": data.get(f"found-{i}-person", "") if data else "",
                    "name": data.get(f"found-{i}-name", "") if data else "",
                    "temperature": data.get(f"found-{i}-temperature", "") if data else "",
                }
                for i in range(FEVER_ROWS)
            ],
            "can_enter": can_enter,
            "can_manage": scope_of(user, services.MANAGE).covers(checkpoint.unit_path),
            "signins": queries.list_signins(checkpoint, day),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulk(request):
    user = request.user
    if scope_of(user, services.ENTER).empty:
        raise Http404
    code = (request.GET.get("unit") or request.POST.get("unit") or "").strip()
    unit = get_unit_for(user, code, services.ENTER) if code else None
    unit = unit or list_root_units(user, services.ENTER).first()
    if unit is None:
        raise Http404
    now_day, now_slot = queries.current_shift(unit)
    source = request.POST if request.method == "POST" else request.GET
    day = parse_day(source.get("day", "")) or now_day
    slot = source.get("shift") or now_slot
    checkpoints = list(queries.list_checkpoints(user, unit=unit)[:200])
    errors: dict = {}
    if request.method == "POST":
        rows = [
            services.BulkRow(
                c, {k: request.POST.get(f"{c.code}.{k}", "").strip() for k in services.COUNTS}
            )
            for c in checkpoints
        ]
        try:
            saved = services.record_bulk(actor=user, day=day, slot=slot, rows=rows)
        except ServiceError as exc:
            errors = service_errors(request, exc)
        else:
            messages.success(request, _("Counts of %(n)s checkpoints saved.") % {"n": len(saved)})
            url = reverse("checkpoints:list")
            return redirect(f"{url}?{urlencode({'unit': unit.code, 'day': day.isoformat()})}")
    existing = queries.shifts_of(checkpoints, day, slot)
    grid = []
    for c in checkpoints:
        s = existing.get(c.pk)
        values = {
            k: request.POST.get(f"{c.code}.{k}", "")
            if request.method == "POST"
            else (getattr(s, k) if s else "")
            for k in services.COUNTS
        }
        grid.append(
            {
                "checkpoint": c,
                "values": values,
                "fevers": s.fevers if s else 0,
                "errors": {k: errors.get(f"{c.code}.{k}") for k in services.COUNTS},
            }
        )
    return render(
        request,
        "checkpoints/bulk.html",
        {
            "unit": unit,
            "day": day,
            "slot": slot,
            "slots": Slot.choices,
            "grid": grid,
            "errors": errors,
            "fields": [f for f in services.COUNTS if f != "fevers"],
            "perm": services.ENTER,
        },
    )


def _managed(request, code: str):
    """The checkpoint, if the user may manage it; a 404 otherwise (one they only see or
    sign in at is not theirs to switch)."""
    checkpoint = queries.get_checkpoint_for(request.user, code)
    if not scope_of(request.user, services.MANAGE).covers(checkpoint.unit_path):
        raise Http404
    return checkpoint


@login_required
@require_POST
def set_state(request, code: str):
    checkpoint = _managed(request, code)
    active = request.POST.get("active") == "1"
    services.set_active(actor=request.user, checkpoint=checkpoint, active=active)
    messages.success(
        request, _("The checkpoint is in use again.") if active else _("The checkpoint is closed.")
    )
    return redirect("checkpoints:detail", checkpoint.code)


@login_required
@require_POST
def set_signin(request, code: str):
    checkpoint = _managed(request, code)
    enabled = request.POST.get("enabled") == "1"
    services.set_signin(actor=request.user, checkpoint=checkpoint, enabled=enabled)
    messages.success(
        request,
        _("Staff now sign in here by the site's QR code.")
        if enabled
        else _("Sign-in by the site's QR code is off."),
    )
    return redirect("checkpoints:detail", checkpoint.code)
