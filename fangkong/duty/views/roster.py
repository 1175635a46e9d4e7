"""Pages of the roster: the rooms (with their coverage), a room's month calendar, the
templates and "apply to month", single shifts with swaps, and "who is on duty now".

A room outside the user's scope is a 404; so is a form the user may not use (managing
needs `manage_duty` on the room's unit). Times show in the room's local time zone."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.forms import form_errors
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_breadcrumbs, get_unit_for, list_root_units, list_unit_choices

from ..clock import local_today, next_month, parse_month, prev_month, tz_of
from ..forms import (
    ApplyForm,
    DecideForm,
    HandoverForm,
    NewRoomForm,
    RoomForm,
    ShiftForm,
    SwapForm,
    TemplateForm,
)
from ..models import DutyRoom
from ..queries import roster as queries
from ..queries.on_duty import on_duty, on_duty_by_room
from ..services import roster as services
from ..services import swaps, templates
from ..services.common import PERM
from ..services.log import next_shift

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def render_in_room_time(request, room: DutyRoom, template: str, context: dict, status=200):
    """Render with the room's time zone active, so times show as the room's wall clock."""
    with timezone.override(tz_of(room.unit)):
        return render(request, template, context, status=status)


def _require_view(user) -> None:
    if scope_of(user, CorePerm.VIEW).empty:
        raise Http404


def _managed_room(request, code: str) -> DutyRoom:
    room = queries.get_room_for(request.user, code)
    if not queries.can_manage(request.user, room):
        raise Http404
    return room


def _crumbs(request, room: DutyRoom, tail: str = "") -> dict:
    return {"breadcrumbs": get_breadcrumbs(request.user, room.unit), "breadcrumb_tail": tail}


@login_required
@require_GET
def room_list(request):
    """The duty rooms of the scope, with who is on duty now and the roles uncovered at
    some time in the next 7 days."""
    _require_view(request.user)
    rooms = queries.annotate_coverage(queries.list_rooms(request.user))
    now_on = on_duty_by_room(rooms)
    for room in rooms:
        room.now_on = now_on[room.pk]
    can_open = not scope_of(request.user, PERM).empty
    return render(
        request,
        "duty/room_list.html",
        {
            "rooms": rooms,
            "can_open": can_open,
            "form": NewRoomForm() if can_open else None,
            "missing": queries.list_units_without_room(request.user),
        },
    )


@login_required
@require_POST
def room_new(request):
    if scope_of(request.user, PERM).empty:
        raise Http404
    form = NewRoomForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        unit = get_unit_for(request.user, data["unit"].strip(), PERM)
        try:
            room = services.save_room(
                actor=request.user,
                unit=unit,
                name=data["name"],
                phone=data["phone"],
                active=data["active"],
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The duty room has been saved."))
            return redirect("duty:room_detail", code=room.unit.code)
    rooms = queries.annotate_coverage(queries.list_rooms(request.user))
    now_on = on_duty_by_room(rooms)
    for room in rooms:
        room.now_on = now_on[room.pk]
    return render(
        request, "duty/room_list.html", {"rooms": rooms, "can_open": True, "form": form}, status=400
    )


def _room_context(request, room: DutyRoom, **forms) -> dict:
    today = local_today(room.unit)
    first = parse_month(request.GET.get("month")) or today.replace(day=1)
    manage = queries.can_manage(request.user, room)
    context = {
        "room": room,
        "month": first,
        "prev": prev_month(first),
        "next": next_month(first),
        "calendar": queries.month_calendar(room, first, today),
        "templates": queries.list_templates(room),
        "swaps": list(queries.list_pending_swaps(room)),
        "can_manage": manage,
        **_crumbs(request, room, _("Duty roster")),
    }
    if manage:
        context["room_form"] = forms.get("room_form") or RoomForm(
            initial={"name": room.name, "phone": room.phone, "active": room.active}
        )
    return context


@login_required
@require_GET
def room_detail(request, code: str):
    """The month calendar of a room (?month=YYYY-MM), by role, gaps highlighted."""
    room = queries.get_room_for(request.user, code)
    return render_in_room_time(request, room, "duty/room_detail.html", _room_context(request, room))


@login_required
@require_POST
def room_edit(request, code: str):
    room = _managed_room(request, code)
    form = RoomForm(request.POST)
    if form.is_valid():
        try:
            services.save_room(actor=request.user, unit=room.unit, **form.cleaned_data)
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The duty room has been saved."))
            return redirect("duty:room_detail", code=code)
    return render_in_room_time(
        request,
        room,
        "duty/room_detail.html",
        _room_context(request, room, room_form=form),
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_form(request, code: str, template_id: int | None = None):
    """Create or change a template (a repeating pattern for one role)."""
    room = _managed_room(request, code)
    template = (
        queries.get_template_for(request.user, room, template_id, PERM) if template_id else None
    )
    if template is not None:
        rotation = queries.list_templates(room)
        people = next(t.rotation for t in rotation if t.pk == template.pk)
        initial = {
            "role": template.role,
            "name": template.name,
            "shift_hours": template.shift_hours,
            "start_time": template.start_time.strftime("%H:%M"),
            "anchor_on": template.anchor_on,
            "people": " ".join(p.employee_no for p in people),
        }
    else:
        initial = {"anchor_on": local_today(room.unit).replace(day=1)}
    form = TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        numbers = form.employee_numbers()
        people = [queries.find_person(room, n) for n in numbers]
        unknown = [n for n, p in zip(numbers, people, strict=True) if p is None]
        if unknown:
            form.add_error(
                "people",
                _("Unknown employee numbers: %(numbers)s") % {"numbers": ", ".join(unknown)},
            )
        else:
            try:
                saved = templates.save_template(
                    actor=request.user,
                    room=room,
                    template=template,
                    role=data["role"],
                    name=data["name"],
                    shift_hours=data["shift_hours"],
                    start_time=data["start_time"],
                    anchor_on=data["anchor_on"],
                    people=people,
                )
            except ServiceError as exc:
                form_errors(form, exc)
            else:
                messages.success(
                    request, _("The template %(name)s has been saved.") % {"name": saved.name}
                )
                return redirect("duty:room_detail", code=code)
    return render_in_room_time(
        request,
        room,
        "duty/template_form.html",
        {
            "room": room,
            "form": form,
            "template": template,
            "people": queries.people_choices(room),
            **_crumbs(request, room, _("Roster template")),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def template_apply(request, code: str, template_id: int):
    """Make the template's shifts for a month in one action."""
    room = _managed_room(request, code)
    template = queries.get_template_for(request.user, room, template_id, PERM)
    form = ApplyForm(request.POST)
    month = parse_month(request.POST.get("month")) if form.is_valid() else None
    target = reverse("duty:room_detail", args=[code])
    if month is None:
        messages.error(request, _("Choose a month (YYYY-MM)."))
        return redirect(target)
    try:
        result = templates.apply_template(actor=request.user, template=template, month=month)
    except ServiceError as exc:
        detail = "; ".join(str(m) for ms in exc.fields.values() for m in ms)
        messages.error(request, f"{exc.message} {detail}".strip())
    else:
        messages.success(
            request,
            _(
                "%(name)s applied to %(month)s: %(created)s shifts made, %(removed)s replaced, "
                "%(kept)s kept."
            )
            % {
                "name": template.name,
                "month": month.strftime("%Y-%m"),
                "created": result.created,
                "removed": result.removed,
                "kept": result.kept,
            },
        )
    return redirect(f"{target}?month={month:%Y-%m}")


