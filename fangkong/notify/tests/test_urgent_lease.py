from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase

from fangkong.notify import services
from fangkong.notify.choices import Channel, State
from fangkong.notify.models import Message, UnitChannel
from fangkong.notify.testing import WebhookReceiver
from fangkong.orgs.testing import make_province

NOW = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: no quiet hours


class UrgentLeaseTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_province()

    def test_an_urgent_alert_claimed_by_a_worker_that_died_goes_out_within_seconds(self):
        with WebhookReceiver() as robot:
            UnitChannel.objects.create(
                unit=self.t.group_a, kind=Channel.DINGTALK, target=robot.url("/robot/send")
            )
            with time_machine.travel(NOW, tick=False):
                for key, topic in [("reminder", "reminder"), ("incident", "incident")]:
                    services.queue(
                        key=key, topic=topic, unit=self.t.a_site_1, subject=key, body=key
                    )
                _, claimed = services.claim(batch=1)  # …and the worker dies
            self.assertEqual([m.subject for m in claimed], ["incident"])  # urgent first
            alert = Message.objects.get(subject="incident")
            self.assertTrue(alert.urgent)
            lease = services.lease_seconds(urgent=True)
            self.assertEqual(lease, 15)  # not the minute of an ordinary message
            self.assertEqual(services.lease_seconds(), 60)
            self.assertEqual(alert.next_attempt_at, NOW + timedelta(seconds=lease))
            with time_machine.travel(NOW + timedelta(seconds=lease), tick=False):
                _, again = services.claim()
                self.assertEqual({m.subject for m in again}, {"incident", "reminder"})
            reminder = Message.objects.get(subject="reminder")
            self.assertEqual(reminder.next_attempt_at, NOW + timedelta(seconds=lease + 60))
            self.assertEqual(Message.objects.filter(state=State.SENDING).count(), 2)
