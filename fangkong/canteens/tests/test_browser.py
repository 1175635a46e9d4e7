"""End-to-end (issue 14, M16): the epidemic office plans today's lunch of the canteen on a
phone — proposes from the check-ins, tries to put two departments in one slot (refused,
over capacity), sends one to takeaway instead, publishes; the chart is drawn and the plan
is cards on the phone."""

from fangkong.canteens.choices import PlanState
from fangkong.canteens.models import Plan
from fangkong.canteens.testing import check_in, make_canteen
from fangkong.core.browser import BrowserTestCase
from fangkong.orgs.testing import PASSWORD, make_province

PHONE = {"width": 390, "height": 844}


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class CanteenBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        t = make_province()
        make_canteen(t)
        check_in(t, t.a_hq.local_date())

    def shot_path(self, name):
        import os
        import tempfile

        folder = os.environ.get("FANGKONG_SHOTS") or tempfile.gettempdir()
        return os.path.join(folder, f"{name}.png")

    def test_plan_lunch_on_a_phone(self):
        page = self.login(self.new_page(viewport=PHONE), "olga", PASSWORD)
        page.goto("/canteens/a-canteen/?meal=lunch")
        page.get_by_test_id("propose").click()
        expect(page.get_by_test_id("plan-state")).to_be_visible()
        expect(page.locator("#plan-chart canvas")).to_have_count(1)
        plan = Plan.objects.get()
        sub_slot = plan.rows.get(unit__code="a-sub").slot + 1
        page.get_by_test_id("move-a-hq").select_option(str(sub_slot))
        page.get_by_test_id("adjust").click()
        expect(page.locator(".alert-danger")).to_be_visible()
        self.assertEqual(Plan.objects.count(), 1)
        page.get_by_test_id("move-a-sub").select_option("takeaway")
        page.get_by_test_id("adjust").click()
        expect(page.locator(".alert-success")).to_be_visible()
        page.get_by_test_id("publish").click()
        expect(page.get_by_test_id("plan-state")).to_have_text("已发布")
        latest = Plan.objects.order_by("-version").first()
        self.assertEqual((latest.version, latest.state), (2, PlanState.PUBLISHED))
        cell = page.locator("tr[data-unit=a-hq] td").first
        box = cell.bounding_box()
        self.assertLessEqual(box["x"] + box["width"], 390)
        page.screenshot(path=self.shot_path("canteen-plan-phone"), full_page=True)