def _person_or_error(form, room, field="employee_no"):
    person = queries.find_person(room, form.cleaned_data.get(field))
    if person is None:
        form.add_error(field, _("No one with this employee number in the duty room's group."))
    return person


@login_required
@require_http_methods(["GET", "POST"])
def shift_new(request, code: str):
    room = _managed_room(request, code)
    with timezone.override(tz_of(room.unit)):
        form = ShiftForm(
            request.POST or None, initial={"role": request.GET.get("role")}, unit=room.unit
        )
        valid = request.method == "POST" and form.is_valid()
    if valid:
        person = _person_or_error(form, room)
        if person is not None:
            data = form.cleaned_data
            try:
                shift = services.create_shift(
                    actor=request.user,
                    room=room,
                    role=data["role"],
                    person=person,
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    note=data["note"],
                )
            except ServiceError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("The shift has been added."))
                return redirect(
                    reverse("duty:room_detail", args=[code])
                    + f"?month={timezone.localtime(shift.starts_at, tz_of(room.unit)):%Y-%m}"
                )
    return render_in_room_time(
        request,
        room,
        "duty/shift_form.html",
        {
            "room": room,
            "form": form,
            "people": queries.people_choices(room),
            **_crumbs(request, room, _("New shift")),
        },
        status=400 if form.errors else 200,
    )


