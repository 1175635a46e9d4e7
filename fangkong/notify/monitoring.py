"""The outbox in /healthz and /metrics (core.healthz, core.metrics): what is due and how
long the oldest due message has waited. Both read the claim's partial index
(`notify_due_idx`); delivery outcomes are the `notify.deliver` sweep's counts
(`fangkong_sweep_items_total{sweep="notify.deliver"}`: sent, failed, dead…)."""

from datetime import datetime

from django.conf import settings
from django.db.models import Count, Min, Q
from prometheus_client.core import GaugeMetricFamily

from fangkong.core.healthz import Check

from .choices import CLAIMABLE
from .models import Message


def _backlog(now: datetime) -> dict:
    waiting = Message.objects.filter(state__in=CLAIMABLE)
    return waiting.aggregate(
        due=Count("id", filter=Q(next_attempt_at__lte=now)),
        urgent=Count("id", filter=Q(next_attempt_at__lte=now, urgent=True)),
        waiting=Count("id"),
        oldest=Min("next_attempt_at", filter=Q(next_attempt_at__lte=now)),
    )


def oldest_due_check(now: datetime) -> Check:
    """/healthz `outbox`: no due message waited longer than FANGKONG_HEALTHZ_OUTBOX_SECONDS
    (held ones — quiet hours, back-off — are not due)."""
    limit = settings.HEALTHZ_OUTBOX_SECONDS
    oldest = Message.objects.filter(state__in=CLAIMABLE, next_attempt_at__lte=now).aggregate(
        oldest=Min("next_attempt_at")
    )["oldest"]
    if oldest is None:
        return Check(True, "no message due")
    age = (now - oldest).total_seconds()
    if age > limit:
        return Check(False, f"the oldest due message has waited {age:.0f} s (limit {limit:g} s)")
    return Check(True, f"the oldest due message has waited {age:.0f} s")


def collect(now: datetime):
    backlog = _backlog(now)
    due = GaugeMetricFamily(
        "fangkong_outbox_messages",
        "Messages not yet delivered: due now (urgent among them), or waiting (held, in "
        "back-off, or being sent).",
        labels=["state"],
    )
    due.add_metric(["due"], backlog["due"])
    due.add_metric(["due_urgent"], backlog["urgent"])
    due.add_metric(["waiting"], backlog["waiting"])
    yield due
    oldest = backlog["oldest"]
    yield GaugeMetricFamily(
        "fangkong_outbox_oldest_due_age_seconds",
        "How long the oldest due message has waited (0: none due).",
        value=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
    )
