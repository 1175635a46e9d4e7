"""The pages of disinfection and ventilation: compliance with drill-down, a site's slots
logged by the liaison, schedules, the QR sheet and the phone page; outsiders get 404."""

from datetime import timedelta

import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.orgs.choices import SiteKind
from fangkong.orgs.testing import ProvinceMixin
from fangkong.sites import links, services, sweeps
from fangkong.sites.choices import SlotState
from fangkong.sites.models import Schedule, SiteLink, Slot

from .test_slots import DAY, at

BOTH = ["disinfection", "ventilation"]


@time_machine.travel(at(9, 10), tick=False)
class PageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.sync_slots(DAY, now=at(0, 1))
        cls.station = Slot.objects.get(site=cls.t.a_site_1, day=DAY)

    def test_compliance_of_the_group_drills_down_to_the_sites(self):
        t = self.t
        c = self.login(t.olga)
        r = c.get(reverse("sites:compliance"), {"unit": "group-a"})
        self.assertEqual(r.status_code, 200)
        self.assertContains(r, 'data-unit="a-sub"')
        r = c.get(reverse("sites:compliance"), {"unit": "a-site-1", "day": DAY.isoformat()})
        self.assertContains(r, f'data-slot="{self.station.pk}"')
        c = self.login(t.sasac)
        with CaptureQueriesContext(connection) as queries:
            r = c.get(reverse("sites:compliance"), {"unit": "province"})
        self.assertEqual(r.status_code, 200)
        self.assertLessEqual(len(queries), 16)  # whatever the size of the province

    def test_outsiders_get_404(self):
        t = self.t
        c = self.login(t.charlie)
        for url in (
            reverse("sites:compliance") + "?unit=group-a",
            reverse("sites:site", args=["a-site-1"]),
            reverse("sites:schedules") + "?unit=group-a",
            reverse("sites:qr_sheet") + "?unit=group-a",
        ):
            with self.subTest(url=url):
                self.assertEqual(c.get(url).status_code, 404)
        r = c.post(reverse("sites:slot_log", args=[self.station.pk]), {"done": BOTH})
        self.assertEqual(r.status_code, 404)
        self.assertEqual(c.post(reverse("sites:link_change", args=["a-site-1"])).status_code, 404)

    def test_the_liaison_logs_a_slot_on_the_site_page(self):
        t = self.t
        c = self.login(t.bob)
        r = c.get(reverse("sites:site", args=["a-site-1"]))
        self.assertContains(r, 'data-testid="log-form"')
        r = c.post(
            reverse("sites:slot_log", args=[self.station.pk]),
            {"done": BOTH, "person": t.p_site_1.pk, "note": "走廊、值班室"},
            follow=True,
        )
        self.station.refresh_from_db()
        self.assertEqual(self.station.state, SlotState.DONE)
        self.assertEqual(self.station.done_by, t.p_site_1)
        self.assertContains(r, "走廊、值班室")
        r = c.post(reverse("sites:slot_log", args=[self.station.pk]), {"done": BOTH}, follow=True)
        self.assertContains(r, "alert-danger")

    def test_the_office_sets_a_schedule_for_its_subtree(self):
        t = self.t
        c = self.login(t.olga)
        r = c.get(reverse("sites:schedules"), {"unit": "group-a"})
        self.assertContains(r, 'data-kind="heat_station"')
        r = c.post(
            reverse("sites:schedules"),
            {
                "unit": "group-a",
                "site_kind": "office",
                "slots": "08:00 消毒通风\n13:00 通风\n17:00 消毒",
            },
        )
        self.assertEqual(r.status_code, 302)
        self.assertEqual(len(Schedule.objects.get(unit=t.group_a, site_kind="office").slots), 3)
        r = c.post(
            reverse("sites:schedules"),
            {"unit": "group-a", "site_kind": "office", "slots": "noon"},
        )
        self.assertContains(r, 'data-testid="error"')
        c = self.login(t.bob)
        r = c.post(
            reverse("sites:schedules"),
            {"unit": "a-site-1", "site_kind": SiteKind.HEAT_STATION, "slots": "08:00"},
        )
        self.assertEqual(r.status_code, 404)

    def test_the_qr_sheet_issues_and_prints_one_page_per_site(self):
        t = self.t
        c = self.login(t.olga)
        r = c.post(reverse("sites:qr_sheet") + "?unit=group-a")
        self.assertEqual(SiteLink.objects.filter(revoked_at__isnull=True).count(), 2)
        r = c.get(reverse("sites:qr_sheet"), {"unit": "group-a"})
        self.assertContains(r, "fk-qr-page", count=2)
        self.assertContains(r, "<svg")

    def test_the_phone_page_logs_a_slot_for_a_worker_of_the_site(self):
        t = self.t
        (link,) = links.issue_links(actor=t.olga, sites=[t.a_site_1])
        url = reverse("sites:scan", args=[links.link_token(link)])
        r = self.client.get(url)
        self.assertContains(r, "Person A002")
        self.assertNotContains(r, "Person A003")  # the office's staff, not this site's
        r = self.client.post(url, {"slot": self.station.pk, "person": t.p_b.pk, "done": BOTH})
        self.assertEqual(r.status_code, 400)
        r = self.client.post(url, {"slot": self.station.pk, "person": t.p_site_1.pk, "done": BOTH})
        self.assertContains(r, 'data-testid="done"')
        self.station.refresh_from_db()
        self.assertEqual(self.station.state, SlotState.DONE)
        self.assertEqual(self.station.via, "qr")
        again = self.client.post(
            url, {"slot": self.station.pk, "person": t.p_site_1.pk, "done": BOTH}
        )
        self.assertContains(again, 'data-testid="done"')  # sent twice: done, not an error
        other = Slot.objects.filter(site=t.a_site_2, day=DAY).first()
        r = self.client.post(url, {"slot": other.pk, "person": t.p_site_1.pk, "done": BOTH})
        self.assertEqual(r.status_code, 400)  # another site's slot is not offered

    def test_a_revoked_or_closed_site_s_link_shows_nothing(self):
        t = self.t
        (link,) = links.issue_links(actor=t.olga, sites=[t.a_site_1])
        url = reverse("sites:scan", args=[links.link_token(link)])
        links.revoke_link(actor=t.olga, site=t.a_site_1)
        r = self.client.get(url)
        self.assertEqual(r.status_code, 404)
        self.assertContains(r, 'data-testid="problem"', status_code=404)
        self.assertNotContains(r, "Person A002", status_code=404)
        (fresh,) = links.issue_links(actor=t.olga, sites=[t.a_site_1])
        t.a_site_1.active_to = DAY - timedelta(days=1)
        t.a_site_1.save()
        r = self.client.get(reverse("sites:scan", args=[links.link_token(fresh)]))
        self.assertContains(r, 'data-testid="problem"', status_code=404)
        self.assertNotContains(r, "Person A002", status_code=404)

    def test_a_missed_slot_shows_as_missed(self):
        sweeps.mark_missed(now=at(13, 1))
        c = self.login(self.t.olga)
        r = c.get(reverse("sites:compliance"), {"unit": "group-a", "day": DAY.isoformat()})
        self.assertContains(r, f'data-slot="{self.station.pk}"')
        self.assertContains(r, 'data-state="missed"')
