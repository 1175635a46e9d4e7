"""催办 from the check-in overview: the chased unit's liaisons, the 5-minute rule, scope."""

from datetime import UTC, datetime

import time_machine
from django.test import TestCase
from django.urls import reverse

from fangkong.notify.choices import Channel
from fangkong.notify.models import Message
from fangkong.orgs.testing import make_province

NOON = datetime(2020, 2, 3, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
WHAT = "checkin:2020-02-03"


class CheckinChaseTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_province()

    def chase(self, user, *codes):
        self.client.force_login(user)
        return self.client.post(
            reverse("notify:chase"), {"what": WHAT, "unit": list(codes)}, HTTP_HX_REQUEST="true"
        )

    def test_the_office_reminds_a_units_liaison_once_in_5_minutes(self):
        t = self.t
        with time_machine.travel(NOON, tick=False):
            self.assertContains(self.chase(t.olga, "a-site-1"), "已催办")
            self.assertContains(self.chase(t.olga, "a-site-1"), "12:05 后可再次催办")
        rows = Message.objects.filter(topic="chase", channel=Channel.INAPP)
        self.assertEqual(list(rows.values_list("recipient__username", flat=True)), ["bob"])
        self.assertIn("?day=2020-02-03", rows.get().url)

    def test_the_overview_offers_the_buttons_and_tel_links_and_outsiders_get_404(self):
        t = self.t
        with time_machine.travel(NOON, tick=False):
            self.client.force_login(t.olga)
            page = self.client.get(reverse("health:checkins"), {"unit": "a-sub"})
            self.assertContains(page, 'data-testid="chase-a-sub"')  # this unit, at the top
            self.assertContains(page, 'data-testid="chase-a-site-1"')  # a child's row
            self.assertContains(page, 'href="tel:13800000001"')
            self.assertEqual(self.chase(t.charlie, "a-site-1").status_code, 404)
        self.assertFalse(Message.objects.filter(topic="chase").exists())
