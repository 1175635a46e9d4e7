from datetime import UTC, date, datetime

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.testing import run_followups
from fangkong.health.services import checkins as services
from fangkong.notify.models import Message
from fangkong.reporting import services as reporting
from fangkong.reporting.prefill import derived_values
from fangkong.reporting.testing import daily_values, make_reporting_province

DAY = date(2020, 2, 3)
MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class PrefillTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = t = make_reporting_province()
        reporting.sync_expected(t.daily, DAY)
        services.check_in_unit(
            actor=t.root,
            unit=t.group_a,
            day=DAY,
            rows=[
                {"employee_no": "A001", "temperature": "36.5"},  # a-hq, party member
                {"employee_no": "A002", "temperature": "38.0"},  # a-site-1
                {"employee_no": "A003", "temperature": "36.6", "whereabouts": "remote"},  # a-site-2
            ],
        )

    def test_each_unit_counts_only_its_own_people(self):
        t = self.t
        site = derived_values(t.daily, t.a_site_1, DAY)
        self.assertEqual((site["staff_total"], site["fever_today"], site["on_post"]), (1, 1, 1))
        # a-sub files too, but its sites file their own reports: nobody left for it.
        sub = derived_values(t.daily, t.a_sub, DAY)
        self.assertEqual((sub["staff_total"], sub["fever_today"]), (0, 0))
        hq = derived_values(t.daily, t.a_hq, DAY)
        self.assertEqual((hq["party_on_post"], hq["on_post"]), (1, 1))
        remote = derived_values(t.daily, t.a_site_2, DAY)
        self.assertEqual((remote["remote"], remote["on_post"]), (1, 0))

    def test_the_report_page_starts_from_the_derived_figures(self):
        self.client.force_login(self.t.bob)
        page = self.client.get(
            reverse("reporting:report", args=["daily", "a-site-1", "2020-02-03"])
        )
        self.assertContains(page, 'data-testid="prefill-note"')
        self.assertContains(page, 'data-testid="derived-fever_today"')

    def test_a_filed_figure_that_differs_is_flagged_to_the_office_above(self):
        t = self.t
        values = daily_values(
            staff_total=1,
            on_post=1,
            on_duty=0,
            party_on_post=0,
            volunteers_on_post=0,
            remote=0,
            fever_today=0,
        )
        filing = reporting.file_report(
            actor=t.bob,
            form=t.daily,
            unit=t.a_site_1,
            day=DAY,
            values=values,
            confirm=True,
            comment="ok",
        )
        self.assertFalse(Message.objects.filter(topic="mismatch").exists())  # the worker's job
        run_followups()
        filing.report.refresh_from_db()
        self.assertEqual(filing.report.mismatched_fields, ["fever_today"])
        message = Message.objects.get(topic="mismatch")
        self.assertEqual(message.recipient, t.olga)  # the epidemic office of group-a
        self.client.force_login(t.olga)
        overview = self.client.get(reverse("reporting:overview") + "?unit=group-a&day=2020-02-03")
        self.assertContains(overview, 'data-testid="mismatch-list"')
        self.assertContains(overview, "Unit a-site-1")
