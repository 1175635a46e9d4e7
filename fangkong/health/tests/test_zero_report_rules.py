"""A zero report that contradicts the unit's health records needs a confirmation (issue 9,
item 7; seed 004: 嚴防…瞞報); the report page keeps the headcounts derived from the records
and its mismatch banner lists only the fields that differ."""

import json
from datetime import UTC, date, datetime

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.errors import InvalidInput
from fangkong.health.services import checkins as services
from fangkong.reporting import services as reporting
from fangkong.reporting.models import DailyReport
from fangkong.reporting.testing import make_reporting_province

DAY = date(2020, 2, 3)
MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai, before the cut-off
URL = reverse("reporting:report", args=["daily", "a-site-1", "2020-02-03"])


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class ZeroReportContradictionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = t = make_reporting_province()
        reporting.sync_expected(t.daily, DAY)
        services.check_in_unit(
            actor=t.root,
            unit=t.group_a,
            day=DAY,
            rows=[
                {"employee_no": "A002", "temperature": "38.0"},  # a-site-1: a fever today
                {"employee_no": "A003", "temperature": "36.6"},  # a-site-2: nothing
            ],
        )

    def test_a_zero_report_against_a_fever_today_needs_a_confirmation(self):
        t = self.t
        # Seen: a zero report was accepted while the unit's health data showed a fever today.
        with self.assertRaises(reporting.ZeroContradicts) as ctx:
            reporting.file_zero_report(actor=t.bob, form=t.daily, unit=t.a_site_1, day=DAY)
        self.assertEqual(ctx.exception.code, "zero_contradicts_records")
        self.assertEqual(set(ctx.exception.fields), {"fever_today"})
        self.assertIsNone(DailyReport.objects.get(unit=t.a_site_1, day=DAY).first_filed_at)
        with self.assertRaises(InvalidInput):
            reporting.file_zero_report(
                actor=t.bob, form=t.daily, unit=t.a_site_1, day=DAY, confirm=True
            )
        filing = reporting.file_zero_report(
            actor=t.bob,
            form=t.daily,
            unit=t.a_site_1,
            day=DAY,
            confirm=True,
            comment="The fever was a thermometer fault, measured again 36.6",
        )
        self.assertTrue(filing.report.is_zero)
        self.assertEqual(filing.revision.comment[:21], "The fever was a therm")
        self.assertEqual(len(filing.revision.warnings), 1)

    def test_a_zero_report_that_agrees_with_the_records_files_at_once(self):
        t = self.t
        filing = reporting.file_zero_report(actor=t.root, form=t.daily, unit=t.a_site_2, day=DAY)
        self.assertTrue(filing.report.is_zero)

    def test_the_api_names_the_contradicting_fields(self):
        self.client.force_login(self.t.bob)
        url = "/api/v1/reports/daily/a-site-1/2020-02-03"
        refused = self.client.put(url, json.dumps({"zero": True}), content_type="application/json")
        self.assertEqual(refused.status_code, 409)
        self.assertEqual(refused.json()["code"], "zero_contradicts_records")
        self.assertEqual(list(refused.json()["fields"]), ["fever_today"])
        body = {"zero": True, "confirm": True, "comment": "Checked again: normal"}
        done = self.client.put(url, json.dumps(body), content_type="application/json")
        self.assertEqual(done.status_code, 200, done.content)

    def test_the_page_warns_then_keeps_the_derived_headcounts(self):
        self.client.force_login(self.t.bob)
        warned = self.client.post(URL, {"zero": "1"})
        self.assertContains(warned, 'data-testid="warnings"')
        self.assertContains(warned, "a zero report would contradict them")
        self.assertFalse(DailyReport.objects.get(unit=self.t.a_site_1, day=DAY).is_filed)
        self.client.post(URL, {"zero": "1", "confirm": "1", "comment": "Measured again"})
        report = DailyReport.objects.get(unit=self.t.a_site_1, day=DAY)
        self.assertTrue(report.is_zero)
        page = self.client.get(URL)
        # The headcounts come from the records, marked, not empty.
        self.assertContains(page, 'name="f_staff_total" inputmode="numeric" value="1"')
        self.assertContains(page, 'data-testid="prefilled-staff_total"')
        self.assertNotContains(page, 'data-testid="prefilled-fever_today"')  # filed: 0
        # The banner lists the one field that differs, nothing else.
        banner = page.content.decode().split('data-testid="mismatch"')[1].split("</div>")[0]
        self.assertIn('data-field="fever_today"', banner)
        self.assertEqual(banner.count("data-field="), 1)
