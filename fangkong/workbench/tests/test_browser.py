"""End-to-end (issue 11's acceptance): the liaison sees today's report on the home page,
files it from there and the item is gone; the office sees the incident waiting for its
签收 at the top, signs it from the list and the count drops, at desktop and phone size."""

import re

from django.utils import timezone

from fangkong.core.browser import BrowserTestCase
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.testing import seed_demo_once
from fangkong.reporting.testing import unfile_report

SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class WorkbenchBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()
        cls.today = timezone.localdate()
        # The demo morning may have filed heat station no. 1 already: start it afresh.
        unfile_report("daily", "CT-HEAT-S01", cls.today)

    def count(self, page) -> int:
        badge = page.get_by_test_id("task-count")
        expect(badge).to_be_visible()
        return int(badge.inner_text())

    def test_the_bar_fits_a_laptop_for_the_widest_menus(self):
        # The system administrator has every section and the administration entry, the
        # province office an inbox count: the page must not scroll sideways at 1366 px.
        for username in ("admin", "sasac", "group-admin"):
            with self.subTest(username=username):
                page = self.login(self.new_page(viewport=SIZES["desktop"]), username, DEMO_PASSWORD)
                width = page.evaluate("document.documentElement.scrollWidth")
                self.assertLessEqual(width, SIZES["desktop"]["width"])
                bar = page.locator(".fk-navbar")
                self.assertLess(bar.bounding_box()["height"], 70)  # one line

    def test_the_liaison_files_todays_report_from_the_home_page(self):
        for size, viewport in SIZES.items():
            with self.subTest(size=size):
                page = self.login(self.new_page(viewport=viewport), "heat-liaison", DEMO_PASSWORD)
                tasks = page.get_by_test_id("tasks")
                item = tasks.locator("[data-kind='reporting.report_due']")
                if size == "desktop":
                    expect(item).to_have_count(1)
                    expect(item).to_contain_text("09:00")
                    before = self.count(page)
                    item.get_by_role("link").first.click()
                    page.get_by_test_id("zero-report").click()
                    page.wait_for_load_state()
                    if page.get_by_test_id("warnings").count():
                        page.get_by_test_id("confirm").check()
                        page.fill("input[name=comment]", "已逐一核实")
                        page.get_by_test_id("zero-report").click()
                    expect(page.get_by_test_id("zero-badge")).to_be_visible()
                    page.goto(self.live_server_url + "/")
                    self.assertEqual(self.count(page), before - 1)
                expect(
                    page.get_by_test_id("tasks").locator("[data-kind='reporting.report_due']")
                ).to_have_count(0)
                page.screenshot(path=f"/tmp/fk-workbench-liaison-{size}.png", full_page=True)

    def test_the_office_signs_the_incident_from_the_list_and_the_count_drops(self):
        page = self.login(self.new_page(viewport=SIZES["phone"]), "office", DEMO_PASSWORD)
        # Urgent first: the incident's acknowledgement is among the urgent tasks at the top
        # (the demo's overdue supply request, due days ago, may come before it).
        first = page.get_by_test_id("tasks").locator("[data-kind='incidents.ack']").first
        expect(first).to_have_class(re.compile(r"\bfk-urgent\b"))
        expect(page.get_by_test_id("tasks").locator("[data-kind='health.case_new']")).to_have_count(
            1
        )
        before = self.count(page)
        acks = page.get_by_test_id("tasks").locator("[data-kind='incidents.ack']")
        waiting = acks.count()  # the demo's incidents (the checkpoint's fever too)
        first.get_by_role("button").click()  # 签收, by htmx: the list is swapped in place
        expect(acks).to_have_count(waiting - 1)
        expect(page.get_by_test_id("task-count")).to_have_text(str(before - 1))
        self.assertEqual(page.url.rstrip("/"), self.live_server_url)  # no reload elsewhere
