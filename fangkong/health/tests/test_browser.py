"""End-to-end on a phone-sized screen: a person checks in with a fever through their
personal link; the liaison sees the case and its notification; the unit's daily report is
prefilled with the fever (issue 4, acceptance)."""

from django.utils import timezone

from fangkong.core.browser import PHONE, BrowserTestCase
from fangkong.health.services import checkins as services
from fangkong.notify.services import deliver_due
from fangkong.orgs import services as orgs
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import seed_demo_once
from fangkong.reporting.models import ReportForm
from fangkong.reporting.prefill import derived_values


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class FeverCheckInBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        from django.contrib.auth import get_user_model

        seed_demo_once()
        admin = get_user_model().objects.get(username="admin")
        cls.station = Unit.objects.get(code="CT-HEAT-S01")
        # A person of our own: the demo's check-ins depend on the day they are drawn for.
        cls.person = orgs.create_person(
            actor=admin, unit=cls.station, employee_no="E2E-FEVER", name="测试发热"
        )
        link = services.issue_links(actor=admin, people=[cls.person])
        cls.token = services.link_token(link[0])

    def test_a_fever_through_the_personal_link_reaches_the_liaison_and_the_report(self):
        today = timezone.localdate()
        daily = ReportForm.objects.get(code="daily")
        before = derived_values(daily, self.station, today)["fever_today"]

        phone = self.new_page(viewport=PHONE)
        phone.goto(f"{self.live_server_url}/health/c/{self.token}/")
        phone.fill("input[name=temperature]", "37.8")
        phone.get_by_test_id("submit").click()
        expect(phone.get_by_test_id("fever-advice")).to_be_visible()

        deliver_due()  # what `fangkong worker` does every two seconds
        liaison = self.login(self.page, "heat-liaison", DEMO_PASSWORD)
        liaison.goto(f"{self.live_server_url}/health/cases/?unit=CT-HEAT-S01")
        expect(liaison.get_by_test_id("cases")).to_contain_text(self.person.name)
        liaison.goto(f"{self.live_server_url}/notify/inbox/")
        expect(liaison.locator("main")).to_contain_text(self.person.name)
        liaison.goto(f"{self.live_server_url}/reports/daily/CT-HEAT-S01/{today.isoformat()}/")
        expect(liaison.get_by_test_id("derived-fever_today")).to_contain_text(str(before + 1))
