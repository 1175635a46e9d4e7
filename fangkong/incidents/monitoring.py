"""Incident clocks in /metrics (core.metrics): open ones and overdue ones, and those overdue
that the escalation sweep has not taken yet (the sweep's own partial index: above zero for
longer than a minute or two, escalation is not running)."""

from datetime import datetime

from django.db.models import Count, Q
from prometheus_client.core import GaugeMetricFamily

from .models import Clock


def collect(now: datetime):
    running = Q(met_at__isnull=True, cancelled_at__isnull=True)
    counts = Clock.objects.filter(running).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_at__lt=now)),
        unescalated=Count("id", filter=Q(due_at__lt=now, escalated_at__isnull=True)),
    )
    family = GaugeMetricFamily(
        "fangkong_incident_clocks",
        "Incident clocks not met and not cancelled: open, overdue, overdue and not escalated.",
        labels=["state"],
    )
    family.add_metric(["open"], counts["open"])
    family.add_metric(["overdue"], counts["overdue"])
    family.add_metric(["overdue_unescalated"], counts["unescalated"])
    yield family
