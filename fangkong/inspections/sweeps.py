"""Time-driven work of inspections: the overdue ladder of rectification items
(`inspections.overdue`): an open item past its due time tells its owner, one day later the
unit above, three days later the epidemic office above, each once (a mark on the row, set
in the transaction that tells, under its lock, SKIP LOCKED on PostgreSQL), and goes into
the accountability ledger at its due time. A failing row is logged and skipped."""

import logging
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from fangkong.accountability.services import record_entry

from . import messages
from .choices import LADDER, RectAction, RectState
from .models import Rectification, RectificationEvent

log = logging.getLogger(__name__)
BATCH = 200
MARKS = {
    RectAction.OVERDUE_OWNER: "told_owner_at",
    RectAction.OVERDUE_ABOVE: "told_above_at",
    RectAction.OVERDUE_OFFICE: "told_office_at",
}


def _locked(qs):
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs.select_for_update()


def _step(rect: Rectification, step: str, now) -> None:
    messages.tell_overdue(rect, step)
    setattr(rect, MARKS[step], now)
    rect.save(update_fields=[MARKS[step]])
    RectificationEvent.objects.create(rectification=rect, action=step, at=now)
    if step == RectAction.OVERDUE_OWNER:
        record_entry(
            kind=messages.OVERDUE_KIND,
            unit=rect.unit,
            day=rect.unit.local_date(rect.due_at),
            object_type="rectification",
            object_id=rect.pk,
            facts={
                "title": rect.title,
                "severity": rect.severity,
                "severity_label": str(rect.get_severity_display()),
                "due_at": rect.due_at.isoformat(),
                "visit": rect.visit_id,
            },
            now=now,
        )


def tell_overdue(now=None) -> dict:
    now = now or timezone.now()
    done = failed = 0
    for step, days in LADDER:
        mark = MARKS[step]
        with transaction.atomic():
            due = _locked(
                Rectification.objects.filter(
                    state=RectState.OPEN,
                    due_at__lte=now - timedelta(days=days),
                    **{f"{mark}__isnull": True},
                ).select_related("unit", "owner", "visit")
            )[:BATCH]
            for rect in due:
                try:
                    with transaction.atomic():
                        _step(rect, step, now)
                    done += 1
                except Exception:
                    failed += 1
                    log.exception("overdue rectification %s (%s)", rect.pk, step)
    return {"told": done, "failed": failed}


def register_sweeps() -> None:
    from fangkong.core.worker import register_sweep

    register_sweep("inspections.overdue", tell_overdue, every=60)
