"""End-to-end (M19): a liaison on a phone opens 规章制度, reads the group's 十六不准 and
taps 我已阅读; the button turns into the confirmation in place (htmx), stays so after a
reload, and the office's rule page counts the reading."""

from django.test import override_settings

from fangkong.core.browser import PHONE, BrowserTestCase
from fangkong.orgs.testing import PASSWORD, make_province
from fangkong.rules.models import ReadConfirmation, Rule
from fangkong.rules.testing import link_bob, make_rule


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


@override_settings(MEDIA_ROOT="/tmp/fk-rules-media")
class ConfirmReadingBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        t = make_province()
        link_bob(t)
        make_rule(t)

    def test_confirm_reading_on_a_phone(self):
        page = self.login(self.new_page(viewport=PHONE), "bob", PASSWORD)
        page.goto("/rules/mine/")
        rule = page.get_by_test_id("my-rule")
        expect(rule).to_contain_text("不准隐瞒疫情")
        rule.get_by_test_id("confirm-read").click()
        expect(rule.get_by_test_id("confirmed")).to_be_visible()
        self.assertEqual(ReadConfirmation.objects.count(), 1)
        page.reload()
        expect(page.get_by_test_id("confirmed")).to_be_visible()
        expect(page.get_by_test_id("confirm-read")).to_have_count(0)
        office = self.login(self.new_page(), "olga", PASSWORD)
        office.goto(f"/rules/{Rule.objects.get().pk}/")
        expect(office.get_by_test_id("read-rate")).to_have_text("33%")
