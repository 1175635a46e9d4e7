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
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.models import Person
from fangkong.orgs.testing import seed_demo_once


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


class SuspectedCaseBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        seed_demo_once()

    def test_a_suspected_case_reaches_the_duty_rooms_and_escalates(self):
        page = self.login(self.page, "heat-liaison", DEMO_PASSWORD)
        page.goto(f"{self.live_server_url}/incidents/new/")
        # The liaison's one unit is chosen already, shown by its name.
        expect(page.get_by_test_id("unit-picker-unit").locator("input:visible")).to_have_value(
            "第1热力站"
        )
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

    def test_units_and_people_are_picked_not_typed_as_codes(self):
        """office types the pinyin initials of 第1热力站 and picks it with the keyboard,
        picks a person of the station by the last 4 digits of the phone, and files."""
        person = Person.objects.filter(unit__code="CT-HEAT-S01").exclude(phone="").first()
        for viewport, shot in ((None, "desktop"), ({"width": 390, "height": 844}, "phone")):
            page = self.new_page(viewport=viewport)
            self.login(page, "office", DEMO_PASSWORD)
            page.goto(f"{self.live_server_url}/incidents/new/")
            unit_box = page.get_by_test_id("unit-picker-unit")
            search = unit_box.locator("input:visible")
            search.fill("d1rlz")
            option = unit_box.locator("[data-fk-pick-value=CT-HEAT-S01]")
            expect(option).to_be_visible()
            search.press("ArrowDown")
            expect(option).to_be_focused()
            option.press("Enter")
            expect(search).to_have_value("第1热力站")
            expect(unit_box.locator("input[type=hidden][name=unit]")).to_have_value("CT-HEAT-S01")
            expect(page.get_by_test_id("call-first")).to_contain_text("热力总公司")

            people_box = page.get_by_test_id("person-picker-people")
            people_box.locator("input:visible").fill(person.phone[-4:])
            picked = people_box.locator(f"[data-fk-pick-value='{person.employee_no}']")
            expect(picked).to_be_visible()
            if shot == "phone":  # the list fits the phone's width, options a finger high
                box = picked.bounding_box()
                self.assertLessEqual(box["x"] + box["width"], 390)
                self.assertGreaterEqual(box["height"], 40)
                page.screenshot(path=self.shot_path("incident-picker-phone"), full_page=True)
            picked.click()
            expect(people_box.locator(".fk-pick-chip")).to_contain_text(person.name)

            page.fill("input[name=title]", f"锅炉房漏水（{shot}）")
            page.get_by_test_id("file-incident").click()
            expect(page.get_by_test_id("timeline")).to_be_visible()
            incident = Incident.objects.get(title=f"锅炉房漏水（{shot}）")
            self.assertEqual(incident.unit.code, "CT-HEAT-S01")
            self.assertEqual(list(incident.people.all()), [person])

    def shot_path(self, name):
        import os
        import tempfile

        folder = os.environ.get("FANGKONG_SHOTS") or tempfile.gettempdir()
        return os.path.join(folder, f"{name}.png")
