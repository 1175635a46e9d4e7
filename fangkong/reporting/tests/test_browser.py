"""End-to-end: a liaison files a zero report and the epidemic office sees completeness
change, through the real pages in headless Chromium (see fangkong.core.browser)."""

from django.utils import timezone

from fangkong.core.browser import BrowserTestCase
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.testing import seed_demo_once
from fangkong.reporting.models import DailyReport
from fangkong.reporting.testing import unfile_report


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class ZeroReportBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()
        cls.today = timezone.localdate()
        # The demo morning may already have filed heat station no. 1: start it afresh.
        unfile_report("daily", "CT-HEAT-S01", cls.today)

    def counts(self, page):
        return {
            key: int(page.get_by_test_id(key).inner_text())
            for key in ("expected", "filed", "zero", "missing")
        }

    def test_liaison_zero_report_changes_the_offices_completeness(self):
        overview = f"/reports/overview/?form=daily&unit=CT-HEAT&day={self.today.isoformat()}"
        office = self.new_page()
        self.login(office, "office", DEMO_PASSWORD)
        office.goto(overview)
        started = timezone.now()
        before = self.counts(office)

        liaison = self.login(self.page, "heat-liaison", DEMO_PASSWORD)
        liaison.get_by_test_id("nav-reports").click()  # the "Daily reports" dropdown
        liaison.click("a.dropdown-item[href='/reports/']")
        row = liaison.get_by_test_id("my-reports").locator("tr", has_text="CT-HEAT-S01")
        row.get_by_role("link").click()
        liaison.get_by_test_id("zero-report").click()
        liaison.wait_for_load_state()
        if liaison.get_by_test_id("warnings").count():  # the station's records show something
            liaison.get_by_test_id("confirm").check()
            liaison.fill("input[name=comment]", "已逐一核实")
            liaison.get_by_test_id("zero-report").click()
        expect(liaison.get_by_test_id("zero-badge")).to_be_visible()
        self.assertEqual(liaison.locator("table tbody tr").count(), 1)  # one version

        office.reload()
        after = self.counts(office)
        self.assertEqual(after["expected"], before["expected"])
        self.assertEqual(after["filed"], before["filed"] + 1)
        self.assertEqual(after["zero"], before["zero"] + 1)
        # Started at 08:59:30 (CI's cut-off run), a slow run passes 09:00 meanwhile: the
        # other unfiled units become missing then, which is right, not this filing's doing.
        deadline = DailyReport.objects.get(
            form__code="daily", unit__code="CT-HEAT-S01", day=self.today
        ).deadline_at
        if not started < deadline <= timezone.now():
            self.assertEqual(after["missing"], max(0, before["missing"] - 1))
        expect(office.get_by_test_id("trend").locator("canvas")).to_have_count(1)

    def test_inline_check_and_matrix(self):
        page = self.login(self.page, "heat-liaison", DEMO_PASSWORD)
        page.goto(f"/reports/daily/CT-HEAT-S01/{self.today.isoformat()}/")
        page.fill("#f_confirmed", "-3")
        page.locator("#f_suspected").focus()  # leaving the field fires the htmx check
        expect(page.locator("#err-confirmed")).not_to_be_empty()
        self.assertEqual(
            DailyReport.objects.get(
                form__code="daily", unit__code="CT-HEAT-S01", day=self.today
            ).revision_count,
            0,
        )
        office = self.new_page()
        self.login(office, "group-admin", DEMO_PASSWORD)
        office.goto(f"/reports/matrix/?form=daily&unit=CT&day={self.today.isoformat()}")
        expect(office.get_by_test_id("matrix").locator("tbody tr")).not_to_have_count(0)
        self.assertGreater(office.locator("td.fk-cell-on_time").count(), 0)

    def test_matrix_cells_show_their_colours(self):
        # Bootstrap paints every table cell with --bs-table-bg: a plain background rule
        # on the cell lost to it, and every cell looked like any other (issue 10).
        page = self.login(self.page, "group-admin", DEMO_PASSWORD)
        page.goto(f"/reports/matrix/?form=daily&unit=CT&day={self.today.isoformat()}")
        matrix = page.get_by_test_id("matrix")
        expect(matrix.locator("tbody tr")).not_to_have_count(0)

        def background(locator):
            return locator.evaluate("el => getComputedStyle(el).backgroundColor")

        plain = background(matrix.locator("tbody th").first)
        expected = {
            "on_time": "rgb(209, 231, 221)",
            "late": "rgb(255, 243, 205)",
            "missing": "rgb(248, 215, 218)",
            "pending": "rgb(233, 236, 239)",
        }
        seen = set()
        for state, colour in expected.items():
            cells = matrix.locator(f"td.fk-cell-{state}")
            if cells.count():
                seen.add(state)
                self.assertNotEqual(background(cells.first), plain, state)
                self.assertEqual(background(cells.first), colour, state)
        self.assertIn("on_time", seen)
        self.assertTrue(seen & {"late", "missing"}, "the demo has late or missing cells")

    def test_buttons_in_tables_keep_to_one_line_on_a_phone(self):
        # 结束 broke into two lines in the squeezed setup table (issue 10).
        page = self.new_page(viewport={"width": 390, "height": 844})
        self.login(page, "office", DEMO_PASSWORD)
        page.goto("/reports/setup/")
        button = page.get_by_test_id("assignments").locator(".btn").first
        expect(button).to_be_visible()
        line = button.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
        lines = button.evaluate(
            "el => el.getClientRects().length && Math.round("
            "(el.clientHeight - parseFloat(getComputedStyle(el).paddingTop)"
            " - parseFloat(getComputedStyle(el).paddingBottom)))"
        )
        self.assertLessEqual(lines, line * 1.2)