def _shift_context(request, shift, **forms) -> dict:
    room = shift.room
    user = request.user
    manage = queries.can_manage(user, room)
    own = shift.person.user_id is not None and shift.person.user_id == user.pk
    now = timezone.now()
    pending = (
        shift.swap_requests.filter(state="pending")
        .select_related("to_person", "from_person", "requested_by")
        .first()
    )
    context = {
        "shift": shift,
        "room": room,
        "can_manage": manage,
        "own": own,
        "is_over": shift.ends_at <= now,
        "pending": pending,
        "swaps": list(
            shift.swap_requests.select_related(
                "to_person", "from_person", "requested_by", "decided_by"
            )
        ),
        "handovers": list(shift.handovers_out.select_related("incoming__person"))
        + list(shift.handovers_in.select_related("outgoing__person")),
        "next_shift": next_shift(shift),
        **_crumbs(request, room, _("Shift")),
    }
    if manage:
        with timezone.override(tz_of(room.unit)):
            context["edit_form"] = forms.get("edit_form") or ShiftForm(
                unit=room.unit,
                initial={
                    "role": shift.role,
                    "employee_no": shift.person.employee_no,
                    # Strings: the shared form partial prints values as they are.
                    "starts_at": timezone.localtime(shift.starts_at).strftime(LOCAL_INPUT),
                    "ends_at": timezone.localtime(shift.ends_at).strftime(LOCAL_INPUT),
                    "note": shift.note,
                },
            )
    if (manage or own) and not context["is_over"] and pending is None:
        context["swap_form"] = forms.get("swap_form") or SwapForm(unit=room.unit)
    if pending is not None and manage and pending.requested_by_id != user.pk:
        context["decide_form"] = forms.get("decide_form") or DecideForm()
    if (manage or own) and not shift.handovers_out.exists():
        context["handover_form"] = forms.get("handover_form") or HandoverForm()
    return context


@login_required
@require_GET
def shift_detail(request, shift_id: int):
    shift = queries.get_shift_for(request.user, shift_id)
    return render_in_room_time(
        request, shift.room, "duty/shift_detail.html", _shift_context(request, shift)
    )


def _rerender_shift(request, shift, **forms):
    return render_in_room_time(
        request,
        shift.room,
        "duty/shift_detail.html",
        _shift_context(request, shift, **forms),
        status=400,
    )


