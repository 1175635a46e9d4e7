"""Each person's to-do list (待办), computed from the facts at every read, never stored.

Every app that knows of work waiting for someone registers a source from its
`AppConfig.ready()`:

    register_task_source("reporting.due", reports_due)

where `reports_due(user, now)` returns the `Task`s it knows for that user, read through
the app's scoped queries (a source sees only what the user's roles cover). The workbench
shows them on the home page and at `GET /api/v1/me/tasks`, most urgent first, then by due
time; a task disappears when the fact behind it changes (the report is filed, the
incident signed), because nothing of it was copied. A source that fails is logged and
skipped: one broken app never empties everybody's list.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    kind: str  # "<app>.<what>": report_due, incident_ack … (stable, for the API)
    title: str  # one sentence for the user, in their language
    url: str  # the one link that does it
    unit: object = None  # the Unit it is for (its time zone shows `due_at`), if any
    due_at: datetime | None = None
    urgent: bool = False
    count: int | None = None  # how many things this one item stands for, when several
    action: str = ""  # a POST url that does it at once from the list (e.g. sign)
    action_label: str = ""


TaskSource = Callable[[object, datetime], Iterable[Task]]
_sources: dict[str, TaskSource] = {}


def register_task_source(name: str, fn: TaskSource) -> None:
    _sources[name] = fn


_UNDATED = datetime.max.replace(tzinfo=UTC)


def _order(task: Task):
    return (not task.urgent, task.due_at or _UNDATED, task.title)


def tasks_for(user, now: datetime | None = None) -> list[Task]:
    """The user's to-do list: urgent first, then by due time (undated last)."""
    if not user.is_authenticated:
        return []
    now = now or timezone.now()
    found: list[Task] = []
    for name, source in _sources.items():
        try:
            found.extend(source(user, now))
        except Exception:
            logger.exception("The to-do source %s failed", name)
    return sorted(found, key=_order)
