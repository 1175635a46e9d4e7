"""Today's check-ins in /metrics (core.metrics), from the per-unit tallies (one row per
unit, day and category, on the `(day, unit_path)` index), never the person-level rows.
"Today" is the platform's day (TIME_ZONE, Asia/Shanghai by default)."""

from datetime import datetime

from django.db.models import Sum
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from .choices import Category
from .models import CheckInTally


def collect(now: datetime):
    today = timezone.localdate(now)
    rows = {
        category: (checked_in or 0, fever or 0)
        for category, checked_in, fever in CheckInTally.objects.filter(day=today)
        .values_list("category")
        .annotate(n=Sum("checked_in"), f=Sum("fever"))
        .values_list("category", "n", "f")
    }
    checked = GaugeMetricFamily(
        "fangkong_checkins_today", "Check-ins of today, by category.", labels=["category"]
    )
    fever = GaugeMetricFamily(
        "fangkong_checkins_fever_today",
        "Check-ins of today with a fever, by category.",
        labels=["category"],
    )
    for category in Category.values:
        n, f = rows.get(category, (0, 0))
        checked.add_metric([category], n)
        fever.add_metric([category], f)
    yield checked
    yield fever
