from datetime import UTC, date, datetime
from unittest import mock

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.reporting import services, views
from fangkong.reporting.models import DailyReport
from fangkong.reporting.testing import daily_values, make_reporting_province

DAY = date(2020, 2, 3)
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)  # 08:00 local
AFTER = datetime(2020, 2, 3, 2, 30, tzinfo=UTC)  # 10:30 local


def form_data(values):
    return {f"f_{k}": "" if v is None else v for k, v in values.items()}


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(BEFORE, tick=False)
class ReportPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        services.sync_expected(cls.t.daily, DAY)

    def url(self, unit="a-site-1", day="2020-02-03"):
        return reverse("reporting:report", args=["daily", unit, day])

    def test_my_reports_lists_the_liaisons_units(self):
        self.client.force_login(self.t.bob)
        page = self.client.get(reverse("reporting:my_reports")).content.decode()
        self.assertIn("a-site-1", page)
        self.assertNotIn("a-site-2", page)
        self.assertIn("1\xa0hour left", page)
        self.client.force_login(self.t.sasac)  # office: may file, sees its whole scope
        self.assertEqual(self.client.get(reverse("reporting:my_reports")).status_code, 200)

    def test_file_with_inline_errors_then_success(self):
        self.client.force_login(self.t.bob)
        page = self.client.get(self.url())
        self.assertContains(page, "Report day 2020-02-03: covers 02-02 09:00 to 02-03 09:00")
        bad = self.client.post(self.url(), form_data(daily_values(confirmed=-1, on_post=99)))
        self.assertContains(bad, "At least 0.")
        self.assertFalse(DailyReport.objects.filter(first_filed_at__isnull=False).exists())
        ok = self.client.post(self.url(), {**form_data(daily_values()), "version": 1})
        self.assertRedirects(ok, self.url())
        report = DailyReport.objects.get(unit=self.t.a_site_1, day=DAY)
        self.assertEqual((report.revision_count, report.values["staff_total"]), (1, 50))

    def test_htmx_check_returns_out_of_band_errors(self):
        self.client.force_login(self.t.bob)
        response = self.client.post(
            reverse("reporting:check", args=["daily", "a-site-1", "2020-02-03"]),
            form_data(daily_values(confirmed="x")),
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, 'id="err-confirmed"')
        self.assertContains(response, "A whole number is required.")
        self.assertContains(response, 'hx-swap-oob="true"')

    def test_zero_report_in_one_click(self):
        self.client.force_login(self.t.bob)
        response = self.client.post(self.url(), {"zero": "1"}, follow=True)
        self.assertContains(response, 'data-testid="zero-badge"')
        self.assertTrue(DailyReport.objects.get(unit=self.t.a_site_1, day=DAY).is_zero)

    def test_correction_after_cut_off_needs_a_reason(self):
        services.file_report(
            actor=self.t.bob,
            form=self.t.daily,
            unit=self.t.a_site_1,
            day=DAY,
            values=daily_values(),
            now=BEFORE,
        )
        self.client.force_login(self.t.bob)
        with time_machine.travel(AFTER, tick=False):
            response = self.client.post(self.url(), form_data(daily_values(staff_total=51)))
            self.assertContains(response, "A correction after the cut-off needs a reason.")
            response = self.client.post(
                self.url(),
                {**form_data(daily_values(staff_total=51)), "reason": "补报外包人员"},
                follow=True,
            )
        self.assertContains(response, "corrected after the cut-off")
        self.assertContains(response, "补报外包人员")
        self.client.force_login(self.t.olga)  # the superior's office sees it flagged
        with time_machine.travel(AFTER, tick=False):
            overview = self.client.get(
                reverse("reporting:overview") + "?unit=group-a&day=2020-02-03"
            )
        self.assertContains(overview, "Corrected after the cut-off")
        self.assertContains(overview, "补报外包人员")

    def test_future_day_and_outsiders(self):
        self.client.force_login(self.t.bob)
        self.assertNotContains(
            self.client.get(self.url(day="2020-02-04")),
            'data-testid="file-report"',
            status_code=200,
        )
        self.assertEqual(self.client.get(self.url(unit="a-site-2")).status_code, 404)
        self.assertEqual(self.client.get(self.url(day="not-a-day")).status_code, 404)
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.client.post(self.url(), {"zero": "1"}).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("reporting:overview") + "?unit=group-a").status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("reporting:matrix") + "?unit=a-sub").status_code, 404
        )


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(AFTER, tick=False)
class OverviewPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        services.sync_expected(cls.t.daily, DAY)
        services.file_zero_report(
            actor=cls.t.bob, form=cls.t.daily, unit=cls.t.a_site_1, day=DAY, now=BEFORE
        )
        services.file_report(
            actor=cls.t.root,
            form=cls.t.daily,
            unit=cls.t.a_hq,
            day=DAY,
            values=daily_values(),
            now=AFTER,
        )

    def test_overview_shows_counts_breakdown_missing_and_trend(self):
        self.client.force_login(self.t.alice)
        response = self.client.get(
            reverse("reporting:overview") + "?form=daily&unit=group-a&day=2020-02-03"
        )
        page = response.content.decode()
        self.assertIn('data-testid="expected">4<', page)
        self.assertIn('data-testid="filed">2<', page)
        self.assertIn('data-testid="zero">1<', page)
        self.assertIn('data-testid="missing">2<', page)
        self.assertIn("Unit a-site-2", page)  # in the missing list
        self.assertIn('id="trend-data"', page)
        self.assertIn('data-testid="corrected-list"', page)
        cutoff = self.client.get(
            reverse("reporting:overview") + "?unit=group-a&day=2020-02-03&as_of=cutoff"
        )
        self.assertContains(cutoff, "Figures as they stood at each unit")

    def test_overview_lists_show_their_first_rows_and_remind_all_still_covers_every_unit(self):
        self.client.force_login(self.t.alice)
        url = reverse("reporting:overview") + "?form=daily&unit=group-a&day=2020-02-03"
        with mock.patch.object(views, "LIST_ROWS", 1):
            page = self.client.get(url).content.decode()
            full = self.client.get(url + "&full=1").content.decode()
        rows = page.split('data-testid="missing-list"')[1].split("</table>")[0]
        self.assertEqual(rows.count("<tr>"), 2)  # the header and one unit
        self.assertIn('data-testid="more-missing"', page)
        self.assertIn("Only the first 1 are shown.", page)
        self.assertIn("full=1#missing", page)
        chase = page.split('data-testid="chase-all"')[0].rsplit("<form", 1)[1]
        self.assertEqual(chase.count('name="unit"'), 2)  # both missing units are reminded
        rows = full.split('data-testid="missing-list"')[1].split("</table>")[0]
        self.assertEqual(rows.count("<tr>"), 3)
        self.assertNotIn('data-testid="more-missing"', full)

    def test_overview_query_count_is_flat(self):
        self.client.force_login(self.t.sasac)
        # 19 + the missing units' reminders (催办) + the unit's own reports beside the roll-up
        # (summary, trend, breakdown)
        with self.assertNumQueries(22):
            self.client.get(reverse("reporting:overview") + "?unit=province&day=2020-02-03")

    def test_trend_series_on_demand(self):
        self.client.force_login(self.t.alice)
        url = reverse("reporting:trend_series") + "?form=daily&unit=group-a&day=2020-02-03"
        body = self.client.get(url + "&field=staff_total").json()
        self.assertEqual((len(body["data"]), body["data"][-1]), (30, 50))
        self.assertEqual(self.client.get(url + "&field=remarks").status_code, 404)
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get(url + "&field=staff_total").status_code, 404)

    def test_matrix(self):
        self.client.force_login(self.t.alice)
        response = self.client.get(reverse("reporting:matrix") + "?unit=group-a&day=2020-02-03")
        self.assertContains(response, "fk-cell-missing")
        self.assertContains(response, "fk-cell-late")


@time_machine.travel(BEFORE, tick=False)
class ZoneNameTests(TestCase):
    """A time zone is shown by the name people use, never as "Asia/Shanghai" (issue 10)."""

    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        services.sync_expected(cls.t.daily, DAY)

    def test_the_filing_page_says_beijing_time(self):
        self.client.force_login(self.t.bob)
        page = self.client.get(
            reverse("reporting:report", args=["daily", "a-site-1", "2020-02-03"])
        )
        self.assertContains(page, "（北京时间）")
        self.assertNotContains(page, "Asia/Shanghai")

    def test_zone_names_and_the_offset_fallback(self):
        from django.utils import translation

        from fangkong.core.localtime import zone_name

        with translation.override("zh-hans"):
            self.assertEqual(zone_name("Asia/Shanghai"), "北京时间")
            self.assertEqual(zone_name("Asia/Urumqi"), "乌鲁木齐时间")
            self.assertEqual(zone_name("Asia/Kathmandu"), "UTC+05:45")
            self.assertEqual(zone_name("America/Sao_Paulo"), "UTC-03:00")
            self.assertEqual(zone_name(self.t.a_site_1), "北京时间")
