"""Reads of the duty log and the handovers of a room."""

from datetime import date

from ..clock import day_window
from ..models import DutyLogEntry, DutyRoom, Handover


def list_log(room: DutyRoom, day: date | None = None):
    """The room's log entries, newest first; of one local day when `day` is given."""
    entries = DutyLogEntry.objects.filter(room=room).select_related("by", "shift__person")
    if day is not None:
        low, high = day_window(day, room.unit)
        entries = entries.filter(at__gte=low, at__lt=high)
    return entries.order_by("-at", "-id")


def list_handovers(room: DutyRoom, limit: int = 20):
    return (
        Handover.objects.filter(outgoing__room=room)
        .select_related(
            "outgoing__person",
            "incoming__person",
            "confirmed_out_by",
            "confirmed_in_by",
            "written_by",
        )
        .order_by("-written_at", "-id")[:limit]
    )
