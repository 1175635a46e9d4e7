"""End-to-end 催办: the office chases the missing units from the report overview, sees
the receipt line in place, and a second click within 5 minutes is refused."""

from datetime import timedelta

from django.utils import timezone

from fangkong.core.browser import BrowserTestCase
from fangkong.notify.models import Chase, Message
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.testing import seed_demo_once
from fangkong.reporting.models import DailyReport
from fangkong.reporting.testing import unfile_report


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class ChaseBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()
        cls.today = timezone.localdate()
        # Heat station no. 1 (heat-liaison's) and the heating company (heat-office's)
        # have not filed today (the demo morning may have filed either).
        unfile_report("daily", "CT-HEAT-S01", cls.today)
        unfile_report("daily", "CT-HEAT", cls.today)
        # Whatever the hour: the heat company's unfiled reports of today are past the cut-off.
        DailyReport.objects.filter(
            form__code="daily",
            day=cls.today,
            unit__code__startswith="CT-HEAT",
            first_filed_at__isnull=True,
        ).update(deadline_at=timezone.now() - timedelta(hours=1))

    def test_office_chases_the_missing_units_and_a_second_click_is_refused(self):
        for viewport in ({"width": 1366, "height": 900}, {"width": 390, "height": 844}):
            with self.subTest(viewport=viewport):
                Message.objects.filter(topic="chase").delete()
                Chase.objects.all().delete()
                page = self.new_page(viewport=viewport)
                self.login(page, "office", DEMO_PASSWORD)
                page.goto(
                    f"/reports/overview/?form=daily&unit=CT-HEAT&day={self.today.isoformat()}"
                )
                missing = page.get_by_test_id("missing-list")
                rows = missing.locator("tbody tr")
                count = rows.count()
                self.assertGreater(count, 0)
                page.get_by_test_id("chase-all").click()
                outcome = page.get_by_test_id("chase-outcome")
                expect(outcome).to_contain_text("已催办")
                # Each unit with a login to remind, reminded once: among them the station
                # (heat-liaison) and the heating company itself (heat-office).
                chased = set(
                    Message.objects.filter(topic="chase").values_list("unit__code", flat=True)
                )
                self.assertLessEqual({"CT-HEAT-S01", "CT-HEAT"}, chased)
                expect(outcome).to_contain_text(f"已催办 {len(chased)} 个单位")
                receipt = missing.get_by_test_id("chase-receipt").first
                expect(receipt).to_contain_text("已催办")
                expect(receipt).to_contain_text("已读 0/")
                self.assertGreater(Message.objects.filter(topic="chase").count(), 0)
                sent = Message.objects.filter(topic="chase").count()
                # The second click on one unit: refused, saying when the next is possible.
                rows.filter(has_text="CT-HEAT-S01").get_by_test_id("chase-button").click()
                expect(outcome).to_contain_text("后可再次催办")
                self.assertEqual(Message.objects.filter(topic="chase").count(), sent)
                page.screenshot(
                    path=f"/work/shots/chase/overview-{viewport['width']}.png", full_page=True
                )
                page.close()
