"""催办 of the levels that have not signed (签收) an incident: from the incident page, one
level or all, to the level's officers and the people on duty, at most every 5 minutes."""

from datetime import timedelta

import time_machine
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from fangkong.incidents import chases, services
from fangkong.notify import services as notify
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin


class AckChaseTests(ProvinceMixin, TestCase):
    def setUp(self):
        self.incident = services.file_incident(
            actor=self.t.bob,
            unit=self.t.a_site_1,
            kind="suspected",
            title="发热伴咳嗽",
            discovered_at=timezone.now() - timedelta(minutes=3),
        )
        self.what = chases.what(self.incident)

    def reminded(self, unit):
        return set(
            Message.objects.filter(topic="chase", unit=unit).values_list(
                "recipient__username", flat=True
            )
        )

    def test_the_reporting_unit_reminds_a_level_and_its_officers_are_told(self):
        outcomes = notify.chase(actor=self.t.bob, what=self.what, units=["group-a"])
        self.assertEqual([o.status for o in outcomes], ["sent"])
        self.assertEqual(self.reminded(self.t.group_a), {"alice", "olga"})
        again = notify.chase(actor=self.t.bob, what=self.what, units=["group-a"])
        self.assertEqual(again[0].status, "skipped")
        with time_machine.travel(timezone.now() + timedelta(minutes=6)):
            services.acknowledge(actor=self.t.olga, incident=self.incident)
            done = notify.chase(actor=self.t.bob, what=self.what, units=["group-a"])
        self.assertEqual(done[0].status, "done")  # signed meanwhile: nobody is bothered

    def test_the_page_offers_it_per_waiting_level_and_for_all(self):
        self.client.force_login(self.t.bob)
        page = self.client.get(reverse("incidents:detail", args=[self.incident.pk]))
        self.assertContains(page, 'data-testid="chase-group-a"')
        self.assertContains(page, 'data-testid="chase-all"')
        response = self.client.post(
            reverse("notify:chase"),
            {"what": self.what, "unit": ["a-sub", "group-a", "province"]},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 200)
        # a-sub has no officers and nobody on duty: nothing to send there.
        units = set(Message.objects.filter(topic="chase").values_list("unit__code", flat=True))
        self.assertEqual(units, {"group-a", "province"})

    def test_outsiders_and_units_that_are_no_level_of_it_are_refused(self):
        with self.assertRaises(Exception) as ctx:
            notify.chase(actor=self.t.charlie, what=self.what, units=["group-a"])
        self.assertEqual(type(ctx.exception).__name__, "Http404")
        with self.assertRaises(Exception) as ctx:
            notify.chase(actor=self.t.bob, what=self.what, units=["group-b"])
        self.assertEqual(getattr(ctx.exception, "code", ""), "unknown_unit")
