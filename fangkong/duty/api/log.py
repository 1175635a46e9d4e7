"""The duty log over JSON: a room's entries of a local day, and writing one."""

from datetime import datetime

from ninja import Router, Schema

from fangkong.core.idempotency import idempotent
from fangkong.core.schemas import Code, Day, Moment, Text

from ..choices import LogKind
from ..clock import local_today
from ..queries import log as log_queries
from ..queries import roster as queries
from ..services import log as log_services

router = Router(tags=["duty"])


class LogEntryOut(Schema):
    id: int
    kind: LogKind
    at: datetime
    text: str
    by: str | None
    shift: int | None


class LogEntryIn(Schema):
    kind: LogKind
    text: Text(20000)
    at: Moment | None = None


@router.get("/duty/rooms/{unit_code}/log", response=list[LogEntryOut])
def log_list(request, unit_code: Code, day: Day | None = None):
    """The room's log entries of a local day (default today), newest first."""
    room = queries.get_room_for(request.user, unit_code)
    entries = log_queries.list_log(room, day or local_today(room.unit))
    return [_entry_out(e) for e in entries]


def _entry_out(entry) -> dict:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "at": entry.at,
        "text": entry.text,
        "by": entry.by.get_username() if entry.by else None,
        "shift": entry.shift_id,
    }


@router.post("/duty/rooms/{unit_code}/log", response={201: LogEntryOut})
@idempotent
def log_add(request, unit_code: Code, payload: LogEntryIn):
    """Write a log entry: the person on duty in the room, or a duty manager."""
    room = queries.get_room_for(request.user, unit_code)
    entry = log_services.add_log_entry(
        actor=request.user, room=room, kind=payload.kind, text=payload.text, at=payload.at
    )
    return 201, _entry_out(entry)
