"""End-to-end in the demo (issue 12): the group's office opens the 30 January campaign and
sees seed 003's day-one figure, 47,993.00 yuan from HQ and 12 subsidiaries; enters a gift
of a subsidiary on the page and sees it rolled up, then drills down; on a phone the lists
are cards. A liaison sees the unit totals but not a person's amount."""

from fangkong.core.browser import BrowserTestCase
from fangkong.donations.demo import NAME
from fangkong.donations.models import Campaign, Gift
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.testing import seed_demo_once
from fangkong.supplies.testing import install_catalogue


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class DonationBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()  # with the shipped catalogue, whatever a flush took

    @classmethod
    def _flush_databases(cls):
        super()._flush_databases()
        install_catalogue()  # the flush took the shipped catalogue too

    def shot_path(self, name):
        import os
        import tempfile

        folder = os.environ.get("FANGKONG_SHOTS") or tempfile.gettempdir()
        return os.path.join(folder, f"{name}.png")

    def test_the_day_one_figure_a_gift_entered_and_rolled_up(self):
        campaign = Campaign.objects.get(name=NAME)
        url = f"{self.live_server_url}/donations/{campaign.pk}/"
        page = self.login(self.page, "office", DEMO_PASSWORD)
        page.goto(f"{self.live_server_url}/donations/")
        page.get_by_role("link", name=NAME).click()
        expect(page.get_by_test_id("total")).to_have_text("47993.00")
        expect(page.get_by_test_id("remitted")).to_have_text("47993.00")
        rows = page.get_by_test_id("by-unit").locator("tbody tr")
        given = [
            t for t in rows.locator("[data-testid=row-total]").all_inner_texts() if t != "0.00"
        ]
        self.assertEqual(len(given), 13)  # 集团机关 and 12 subsidiaries

        page.get_by_test_id("enter-gift").click()
        unit_box = page.get_by_test_id("unit-picker-unit")
        search = unit_box.locator("input:visible")
        search.fill("新能源")
        option = unit_box.locator("[data-fk-pick-value=CT-NE]")
        expect(option).to_be_visible()
        option.click()
        page.get_by_test_id("amount").fill("１００．５０")
        page.get_by_test_id("save-gift").click()
        expect(page.locator(".alert-success")).to_contain_text("100.50")
        self.assertEqual(Gift.objects.filter(unit__code="CT-NE").count(), 2)

        page.goto(url)
        expect(page.get_by_test_id("total")).to_have_text("48093.50")
        expect(page.locator("tr[data-unit=CT-NE] [data-testid=row-total]")).to_have_text("1700.50")
        page.locator("tr[data-unit=CT-HEAT] a[data-testid=drill]").click()
        expect(page.get_by_test_id("total")).to_have_text("6800.00")
        page.screenshot(path=self.shot_path("donations-drill-desktop"), full_page=True)

        phone = self.new_page(viewport={"width": 390, "height": 844})
        self.login(phone, "office", DEMO_PASSWORD)
        phone.goto(url)
        cell = phone.locator("tr[data-unit=CT-NE] [data-testid=row-total]")
        box = cell.bounding_box()
        self.assertLessEqual(box["x"] + box["width"], 390)  # a card, not a squeezed table
        phone.screenshot(path=self.shot_path("donations-campaign-phone"), full_page=True)

    def test_a_liaison_sees_totals_not_personal_amounts(self):
        campaign = Campaign.objects.get(name=NAME)
        person_gift = Gift.objects.filter(campaign=campaign, person__isnull=False).first()
        page = self.login(self.page, "heat-liaison", DEMO_PASSWORD)
        page.goto(f"{self.live_server_url}/donations/{campaign.pk}/?unit=CT-HEAT-S01")
        expect(page.get_by_test_id("total")).to_be_visible()
        self.assertNotIn(person_gift.person.name, page.content())
        answer = page.goto(f"{self.live_server_url}/donations/{campaign.pk}/?unit=CT-HEAT")
        self.assertEqual(answer.status, 404)  # above the liaison's unit
