"""End-to-end in the demo (issue 5, acceptance): heat-liaison files a suspected case on the
page; the heating company's duty manager and the group's leading cadre on duty are told;
nobody acknowledges in time, so it escalates and the ledger gets an entry; the timeline
shows each step with its time."""

from datetime import timedelta

from django.utils import timezone

from fangkong.accountability.models import Entry
from fangkong.core.browser import BrowserTestCase
from fangkong.incidents.models import Incident
from fangkong.incidents.sweeps import escalate_due
from fangkong.notify.models import Message
from fangkong.orgs.demo import DEMO_PASSWORD, seed_demo


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class SuspectedCaseBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo(log=lambda *a: None)

    def test_a_suspected_case_reaches_the_duty_rooms_and_escalates(self):
        page = self.login(self.page, "heat-liaison", DEMO_PASSWORD)
        page.goto(f"{self.live_server_url}/incidents/new/")
        page.select_option("select[name=unit]", "CT-HEAT-S01")
        page.select_option("select[name=kind]", "suspected")
        page.fill("input[name=title]", "站内一名员工疑似感染")
        page.fill("textarea[name=actions_taken]", "已隔离，已通知社区卫生服务中心")
        page.get_by_test_id("file-incident").click()
        expect(page.get_by_test_id("timeline").locator("[data-kind=filed]")).to_have_count(1)
        incident = Incident.objects.get(title="站内一名员工疑似感染")
        self.assertEqual(incident.target_unit.code, "SASAC")

        told = set(
            Message.objects.filter(
                topic="incident", subject__contains="站内一名员工疑似感染"
            ).values_list("recipient__username", flat=True)
        )
        self.assertTrue({"heat-duty", "heat-duty2"} & told, told)  # the duty manager on duty
        self.assertTrue({"ct-leader", "ct-leader2"} & told, told)  # the leading cadre on duty

        escalate_due(now=timezone.now() + timedelta(minutes=31))  # nobody acknowledged
        late = Entry.objects.filter(kind="incident_late", facts__incident=incident.pk)
        self.assertTrue(late.filter(unit__code="CT-HEAT-S01").exists())  # no written report
        self.assertTrue(late.filter(unit__code="CT-HEAT").exists())  # no acknowledgement

        page.reload()
        timeline = page.get_by_test_id("timeline")
        expect(timeline.locator("[data-kind=filed]")).to_have_count(1)
        expect(timeline.locator("[data-kind=escalated]").first).to_be_visible()
        self.assertGreaterEqual(timeline.locator("[data-kind=escalated]").count(), 2)