@login_required
@require_POST
def shift_edit(request, shift_id: int):
    shift = queries.get_shift_for(request.user, shift_id)
    if not queries.can_manage(request.user, shift.room):
        raise Http404
    with timezone.override(tz_of(shift.room.unit)):
        form = ShiftForm(request.POST, unit=shift.room.unit)
        valid = form.is_valid()
    if valid:
        person = _person_or_error(form, shift.room)
        if person is not None:
            data = form.cleaned_data
            try:
                services.update_shift(
                    actor=request.user,
                    shift=shift,
                    person=person,
                    role=data["role"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    note=data["note"],
                )
            except ServiceError as exc:
                form_errors(form, exc)
            else:
                messages.success(request, _("The shift has been changed."))
                return redirect("duty:shift_detail", shift_id=shift.pk)
    return _rerender_shift(request, shift, edit_form=form)


@login_required
@require_POST
def shift_delete(request, shift_id: int):
    shift = queries.get_shift_for(request.user, shift_id)
    if not queries.can_manage(request.user, shift.room):
        raise Http404
    code = shift.room.unit.code
    try:
        services.delete_shift(actor=request.user, shift=shift)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        return redirect("duty:shift_detail", shift_id=shift.pk)
    messages.success(request, _("The shift has been removed."))
    return redirect("duty:room_detail", code=code)


@login_required
@require_POST
def swap_request(request, shift_id: int):
    shift = queries.get_shift_for(request.user, shift_id)
    form = SwapForm(request.POST, unit=shift.room.unit)
    if form.is_valid():
        person = _person_or_error(form, shift.room)
        if person is not None:
            try:
                swaps.request_swap(
                    actor=request.user,
                    shift=shift,
                    to_person=person,
                    reason=form.cleaned_data["reason"],
                )
            except ServiceError as exc:
                if exc.status == 403:
                    raise Http404 from exc
                form_errors(form, exc)
                if "to_person" in exc.fields:
                    for message in exc.fields["to_person"]:
                        form.add_error("employee_no", message)
            else:
                messages.success(request, _("The swap has been asked for; a duty manager decides."))
                return redirect("duty:shift_detail", shift_id=shift.pk)
    return _rerender_shift(request, shift, swap_form=form)


@login_required
@require_POST
def swap_decide(request, swap_id: int):
    swap = queries.get_swap_for(request.user, swap_id)
    shift = queries.get_shift_for(request.user, swap.shift_id)
    if not queries.can_manage(request.user, shift.room):
        raise Http404
    form = DecideForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            swaps.decide_swap(
                actor=request.user, swap=swap, approve=approve, note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("The swap has been approved.") if approve else _("The swap has been rejected."),
            )
            return redirect("duty:shift_detail", shift_id=shift.pk)
    return _rerender_shift(request, shift, decide_form=form)


@login_required
@require_GET
def now(request):
    """Who is on duty now for a unit (?unit=CODE; default: the top of the user's scope),
    from the nearest duty room on its line."""
    _require_view(request.user)
    code = (request.GET.get("unit") or "").strip()
    if code:
        unit = get_unit_for(request.user, code)
    else:
        unit = list_root_units(request.user).first()
        if unit is None:
            raise Http404
    found = on_duty(unit)
    room = found["room"]
    context = {
        "unit": unit,
        "room": room,
        "found": found,
        "unit_choices": list_unit_choices(request.user),
        "room_visible": room is not None and scope_of(request.user).covers(room.unit.path),
        "breadcrumbs": get_breadcrumbs(request.user, unit),
        "breadcrumb_tail": _("On duty now"),
    }
    if room is None:
        return render(request, "duty/now.html", context)
    return render_in_room_time(request, room, "duty/now.html", context)


urlpatterns = [
    path("", room_list, name="room_list"),
    path("now/", now, name="now"),
    path("rooms/new/", room_new, name="room_new"),
    path("rooms/<str:code>/", room_detail, name="room_detail"),
    path("rooms/<str:code>/edit/", room_edit, name="room_edit"),
    path("rooms/<str:code>/templates/new/", template_form, name="template_new"),
    path("rooms/<str:code>/templates/<int:template_id>/", template_form, name="template_edit"),
    path(
        "rooms/<str:code>/templates/<int:template_id>/apply/", template_apply, name="template_apply"
    ),
    path("rooms/<str:code>/shifts/new/", shift_new, name="shift_new"),
    path("shifts/<int:shift_id>/", shift_detail, name="shift_detail"),
    path("shifts/<int:shift_id>/edit/", shift_edit, name="shift_edit"),
    path("shifts/<int:shift_id>/delete/", shift_delete, name="shift_delete"),
    path("shifts/<int:shift_id>/swap/", swap_request, name="swap_request"),
    path("swaps/<int:swap_id>/decide/", swap_decide, name="swap_decide"),
]
