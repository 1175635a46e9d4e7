from datetime import UTC, date, datetime
from io import StringIO

import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from fangkong.health.models import CheckIn, CheckInRevision, CheckInTally
from fangkong.health.queries.checkins import get_checkin_summary
from fangkong.health.services import checkins as services
from fangkong.health.sweeps import remind_missing_checkins
from fangkong.notify.models import Message
from fangkong.orgs import services as orgs_services
from fangkong.orgs.choices import Role, SiteKind, UnitKind
from fangkong.orgs.testing import ProvinceMixin, grant, make_user

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


class ReminderQueryCountTests(ProvinceMixin, TestCase):
    """The reminder sweep runs every 5 minutes: once the day's reminders are queued, a run
    costs the same queries for 3 units as for 30 (it was 4 per unit; issue 10)."""

    def add_sites(self, n, start):
        for i in range(start, start + n):
            site = orgs_services.create_unit(
                actor=self.t.root,
                parent=self.t.a_sub,
                code=f"q-site-{i}",
                name=f"Site {i}",
                kind=UnitKind.SITE,
                site_kind=SiteKind.OFFICE,
            )
            orgs_services.create_person(
                actor=self.t.root, unit=site, employee_no=f"Q{i:03d}", name=f"Person Q{i}"
            )
            liaison = make_user(f"liaison-{i}")
            grant(liaison, site, Role.LIAISON)

    def runs(self):
        counts = []
        with time_machine.travel(datetime(2020, 2, 3, 2, 30, tzinfo=UTC), tick=False):
            for _run in range(2):  # the first queues, the second finds it done
                with CaptureQueriesContext(connection) as ctx:
                    result = remind_missing_checkins()
                counts.append((len(ctx), result["reminders"]))
        Message.objects.all().delete()
        return counts

    def test_queries_do_not_grow_with_the_units(self):
        self.add_sites(3, 0)
        (_first, queued_3), (again_3, none_3) = self.runs()
        self.add_sites(27, 3)
        (_first, queued_30), (again_30, none_30) = self.runs()
        self.assertEqual((queued_3, queued_30, none_3, none_30), (4, 31, 0, 0))
        self.assertEqual(again_30, again_3)
