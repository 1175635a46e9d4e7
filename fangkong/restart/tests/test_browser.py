"""End-to-end (issue 14, M17): a subsidiary's plan to return to work — drafted on a phone,
its commitment letter and prevention plan uploaded, filed to the group (备案); the group's
epidemic office approves it and the group's restart rate shows it, with the drill-down."""

import tempfile
from pathlib import Path

from django.test import override_settings

from fangkong.core.browser import BrowserTestCase
from fangkong.orgs.testing import PASSWORD, make_province
from fangkong.restart.choices import PlanState
from fangkong.restart.models import RestartPlan

PHONE = {"width": 390, "height": 844}


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


@override_settings(MEDIA_ROOT="/tmp/fk-restart-media")
class RestartBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        make_province()

    def shot_path(self, name):
        import os

        folder = os.environ.get("FANGKONG_SHOTS") or tempfile.gettempdir()
        return os.path.join(folder, f"{name}.png")

    def test_file_and_approve(self):
        page = self.login(self.new_page(viewport=PHONE), "alice", PASSWORD)
        page.goto("/restart/edit/?unit=a-sub")
        page.get_by_test_id("industry").select_option("utilities")
        page.get_by_test_id("restart-on").fill("2020-02-10")
        page.get_by_test_id("returning").fill("3")
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("checklist")).to_be_visible()
        evidence = Path(tempfile.mkdtemp()) / "承诺书.pdf"
        evidence.write_bytes(b"%PDF-1.4\n")
        for item in ("commitment", "prevention_plan"):
            page.get_by_test_id(f"file-{item}").set_input_files(str(evidence))
            page.get_by_test_id(f"confirm-{item}").click()
            expect(page.locator(f"[data-item={item}]")).to_have_attribute("data-state", "ok")
        page.screenshot(path=self.shot_path("restart-plan-phone"), full_page=True)
        page.get_by_test_id("file-plan").click()
        expect(page.get_by_test_id("state")).to_have_text("已备案，待审批")
        office = self.login(self.new_page(), "olga", PASSWORD)
        office.goto(f"/restart/{RestartPlan.objects.get().pk}/")
        office.get_by_test_id("decide-approve").click()
        expect(office.get_by_test_id("state")).to_have_text("已批准")
        self.assertEqual(RestartPlan.objects.get().state, PlanState.APPROVED)
        office.goto("/restart/?unit=group-a")
        expect(office.get_by_test_id("rate-all")).to_have_text("100.0%")
        office.locator("[data-testid=children] a", has_text="Unit a-sub").click()
        expect(office.get_by_test_id("restarted")).to_have_text("1/1")
        office.screenshot(path=self.shot_path("restart-rate-desktop"), full_page=True)
