"""End-to-end: the SASAC duty room opens the command view (一张图) and sees the same
completeness numbers as the report overview; the chart draws under the
Content-Security-Policy (any blocked script or style fails the test, core.browser); the
wall screen hides the navigation and polls its panels."""

from fangkong.core.browser import PHONE, BrowserTestCase
from fangkong.orgs.testing import PASSWORD
from fangkong.reporting import services as reporting
from fangkong.reporting.testing import daily_values, make_reporting_province

FIGURES = ("expected", "filed", "zero", "missing")


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class CommandViewBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        t = cls.t = make_reporting_province()
        today = t.province.local_date()
        reporting.sync_expected(t.daily, today)
        reporting.file_report(
            actor=t.root, form=t.daily, unit=t.a_site_1, day=today, values=daily_values()
        )
        reporting.file_zero_report(
            actor=t.root, form=t.daily, unit=t.a_hq, day=today, values=daily_values()
        )

    def counts(self, page):
        return {key: page.get_by_test_id(key).first.inner_text().strip() for key in FIGURES}

    def test_sasac_sees_the_overviews_numbers_and_the_chart(self):
        page = self.login(self.page, "sasac", PASSWORD)
        page.get_by_role("link", name="一张图").click()
        expect(page.get_by_test_id("panel-reporting.completeness")).to_be_visible()
        seen = self.counts(page)
        self.assertEqual(seen["filed"], "2")
        self.assertEqual(seen["zero"], "1")
        expect(page.get_by_test_id("command-trend").locator("canvas")).to_have_count(1)
        page.get_by_test_id("panel-reporting.completeness").get_by_test_id("expected").click()
        page.wait_for_url("**/reports/overview/**")
        self.assertEqual(self.counts(page), seen)

    def test_the_wall_screen_and_the_phone(self):
        page = self.login(self.page, "sasac", PASSWORD)
        page.clock.install()  # the minute's poll, without waiting a minute
        page.goto(f"{self.live_server_url}/workbench/command/?unit=province&wall=1")
        expect(page.locator(".fk-navbar")).to_have_count(0)
        panels = page.locator("#command-panels")
        self.assertEqual(panels.get_attribute("hx-trigger"), "every 60s")
        page.clock.run_for(2000)  # htmx's timers (the deferred trend's load, its settle)
        expect(page.get_by_test_id("command-trend").locator("canvas")).to_have_count(1)
        page.evaluate("document.getElementById('command-panels').dataset.old = '1'")
        with page.expect_response(lambda r: "wall=1" in r.url and "panel=" not in r.url):
            page.clock.fast_forward("01:01")
        expect(page.locator("#command-panels[data-old]")).to_have_count(0)  # swapped in place
        page.clock.run_for(2000)
        expect(page.get_by_test_id("command-trend").locator("canvas")).to_have_count(1)
        self.assertEqual(self.counts(page)["filed"], "2")
        phone = self.new_page(viewport=PHONE)
        self.login(phone, "sasac", PASSWORD)
        phone.goto(f"{self.live_server_url}/workbench/command/?unit=province")
        boxes = [
            phone.get_by_test_id(f"panel-{name}").bounding_box()
            for name in ("reporting.completeness", "reporting.cases")
        ]
        self.assertGreater(boxes[1]["y"], boxes[0]["y"] + boxes[0]["height"] - 1)  # stacked
        self.assertGreater(boxes[0]["width"], PHONE["width"] * 0.8)  # full-width cards
        self.assertEqual(phone.locator("#command-panels table").count(), 0)
