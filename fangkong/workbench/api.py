"""The to-do list over JSON: `GET /api/v1/me/tasks`."""

from datetime import datetime

from ninja import Field, Router, Schema

from fangkong.core.tasks import tasks_for

router = Router(tags=["workbench"])


class TaskOut(Schema):
    kind: str = Field(description="what it is, e.g. reporting.report_due, incidents.ack")
    title: str
    unit: str | None = Field(description="the code of the unit it is for")
    due_at: datetime | None
    urgent: bool
    url: str = Field(description="the page that does it (relative to the site)")
    count: int | None = Field(None, description="how many things the item stands for")


@router.get("/me/tasks", response=list[TaskOut], summary="My to-do list")
def my_tasks(request):
    """What waits for the caller now, most urgent first, then by due time; computed at each
    call from the facts (a filed report, a signed incident is gone at once)."""
    return [
        {
            "kind": t.kind,
            "title": t.title,
            "unit": getattr(t.unit, "code", None),
            "due_at": t.due_at,
            "urgent": t.urgent,
            "url": t.url,
            "count": t.count,
        }
        for t in tasks_for(request.user)
    ]
