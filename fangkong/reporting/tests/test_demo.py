from datetime import UTC, datetime, time

import time_machine
from django.test import TestCase

from fangkong.orgs.demo import seed_demo
from fangkong.reporting.models import DailyReport, ReportRevision

# 00:20 in Shanghai (16:20 UTC the day before): the demo morning has not begun.
JUST_AFTER_MIDNIGHT = datetime(2026, 12, 2, 16, 20, tzinfo=UTC)


class DemoAtAnyHourTests(TestCase):
    def test_just_after_midnight_no_report_of_the_day_is_filed_the_day_before(self):
        with time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False):
            seed_demo(log=lambda *a: None)
        today = JUST_AFTER_MIDNIGHT.astimezone(DailyReport.objects.first().unit.tzinfo).date()
        filed = DailyReport.objects.filter(first_filed_at__isnull=False).select_related("unit")
        self.assertTrue(filed.filter(day__lt=today).exists())
        for report in filed.filter(day=today):
            start = datetime.combine(today, time(0), tzinfo=report.unit.tzinfo)
            self.assertGreaterEqual(report.first_filed_at, start, report.unit.code)
        for revision in ReportRevision.objects.select_related("report__unit"):
            day_start = datetime.combine(
                revision.report.day, time(0), tzinfo=revision.report.unit.tzinfo
            )
            self.assertGreaterEqual(revision.filed_at, day_start, revision.report.unit.code)
