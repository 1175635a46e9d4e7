"""End-to-end in the demo (issue 12, acceptance): a proposal goes through the three-step
chain — the leading group proposes, the party committee approves, the office executes —
and its payment brings the masks into stock, shown on the proposal page."""

from fangkong.core.browser import PHONE, BrowserTestCase
from fangkong.funds.models import Proposal
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.testing import seed_demo_once
from fangkong.supplies.models import Balance


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class ProposalChainBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()

    def sign(self, username, opinion):
        page = self.new_page()
        self.login(page, username, DEMO_PASSWORD)
        page.goto(f"/funds/proposals/{self.proposal.pk}/")
        page.fill("textarea[name=opinion]", opinion)
        page.get_by_test_id("approve").click()
        expect(page.get_by_test_id("chain").get_by_text(opinion)).to_be_visible()
        return page

    def test_three_steps_then_the_payment_links_to_the_received_stock(self):
        # What the office holds before (the demo's donated masks among it).
        held = Balance.objects.filter(unit__code="CT-SAFETY", item__code="mask-kn95").first()
        before = held.quantity if held else 0
        page = self.login(self.page, "group-admin", DEMO_PASSWORD)
        page.goto("/funds/")
        page.get_by_role("link", name="疫情防控应急专项资金").click()
        page.get_by_test_id("new-proposal").click()
        page.fill("input[name=purpose]", "采购 KN95 口罩 5000 只")
        page.fill("input[name=amount]", "17,500.50")
        page.fill("input[name=payee]", "某市医药有限公司")
        page.get_by_test_id("submit-proposal").click()
        expect(page.get_by_test_id("state")).to_have_text("待审批")
        self.proposal = Proposal.objects.get(purpose="采购 KN95 口罩 5000 只")
        self.assertEqual(self.proposal.amount_fen, 1750050)
        # The drafter has no button on their own proposal.
        expect(page.get_by_test_id("sign-form")).to_have_count(0)
        # The party secretary cannot sign before the leading group.
        early = self.new_page()
        self.login(early, "party-secretary", DEMO_PASSWORD)
        early.goto(f"/funds/proposals/{self.proposal.pk}/")
        expect(early.get_by_test_id("sign-form")).to_have_count(0)

        self.sign("office", "领导小组研究同意，报请集团党委")
        self.sign("party-secretary", "党委同意")
        page = self.sign("office", "办公室统一实施")
        expect(page.get_by_test_id("state")).to_have_text("已批准，待付款")

        page.get_by_test_id("pay").click()
        page.fill("input[name=voucher_no]", "记-2020-0210")
        page.select_option("select[name=item]", "mask-kn95")
        page.fill("input[name=quantity]", "5000")
        box = page.get_by_test_id("unit-picker-receiving_unit")
        box.locator("input:visible").fill("安全环保")
        option = box.locator("[data-fk-pick-value=CT-SAFETY]")
        option.click()
        expect(box.locator("input[type=hidden][name=receiving_unit]")).to_have_value("CT-SAFETY")
        page.get_by_test_id("record-payment").click()
        expect(page.get_by_test_id("state")).to_have_text("已全额付款")
        receipt = page.get_by_test_id("receipt").first
        expect(receipt).to_contain_text("KN95/N95 口罩 5000 只")
        expect(receipt).to_contain_text("安全环保部")
        self.assertEqual(
            Balance.objects.get(unit__code="CT-SAFETY", item__code="mask-kn95").quantity,
            before + 5000,
        )
        # The same page on a phone: the chain and the payment as cards.
        phone = self.new_page(viewport=PHONE)
        self.login(phone, "party-secretary", DEMO_PASSWORD)
        phone.goto(f"/funds/proposals/{self.proposal.pk}/")
        expect(phone.get_by_test_id("receipt").first).to_contain_text("5000")
