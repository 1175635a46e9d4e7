"""End-to-end in the demo (issue 12, acceptance): the heat station's liaison enters the
day's consumption of disinfectant on the daily count (日清单); the heating company sees it below its safety level on the board and asks
the group; the group's office approves in part and ships from the warehouse; the station
confirms the receipt with a discrepancy; the board follows at every step."""

from fangkong.core.browser import BrowserTestCase
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import seed_demo_once
from fangkong.supplies.models import Balance, Item, Request
from fangkong.supplies.testing import ShippedCatalogueMixin


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class ShortfallToReceiptBrowserTests(ShippedCatalogueMixin, BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()

    def test_a_shortfall_is_requested_approved_in_part_shipped_and_received(self):
        station = Unit.objects.get(code="CT-HEAT-S01")
        item = Item.objects.get(code="disinfectant-84")
        held = Balance.objects.get(unit=station, item=item).quantity
        # The day's consumption, entered by the station's liaison, leaves two bottles.
        liaison = self.login(self.new_page(), "heat-liaison", DEMO_PASSWORD)
        liaison.goto(f"{self.live_server_url}/supplies/daily/?unit=CT-HEAT-S01")
        line = liaison.get_by_test_id("daily-table").locator('tr[data-item="disinfectant-84"]')
        line.locator("input[name=q_disinfectant-84]").fill(str(held - 2))
        line.locator("input[name=p_disinfectant-84]").fill("站内消毒")
        liaison.get_by_test_id("save-daily").click()
        expect(line.get_by_test_id("closing")).to_contain_text("2")
        self.assertEqual(Balance.objects.get(unit=station, item=item).quantity, 2)
        row = '[data-unit="CT-HEAT-S01"][data-item="disinfectant-84"]'

        page = self.login(self.page, "heat-office", DEMO_PASSWORD)
        page.goto(f"{self.live_server_url}/supplies/board/?unit=CT-HEAT")
        expect(page.locator(row)).to_contain_text("低于安全库存")
        page.locator(row).get_by_role("link", name="申请补充").click()
        expect(page.get_by_test_id("unit-picker-unit").locator("input:visible")).to_have_value(
            "热力总公司"
        )
        page.fill("input[name=quantity]", "30")
        page.fill("input[name=reason]", "第1热力站消毒液仅剩2瓶")
        page.get_by_test_id("send-request").click()
        expect(page.get_by_test_id("request-state")).to_have_text("待审批")
        request = Request.objects.get(reason="第1热力站消毒液仅剩2瓶")
        self.assertEqual(request.at_unit.code, "CT")

        office = self.new_page()
        self.login(office, "office", DEMO_PASSWORD)
        office.goto(f"{self.live_server_url}/supplies/requests/{request.pk}/")
        office.fill("input[name=quantity]", "20")
        office.fill("input[name=note]", "仓库紧张，先拨20瓶")
        office.select_option("select[name=ship_from]", "CT-SAFETY")
        office.get_by_test_id("approve").click()
        expect(office.get_by_test_id("request-state")).to_have_text("已发货")
        expect(office.get_by_test_id("approved")).to_contain_text("20 瓶")
        # In transit: the station is still short on the board.
        page.goto(f"{self.live_server_url}/supplies/board/?unit=CT-HEAT")
        expect(page.locator(row)).to_contain_text("低于安全库存")

        # The station counts 19 on arrival and says why.
        request.refresh_from_db()
        liaison.goto(f"{self.live_server_url}/supplies/transfers/?unit=CT-HEAT-S01")
        arrival = liaison.locator(f'[data-transfer="{request.transfer_id}"]')
        arrival.get_by_test_id("received-quantity").fill("19")
        arrival.locator("input[name$=reason]").fill("破损1瓶")
        arrival.get_by_test_id("receive").click()
        expect(liaison.get_by_test_id("no-incoming")).to_be_visible()
        office.reload()
        expect(office.get_by_test_id("request-state")).to_have_text("已签收")
        expect(office.get_by_test_id("shipment")).to_contain_text("破损1瓶")
        page.goto(f"{self.live_server_url}/supplies/board/?unit=CT-HEAT")
        expect(page.locator(row)).to_have_count(0)
        self.assertEqual(Balance.objects.get(unit=station, item=item).quantity, 21)
