"""The escalation sweep (`fangkong worker`, urgent lane, every 15 s).

Guarantees: each overdue clock (due, unmet, not escalated) is escalated once, to the level
above the late party and its on-duty people, with its accountability entry and timeline
event, in a savepoint of its own: a clock that fails is rolled back alone, logged, counted
(`Clock.escalation_failures`) and taken after the healthy ones in later runs, so one bad row
never stops the escalation of the others. Rows are claimed with SKIP LOCKED on PostgreSQL,
so two workers escalate disjoint clocks.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.localtime import show
from fangkong.notify import services as notify
from fangkong.orgs.models import Unit

from .choices import ClockKind, EventKind
from .models import Clock
from .services import _event, _notify_level, _record_late

logger = logging.getLogger(__name__)


def escalate_due(now: datetime | None = None, batch: int = 500) -> dict:
    """Escalate every clock that is due, unmet and not yet escalated; returns
    `{"escalated": n}` and, when some failed, `"failed": n`."""
    now = now or timezone.now()
    escalated, failed = 0, []
    while True:
        with transaction.atomic():
            running = Clock.objects.filter(
                met_at__isnull=True,
                escalated_at__isnull=True,
                cancelled_at__isnull=True,
                due_at__lte=now,
            ).exclude(pk__in=failed)
            if connection.features.has_select_for_update_skip_locked:
                running = running.select_for_update(skip_locked=True, of=("self",))
            # Clocks that failed before go last: a poisoned row never holds the batch's head.
            running = running.order_by("escalation_failures", "due_at", "pk")
            clocks = list(running.select_related("incident__unit", "unit")[:batch])
            parents = Unit.objects.in_bulk({c.unit.parent_id for c in clocks} - {None})
            # Escalations of a batch go to few units: look their recipients up once.
            with notify.cached_lookups():
                for clock in clocks:
                    try:
                        with transaction.atomic():  # a savepoint: one clock's failure is its own
                            _escalate(clock, now, parents.get(clock.unit.parent_id) or clock.unit)
                    except Exception:
                        failed.append(clock.pk)
                        _record_failure(clock)
                    else:
                        escalated += 1
        if len(clocks) < batch:
            return {"escalated": escalated, **({"failed": len(failed)} if failed else {})}


def _record_failure(clock: Clock) -> None:
    if clock.escalation_failures == 0:
        logger.exception(
            "escalating clock %s of incident %s failed; skipped, retried later",
            clock.pk,
            clock.incident_id,
        )
    else:  # the traceback was logged at its first failure
        logger.warning(
            "escalating clock %s of incident %s failed again (%s times)",
            clock.pk,
            clock.incident_id,
            clock.escalation_failures + 1,
        )
    Clock.objects.filter(pk=clock.pk).update(escalation_failures=F("escalation_failures") + 1)


def _escalate(clock: Clock, now: datetime, above: Unit) -> None:
    incident = clock.incident
    clock.escalated_at = now
    clock.save(update_fields=["escalated_at"])
    _record_late(clock, now)

    def facts():
        return {
            "what": ClockKind(clock.kind).label,
            "late": clock.unit.name,
            "title": incident.title,
            "due": show(clock.due_at, clock.unit, "time"),
        }

    def text():
        return _("%(late)s did not make the %(what)s by %(due)s.") % facts()

    def subject():
        return _("[Escalated] %(what)s overdue: %(title)s") % facts()

    _event(incident, EventKind.ESCALATED, None, now, above, text)
    _notify_level(incident, above, f"incident:{incident.pk}:escalated:{clock.pk}", subject, text)
