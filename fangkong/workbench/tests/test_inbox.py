"""The inbox sets urgent messages (incidents, fevers, escalations) apart from routine
ones: unread first, urgent before routine, a "待我处理" filter, and a message about
something that waits on the to-do list says so and links to it (issue 11)."""

from datetime import timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from fangkong.incidents import services as incidents
from fangkong.notify import services as notify
from fangkong.notify.choices import Channel, State
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin


class InboxTests(ProvinceMixin, TestCase):
    def setUp(self):
        t = self.t
        self.routine = notify.queue(
            key="test:routine",
            topic="duty_gaps",
            unit=t.group_a,
            subject="值班表下周有空档",
            body="",
            users=[t.olga],
        )
        self.incident = incidents.file_incident(
            actor=t.bob,
            unit=t.a_site_1,
            kind="suspected",
            title="发热伴咳嗽",
            discovered_at=timezone.now() - timedelta(minutes=3),
        )
        # The worker delivers in-app messages; here they are marked sent as it would.
        Message.objects.filter(channel=Channel.INAPP).update(state=State.SENT)

    def test_urgent_messages_stand_apart_and_first(self):
        self.client.force_login(self.t.olga)
        page = self.client.get(reverse("notify:inbox"))
        rows = list(page.context["page"])
        self.assertTrue(rows[0].urgent)
        self.assertEqual(rows[-1].subject, "值班表下周有空档")
        self.assertFalse(rows[-1].urgent)
        self.assertContains(page, 'data-urgent="1"')
        self.assertContains(page, "fk-urgent")
        # The incident waits for olga's level to sign: the message says so, with the link.
        self.assertIsNotNone(rows[0].task)
        self.assertContains(page, 'data-testid="message-task"')
        self.assertContains(page, "去处理")

    def test_the_waiting_for_me_filter_keeps_urgent_ones(self):
        self.client.force_login(self.t.olga)
        page = self.client.get(reverse("notify:inbox"), {"urgent": "1"})
        rows = list(page.context["page"])
        self.assertTrue(rows)
        self.assertTrue(all(m.urgent for m in rows))
        self.assertNotContains(page, "值班表下周有空档")

    def test_read_messages_go_after_unread_ones(self):
        self.client.force_login(self.t.olga)
        urgent = Message.objects.filter(recipient=self.t.olga, urgent=True, channel=Channel.INAPP)
        urgent.update(read_at=timezone.now())
        rows = list(self.client.get(reverse("notify:inbox")).context["page"])
        self.assertEqual(rows[0].subject, "值班表下周有空档")
