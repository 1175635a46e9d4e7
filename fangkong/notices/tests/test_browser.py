"""End-to-end in the demo (issue 14, acceptance): the SASAC issues a notice to the groups;
the seed-003 group forwards it with its cover note; the first heat station's liaison reads
and acknowledges it; the SASAC's receipt page shows the chain down to the station; the
SASAC re-reminds the units that have not read it, and a second click is refused."""

from fangkong.core.browser import PHONE, BrowserTestCase
from fangkong.notices.models import Notice, Receipt
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.testing import seed_demo_once

TITLE = "关于做好春节后返岗人员疫情防控工作的通知"


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class NoticeChainBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()

    def pick(self, page, name, text, code):
        box = page.get_by_test_id(f"unit-picker-{name}")
        box.locator("input:visible").fill(text)
        option = box.locator(f"[data-fk-pick-value={code}]")
        expect(option).to_be_visible()
        option.click()

    def test_issue_forward_acknowledge_chase(self):
        page = self.login(self.page, "sasac", DEMO_PASSWORD)
        page.goto("/notices/")
        page.get_by_test_id("new-notice").click()
        self.pick(page, "issuer", "国有资产", "SASAC")
        page.fill("input[name=title]", TITLE)
        page.fill("textarea[name=body]", "各省属企业：\n请严格落实返岗人员排查。")
        self.pick(page, "recipients", "国有资产", "SASAC")
        page.locator("input[name=unit_kinds][value=group]").check()
        page.get_by_test_id("issue").click()
        expect(page.get_by_test_id("number")).to_contain_text("省国资委防控发")
        notice = Notice.objects.get(title=TITLE)
        self.assertEqual(notice.receipt_count, 3)

        office = self.new_page()
        self.login(office, "office", DEMO_PASSWORD)
        office.goto(f"/notices/{notice.pk}/")
        form = office.get_by_test_id("forward-form")
        expect(form).to_have_count(1)
        form.locator("textarea[name=cover_note]").fill("请各单位认真贯彻落实。")
        form.get_by_test_id("forward").click()
        expect(office.get_by_test_id("cover-note")).to_contain_text("请各单位认真贯彻落实")
        forward = Notice.objects.get(original=notice)

        liaison = self.new_page(viewport=PHONE)
        self.login(liaison, "heat-liaison", DEMO_PASSWORD)
        liaison.goto("/notices/")
        liaison.get_by_role("link", name=forward.title).first.click()
        liaison.fill("textarea[name=reply]", "已组织全站人员学习落实")
        liaison.get_by_test_id("ack").click()
        expect(liaison.get_by_test_id("acked")).to_be_visible()
        receipt = Receipt.objects.get(notice=forward, unit__code="CT-HEAT-S01")
        self.assertTrue(receipt.read_at and receipt.acked_at)

        page.goto(f"/notices/{notice.pk}/")
        expect(page.get_by_test_id("chain")).to_contain_text("产投防控转")
        page.get_by_test_id("children").get_by_role("link", name="某市产业投资集团有限公司").click()
        page.get_by_test_id("children").get_by_role("link", name="热力总公司", exact=True).click()
        row = page.get_by_test_id("children").locator("tr", has_text="第1热力站")
        expect(row).to_contain_text("1")
        expect(page.get_by_test_id("lagging")).not_to_contain_text("第1热力站 —")
        page.get_by_test_id("remind").click()
        expect(page.locator(".alert-success")).to_contain_text("已催办")
        page.get_by_test_id("remind").click()
        expect(page.locator(".alert-danger")).to_contain_text("之后才能再次提醒")
