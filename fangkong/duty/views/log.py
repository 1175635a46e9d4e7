"""Pages of the duty log: a room's entries of a day with the entry form, the handovers
with their confirm buttons, and writing the handover note of a shift."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.forms import form_errors
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import get_object_for

from ..clock import local_today, tz_of
from ..forms import HandoverForm, LogEntryForm
from ..models import Handover
from ..queries import log as queries
from ..queries import roster as roster_queries
from ..services import log as services
from .roster import _crumbs, _rerender_shift, render_in_room_time


def _log_context(request, room, **forms) -> dict:
    today = local_today(room.unit)
    day = parse_date(request.GET.get("day") or "") or today
    user = request.user
    handovers = list(queries.list_handovers(room))
    for handover in handovers:
        handover.can_confirm_out = _may_confirm(
            user, room, handover.outgoing, handover.confirmed_out_at
        )
        handover.can_confirm_in = _may_confirm(
            user, room, handover.incoming, handover.confirmed_in_at
        )
    context = {
        "room": room,
        "day": day,
        "today": today,
        "entries": list(queries.list_log(room, day)),
        "handovers": handovers,
        "can_write": services.can_write_log(user, room),
        "own_shift": services.own_shift(user, room, timezone.now()),
        **_crumbs(request, room, _("Duty log")),
    }
    if context["can_write"]:
        context["form"] = forms.get("form") or LogEntryForm()
    return context


def _may_confirm(user, room, shift, confirmed_at) -> bool:
    if confirmed_at is not None:
        return False
    user_id = shift.person.user_id
    if user_id is not None:
        return user_id == user.pk
    return roster_queries.can_manage(user, room)


@login_required
@require_GET
def log(request, code: str):
    room = roster_queries.get_room_for(request.user, code)
    return render_in_room_time(request, room, "duty/log.html", _log_context(request, room))


@login_required
@require_POST
def log_add(request, code: str):
    room = roster_queries.get_room_for(request.user, code)
    if not services.can_write_log(request.user, room):
        raise Http404
    with timezone.override(tz_of(room.unit)):
        form = LogEntryForm(request.POST)
        valid = form.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            services.add_log_entry(
                actor=request.user, room=room, kind=data["kind"], text=data["text"], at=data["at"]
            )
        except ServiceError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("The entry has been written."))
            return redirect("duty:log", code=code)
    return render_in_room_time(
        request, room, "duty/log.html", _log_context(request, room, form=form), status=400
    )


@login_required
@require_POST
def handover_new(request, shift_id: int):
    shift = roster_queries.get_shift_for(request.user, shift_id)
    form = HandoverForm(request.POST)
    if form.is_valid():
        try:
            services.write_handover(
                actor=request.user, outgoing=shift, note=form.cleaned_data["note"]
            )
        except ServiceError as exc:
            if exc.status == 403:
                raise Http404 from exc
            form_errors(form, exc)
        else:
            messages.success(request, _("The handover note has been written."))
            return redirect("duty:log", code=shift.room.unit.code)
    return _rerender_shift(request, shift, handover_form=form)


@login_required
@require_POST
def handover_confirm(request, handover_id: int):
    queryset = Handover.objects.select_related("outgoing__room__unit")
    handover = get_object_for(request.user, queryset, CorePerm.VIEW, pk=handover_id)
    side = request.POST.get("side", "")
    try:
        services.confirm_handover(actor=request.user, handover=handover, side=side)
    except ServiceError as exc:
        if exc.status == 403:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The handover has been confirmed."))
    return redirect(reverse("duty:log", args=[handover.outgoing.room.unit.code]))


urlpatterns = [
    path("rooms/<str:code>/log/", log, name="log"),
    path("rooms/<str:code>/log/add/", log_add, name="log_add"),
    path("shifts/<int:shift_id>/handover/", handover_new, name="handover_new"),
    path("handovers/<int:handover_id>/confirm/", handover_confirm, name="handover_confirm"),
]
