"""End-to-end (issue 13's acceptance): the inspector visits a community on a phone, fails
"thermometer guns adequate" (体温枪配备充足) with a photo; finishing the visit makes it a
rectification item; the community's liaison raises the supply request and fixes it with
evidence; the office verifies; the board shows it closed."""

from fangkong.core.browser import BrowserTestCase
from fangkong.inspections.models import Rectification
from fangkong.inspections.testing import install_checklists, make_community, make_inspector
from fangkong.orgs.testing import PASSWORD, make_province
from fangkong.supplies.models import Request

PHONE = {"width": 390, "height": 844}
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010800000000"
    "3a7e9b550000000a49444154789c636000000002000181e0e5a40000000049454e44ae426082"
)


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class InspectionBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        install_checklists()
        cls.t = make_province()
        cls.ivan = make_inspector(cls.t)
        make_community(cls.t)

    @classmethod
    def _flush_databases(cls):
        super()._flush_databases()
        install_checklists()  # the flush took the shipped checklists too

    def shot_path(self, name):
        import os
        import tempfile

        folder = os.environ.get("FANGKONG_SHOTS") or tempfile.gettempdir()
        return os.path.join(folder, f"{name}.png")

    def test_visit_on_a_phone_to_a_verified_closure(self):
        phone = self.new_page(viewport=PHONE)
        self.login(phone, "ivan", PASSWORD)
        phone.goto("/inspections/visits/new/?unit=a-comm")
        phone.get_by_test_id("plan-visit").click()
        expect(phone.get_by_test_id("finish")).to_be_visible()

        items = phone.get_by_test_id("item")
        codes = [items.nth(i).get_attribute("data-code") for i in range(items.count())]
        self.assertIn("thermometers", codes)
        for code in codes:
            card = phone.locator(f"#item-{code}")
            if code == "thermometers":
                card.locator("summary").click()
                card.get_by_test_id("note").fill("全小区仅1把体温枪")
                card.get_by_test_id("photos").set_input_files(
                    {"name": "gun.png", "mimeType": "image/png", "buffer": PNG}
                )
                card.get_by_test_id("fail").click()
            elif card.locator("input[name=number]").count():
                card.locator("input[name=number]").fill("6")
                card.locator("button[value=pass]").click()
            elif card.locator("input[name=text]").count():
                card.locator("input[name=text]").fill("体温枪缺2把")
                card.locator("button[value=pass]").click()
            else:
                card.get_by_test_id("pass").click()
            expect(phone.locator(f"#item-{code} [data-testid=answer-result]")).to_be_visible()
        expect(phone.locator("#item-thermometers [data-testid=answer-photo]")).to_be_visible()
        expect(phone.get_by_test_id("progress")).to_contain_text(f"{len(codes)}")
        box = phone.locator("#item-thermometers").bounding_box()
        self.assertLessEqual(box["x"] + box["width"], PHONE["width"])
        phone.screenshot(path=self.shot_path("inspections-visit-phone"), full_page=True)
        phone.get_by_test_id("finish").click()
        findings = phone.get_by_test_id("findings")
        expect(findings).to_contain_text("体温枪配备充足")
        rect = Rectification.objects.get(item_code="thermometers")

        # The community's liaison: the supply request at once, then the fix with evidence.
        liaison = self.new_page(viewport=PHONE)
        self.login(liaison, "lily", PASSWORD)
        liaison.goto(f"/inspections/rectifications/{rect.pk}/")
        liaison.fill("#id_quantity", "2")
        liaison.get_by_test_id("request-supplies").click()
        expect(liaison.get_by_test_id("supply-request")).to_be_visible()
        self.assertEqual(Request.objects.get().item.code, "thermometer-gun")
        liaison.fill("#id_fix", "已从集团领取体温枪2把")
        liaison.set_input_files(
            "#id_photos", {"name": "fixed.png", "mimeType": "image/png", "buffer": PNG}
        )
        liaison.get_by_test_id("report-fix").click()
        expect(liaison.get_by_test_id("fix-note")).to_contain_text("已从集团领取体温枪2把")
        expect(liaison.get_by_test_id("verify-form")).to_have_count(0)  # never the fixer

        # The office verifies; the board shows it closed this week.
        office = self.page
        self.login(office, "olga", PASSWORD)
        office.goto(f"/inspections/rectifications/{rect.pk}/")
        office.get_by_test_id("verify-accept").click()
        expect(office.locator(".alert-success")).to_be_visible()
        office.goto("/inspections/board/?unit=group-a")
        expect(office.get_by_test_id("fig-closed")).to_have_text("1")
        expect(office.get_by_test_id("closed")).to_contain_text("体温枪配备充足")
        office.screenshot(path=self.shot_path("inspections-board-desktop"), full_page=True)
