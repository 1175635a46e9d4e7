"""催办 of missing observation follow-ups, from the observation list (issue 11)."""

from datetime import timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from fangkong.health import chases
from fangkong.health.services import observation as observations
from fangkong.notify import services as notify
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin


class FollowUpChaseTests(ProvinceMixin, TestCase):
    def setUp(self):
        observations.start_observation(
            actor=self.t.bob,
            person=self.t.p_site_1,
            reason="close_contact",
            place="home",
            start_on=timezone.localdate() - timedelta(days=1),
        )

    def test_the_list_offers_a_reminder_and_it_reaches_the_liaison_once(self):
        self.client.force_login(self.t.olga)
        page = self.client.get(reverse("health:observation_list"))
        self.assertContains(page, 'data-testid="chase-a-site-1"')
        what = chases.followup_what(timezone.localdate())
        first = notify.chase(actor=self.t.olga, what=what, units=["a-site-1"])
        self.assertEqual(first[0].status, "sent")
        told = Message.objects.filter(topic="chase", unit=self.t.a_site_1)
        self.assertIn("bob", set(told.values_list("recipient__username", flat=True)))
        self.assertEqual(
            notify.chase(actor=self.t.olga, what=what, units=["a-site-1"])[0].status, "skipped"
        )

    def test_a_unit_whose_follow_ups_are_in_is_not_reminded(self):
        what = chases.followup_what(timezone.localdate())
        outcome = notify.chase(actor=self.t.olga, what=what, units=["a-site-2"])
        self.assertEqual(outcome[0].status, "done")
