"""Duty's items of the to-do list (core.tasks): my shift now or next, handovers waiting for
my confirmation, and the swap requests I may decide."""

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.core.localtime import show
from fangkong.core.scope import scope_of
from fangkong.core.tasks import Task

from .choices import SwapState
from .models import DutyRoom, Handover, Shift, SwapRequest
from .permissions import DutyPerm
from .queries.roster import annotate_coverage

SOON = timedelta(hours=24)  # a next shift this close is on the list


def my_shifts(user, now):
    shifts = (
        Shift.objects.filter(person__user=user, ends_at__gt=now, starts_at__lt=now + SOON)
        .select_related("room__unit")
        .order_by("starts_at")[:3]
    )
    for shift in shifts:
        unit = shift.room.unit
        values = {
            "role": shift.get_role_display(),
            "room": shift.room.name,
            "start": show(shift.starts_at, unit, "short"),
            "end": show(shift.ends_at, unit, "short"),
        }
        on_now = shift.starts_at <= now
        yield Task(
            kind="duty.shift_now" if on_now else "duty.shift_next",
            title=(
                _("You are on duty (%(role)s, %(room)s) until %(end)s") % values
                if on_now
                else _("Your next duty shift (%(role)s, %(room)s) starts %(start)s") % values
            ),
            url=reverse("duty:room_detail", args=[unit.code]),
            unit=unit,
            due_at=shift.ends_at if on_now else shift.starts_at,
        )


def handovers_to_confirm(user, now):
    handovers = (
        Handover.objects.filter(
            Q(incoming__person__user=user, confirmed_in_at__isnull=True)
            | Q(outgoing__person__user=user, confirmed_out_at__isnull=True),
            written_at__gt=now - timedelta(days=2),
        )
        .select_related("incoming__room__unit")
        .order_by("written_at")[:5]
    )
    for handover in handovers:
        unit = handover.incoming.room.unit
        yield Task(
            kind="duty.handover",
            title=_("Confirm the handover of %(room)s") % {"room": handover.incoming.room.name},
            url=reverse("duty:log", args=[unit.code]),
            unit=unit,
            due_at=handover.incoming.starts_at,
        )


def swaps_to_decide(user, now):
    scope = scope_of(user, DutyPerm.MANAGE_DUTY)
    if scope.empty:
        return
    swaps = (
        SwapRequest.objects.filter(
            scope.q("shift__room__unit__path"),
            state=SwapState.PENDING,
            shift__starts_at__gt=now,
        )
        .select_related("shift__room__unit", "from_person", "to_person")
        .order_by("shift__starts_at")[:10]
    )
    for swap in swaps:
        unit = swap.shift.room.unit
        yield Task(
            kind="duty.swap",
            title=_("Decide a duty swap: %(from)s → %(to)s, shift of %(start)s")
            % {
                "from": swap.from_person.name,
                "to": swap.to_person.name,
                "start": show(swap.shift.starts_at, unit, "short"),
            },
            url=reverse("duty:room_detail", args=[unit.code]),
            unit=unit,
            due_at=swap.shift.starts_at,
        )


def coverage_gaps(user, now):
    """For those who keep rosters: the duty rooms of their scope with a role uncovered at
    some time in the next 7 days (the coverage sweep tells them too, once a day)."""
    scope = scope_of(user, DutyPerm.MANAGE_DUTY)
    if scope.empty:
        return
    rooms = DutyRoom.objects.filter(scope.q("unit__path"), active=True).select_related("unit")
    rooms = [r for r in annotate_coverage(rooms[:100], now) if r.gap_roles]
    if rooms:
        first = rooms[0]
        yield Task(
            kind="duty.gaps",
            title=ngettext(
                "%(n)s duty room has gaps in the next 7 days (%(room)s)",
                "%(n)s duty rooms have gaps in the next 7 days (%(room)s …)",
                len(rooms),
            )
            % {"n": len(rooms), "room": first.name},
            url=reverse("duty:room_detail", args=[first.unit.code])
            if len(rooms) == 1
            else reverse("duty:room_list"),
            unit=first.unit,
            count=len(rooms),
        )
