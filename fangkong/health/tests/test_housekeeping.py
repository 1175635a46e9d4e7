from datetime import UTC, date, datetime
from io import StringIO

import time_machine
from django.core.management import call_command
from django.test import TestCase, override_settings

from fangkong.health.models import CheckIn, CheckInRevision, CheckInTally
from fangkong.health.queries.checkins import get_checkin_summary
from fangkong.health.services import checkins as services
from fangkong.health.sweeps import remind_missing_checkins
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin

DAY = date(2020, 2, 3)


@override_settings(LANGUAGE_CODE="en")
class ReminderTests(ProvinceMixin, TestCase):
    def test_liaisons_hear_of_missing_check_ins_once_after_the_reminder_time(self):
        t = self.t
        with time_machine.travel(datetime(2020, 2, 3, 1, 0, tzinfo=UTC), tick=False):  # 09:00
            self.assertEqual(remind_missing_checkins()["reminders"], 0)
        with time_machine.travel(datetime(2020, 2, 3, 2, 30, tzinfo=UTC), tick=False):  # 10:30
            first = remind_missing_checkins()
            again = remind_missing_checkins()
        self.assertEqual((first["reminders"], again["reminders"]), (1, 0))
        message = Message.objects.get(topic="checkin_reminder")
        self.assertEqual(message.recipient, t.bob)  # liaison of a-site-1, A002 missing
        self.assertIn("1 people", message.subject)

    def test_no_reminder_when_everyone_checked_in(self):
        t = self.t
        with time_machine.travel(datetime(2020, 2, 3, 2, 30, tzinfo=UTC), tick=False):
            services.check_in_unit(
                actor=t.root,
                unit=t.a_site_1,
                day=DAY,
                rows=[{"employee_no": "A002", "temperature": "36.5"}],
            )
            self.assertEqual(remind_missing_checkins()["reminders"], 0)


class PurgeTests(ProvinceMixin, TestCase):
    def test_purge_keeps_the_unit_counts(self):
        t = self.t
        for day, temperature in ((DAY, "36.5"), (DAY, "36.8"), (date(2020, 2, 10), "36.6")):
            with time_machine.travel(datetime(2020, 2, 10, 2, tzinfo=UTC), tick=False):
                services.check_in_unit(
                    actor=t.root,
                    unit=t.group_a,
                    day=day,
                    rows=[{"employee_no": "A001", "temperature": temperature}],
                )
        self.assertEqual(CheckInRevision.objects.count(), 1)
        out = StringIO()
        call_command("purge_health", before="2020-02-05", stdout=out)
        self.assertEqual(list(CheckIn.objects.values_list("day", flat=True)), [date(2020, 2, 10)])
        self.assertFalse(CheckInRevision.objects.exists())
        self.assertTrue(CheckInTally.objects.filter(day=DAY).exists())
        self.assertEqual(get_checkin_summary(t.group_a, DAY)["checked_in"], 1)
        self.assertIn("unit counts kept", out.getvalue())
