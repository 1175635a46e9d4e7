"""End-to-end (issue 13): a heat-station worker scans the station's QR code on a phone and
logs the morning disinfection; a missed slot appears as missed on the group's compliance
page after its time, and in the accountability ledger."""

import os
import tempfile
from datetime import timedelta

import time_machine
from django.urls import reverse

from fangkong.core.browser import BrowserTestCase
from fangkong.orgs.testing import PASSWORD, make_province
from fangkong.sites import links, services, sweeps
from fangkong.sites.choices import SlotState
from fangkong.sites.models import Slot

from .test_slots import DAY, at

NEXT = DAY + timedelta(days=1)


def expect(*args, **kwargs):
    from playwright.sync_api import expect as expect_

    return expect_(*args, **kwargs)


def shot(name):
    folder = os.environ.get("FANGKONG_SHOTS") or tempfile.gettempdir()
    return os.path.join(folder, f"{name}.png")


class SitesBrowserTests(BrowserTestCase):
    @classmethod
    def setUpClassData(cls):
        cls.t = make_province()
        services.sync_slots(DAY, now=at(0, 1))
        services.sync_slots(NEXT, now=at(0, 1))

    def test_a_worker_logs_the_morning_disinfection_from_the_station_s_qr_code(self):
        t = self.t
        (link,) = links.issue_links(actor=t.olga, sites=[t.a_site_1])
        url = reverse("sites:scan", args=[links.link_token(link)])
        slot = Slot.objects.get(site=t.a_site_1, day=NEXT)
        with time_machine.travel(at(9, 20, NEXT), tick=True):
            phone = self.new_page(viewport={"width": 390, "height": 844})
            phone.goto(url)
            expect(phone.locator("h1")).to_contain_text("消毒")
            phone.select_option("#p", label="Person A002 A002")
            expect(phone.locator(f"#sl{slot.pk}")).to_be_checked()
            phone.get_by_test_id("submit").click()
            expect(phone.get_by_test_id("done")).to_be_visible()
            phone.screenshot(path=shot("sites-scan-phone"), full_page=True)
        slot.refresh_from_db()
        self.assertEqual(slot.state, SlotState.DONE)
        self.assertEqual(slot.done_by, t.p_site_1)
        self.assertEqual(sorted(slot.done), ["disinfection", "ventilation"])
        links.revoke_link(actor=t.olga, site=t.a_site_1)
        phone.goto(url)
        expect(phone.get_by_test_id("problem")).to_be_visible()

    def test_a_missed_slot_shows_on_the_group_s_compliance_page_and_in_the_ledger(self):
        t = self.t
        station = Slot.objects.get(site=t.a_site_1, day=DAY)
        with time_machine.travel(at(13, 5), tick=True):
            sweeps.mark_missed()
            page = self.login(self.page, "olga", PASSWORD)
            page.goto(f"{reverse('sites:compliance')}?unit=group-a&day={DAY.isoformat()}")
            expect(page.get_by_test_id("missed")).to_have_text("2")
            row = page.locator(f"tr[data-slot='{station.pk}']")
            expect(row.locator("[data-state=missed]")).to_be_visible()
            page.screenshot(path=shot("sites-compliance-desktop"), full_page=True)
            page.goto(reverse("accountability:entry_list") + "?unit=group-a")
            expect(page.locator("body")).to_contain_text(t.a_site_1.name)
            expect(page.locator("body")).to_contain_text("消毒")

    def test_the_pages_load_with_nothing_blocked(self):
        page = self.login(self.page, "olga", PASSWORD)
        page.goto(f"{reverse('sites:qr_sheet')}?unit=group-a")
        page.get_by_test_id("issue-all").click()
        expect(page.locator(".fk-qr-page svg")).to_have_count(2)
        for url in (
            f"{reverse('sites:schedules')}?unit=group-a",
            f"{reverse('sites:site', args=['a-site-2'])}?day={DAY.isoformat()}",
            f"{reverse('sites:compliance')}?unit=a-site-1&day={DAY.isoformat()}",
        ):
            response = page.goto(url)
            self.assertEqual(response.status, 200, url)
            page.wait_for_load_state("networkidle")
