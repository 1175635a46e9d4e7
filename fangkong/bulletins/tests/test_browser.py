"""End-to-end in the demo (issue 14, acceptance): the office generates today's bulletin,
edits a section, a leading-group member approves it, the office publishes it, and the .docx
and PDF download and open (structure, Chinese text, fonts). On a phone the page reads too."""

import zipfile

from fangkong.bulletins.models import Bulletin
from fangkong.core.browser import PHONE, BrowserTestCase
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.testing import seed_demo_once


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class BulletinBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()

    def test_generate_edit_approve_publish_download(self):
        # The demo leaves today's as a draft edited by the office; start from none.
        unit_day = Bulletin.objects.filter(unit__code="CT").order_by("-day").first()
        self.assertEqual(unit_day.state, "draft")
        unit_day.delete()
        page = self.login(self.page, "office", DEMO_PASSWORD)
        page.goto("/bulletins/?unit=CT")
        expect(page.get_by_test_id("bulletins")).to_contain_text("已发布")
        page.get_by_test_id("generate").click()
        expect(page.get_by_test_id("state")).to_have_text("草稿")
        expect(page.get_by_test_id("as-of")).to_contain_text("截至")
        expect(page.get_by_test_id("section-reporting")).to_be_visible()
        page.get_by_test_id("edit").click()
        page.get_by_test_id("text-deeds").fill("第1热力站值守人员春节坚守岗位")
        page.get_by_test_id("save").click()
        expect(page.get_by_test_id("free-deeds")).to_contain_text("第1热力站值守人员")
        # The office edited it: its approval is not the office's (group-admin signs).
        leader = self.new_page()
        self.login(leader, "group-admin", DEMO_PASSWORD)
        leader.goto(page.url)
        leader.get_by_test_id("approve").click()
        expect(leader.get_by_test_id("state")).to_have_text("已批准")
        page.reload()
        page.get_by_test_id("publish").click()
        expect(page.get_by_test_id("state")).to_have_text("已发布")
        with page.expect_download() as info:
            page.get_by_test_id("docx").click()
        with zipfile.ZipFile(info.value.path()) as z:
            xml = z.read("word/document.xml").decode()
        self.assertIn("第1热力站值守人员", xml)
        self.assertIn('w:eastAsia="仿宋_GB2312"', xml)
        with page.expect_download() as info:
            page.get_by_test_id("pdf").click()
        data = open(info.value.path(), "rb").read()
        self.assertTrue(data.startswith(b"%PDF"))
        self.assertIn(b"NotoSerifCJK", data)
        phone = self.new_page(viewport=PHONE)
        self.login(phone, "office", DEMO_PASSWORD)
        phone.goto(page.url)
        expect(phone.get_by_test_id("number")).to_be_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        self.assertLessEqual(width, PHONE["width"] + 1)
