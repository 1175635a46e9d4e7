"""Time-driven work of the daily report, run by `fangkong worker`."""

from datetime import timedelta

from django.utils import timezone

from .models import ReportForm
from .services import sync_expected


def sync_expected_reports(now=None) -> dict:
    """Keep yesterday's, today's and tomorrow's expected reports in step with the tree:
    rows exist before the cut-off (so "missing" is a row, not an absence)."""
    today = timezone.localdate(now or timezone.now())
    done = {}
    for form in ReportForm.objects.filter(is_active=True):
        for day in (today - timedelta(days=1), today, today + timedelta(days=1)):
            done[f"{form.code} {day}"] = sync_expected(form, day)
    return done


def send_reminders(now=None) -> dict:
    """Reminders before the cut-off and the missing lists after it (see reminders.py)."""
    from .reminders import send_reminders

    return send_reminders(now)
