"""Time-driven work of canteens, run by `fangkong worker`: a published plan of today whose
meal has not begun is replanned and published again when the head counts on post moved by
more than `FANGKONG_CANTEEN_REPLAN_PERCENT` percent of the people it planned (at least one
person). Idempotent (a replanned plan holds today's counts, so a second run finds nothing
to do); one failing plan is logged and skipped."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import queries
from .choices import PlanReason, PlanState
from .models import Plan
from .services import propose_plan, publish_plan

log = logging.getLogger(__name__)


def threshold_percent() -> float:
    return float(settings.CANTEEN_REPLAN_PERCENT)


def changed(plan: Plan) -> bool:
    rows = list(plan.rows.select_related("unit"))
    now = queries.head_counts(queries.list_diners(plan.canteen), plan.day)
    moved = sum(abs(now.get(r.unit_id, 0) - r.people) for r in rows)
    moved += sum(n for uid, n in now.items() if uid not in {r.unit_id for r in rows})
    planned = sum(r.people for r in rows)
    return moved > max(planned * threshold_percent() / 100, 1)


def replan_changed(now=None) -> dict:
    now = now or timezone.now()
    done = failed = 0
    plans = Plan.objects.filter(state=PlanState.PUBLISHED).select_related("canteen__unit")
    for plan in plans.filter(day__gte=timezone.localdate(now) - timedelta(days=1)):
        local = plan.canteen.unit.local_time(now)
        if plan.day != local.date() or local.time() >= plan.starts:
            continue
        try:
            with transaction.atomic():
                if not changed(plan):
                    continue
                new = propose_plan(
                    actor=None, canteen=plan.canteen, day=plan.day, meal=plan.meal,
                    reason=PlanReason.REPLANNED,
                )  # fmt: skip
                publish_plan(actor=None, plan=new, now=now)
                done += 1
        except Exception:
            failed += 1
            log.exception("canteens.replan: plan %s failed", plan.pk)
    return {"replanned": done, "failed": failed}
