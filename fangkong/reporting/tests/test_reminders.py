"""Reminders before the cut-off and the missing list after it, through the notify outbox."""

from datetime import UTC, date, datetime, timedelta
from unittest import skipIf

import time_machine
from django.db import connection
from django.test import TestCase, TransactionTestCase

from fangkong.core import worker
from fangkong.core.testing import run_in_threads
from fangkong.notify import queries as inbox
from fangkong.notify import services as notify
from fangkong.notify.choices import Channel
from fangkong.notify.models import Message, UnitChannel
from fangkong.notify.testing import WebhookReceiver
from fangkong.orgs import services as org_services
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.testing import grant, make_user
from fangkong.reporting import services
from fangkong.reporting.models import DailyReport
from fangkong.reporting.reminders import send_reminders
from fangkong.reporting.testing import ShippedFormsMixin, daily_values, make_reporting_province

DAY = date(2020, 2, 3)


def local(hour, minute=0):
    """A time on DAY in Shanghai (UTC+8), where the province's 09:00 cut-off is."""
    return datetime(2020, 2, 3, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def build(t):
    """Liaisons: bob by role on a-site-1, carol by role on a-sub, dave as the person named
    liaison of a-site-2; robots on group A and on a-sub."""
    t.carol = make_user("carol")
    grant(t.carol, t.a_sub, Role.LIAISON)
    t.dave = make_user("dave")
    Person.objects.filter(pk=t.p_site_2.pk).update(user=t.dave)
    org_services.update_unit(actor=t.root, unit=t.a_site_2, liaison=t.p_site_2)


class ReminderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        build(cls.t)

    def sync(self):
        services.sync_expected(self.t.daily, DAY)
        services.sync_expected(self.t.sasac_form, DAY)

    def robots(self, receiver):
        t = self.t
        t.group_robot = UnitChannel.objects.create(
            unit=t.group_a, kind=Channel.DINGTALK, target=receiver.url("/group")
        )
        t.sub_robot = UnitChannel.objects.create(
            unit=t.a_sub, kind=Channel.WECOM, target=receiver.url("/sub")
        )

    def keys(self, prefix):
        return set(
            Message.objects.filter(dedupe_key__startswith=prefix).values_list(
                "dedupe_key", flat=True
            )
        )

    def report(self, unit, form=None):
        return DailyReport.objects.get(form=form or self.t.daily, unit=unit, day=DAY)

    def test_reminders_60_and_15_minutes_before_the_cut_off_each_sent_once(self):
        t = self.t
        with WebhookReceiver() as receiver:
            self.robots(receiver)
            self.sync()
            with time_machine.travel(local(7, 59), tick=False):
                self.assertEqual(send_reminders(), {"reminders": 0, "missing_lists": 0})
            with time_machine.travel(local(8, 0), tick=False):
                # In-app to bob, carol and dave (a-hq has no liaison); one list per robot.
                self.assertEqual(send_reminders()["reminders"], 5)
                self.assertEqual(send_reminders()["reminders"], 0)  # the second run: nothing
                notify.deliver_due()
            site_1 = self.report(t.a_site_1)
            self.assertIn(f"remind:{site_1.pk}:60|u{t.bob.pk}", self.keys("remind:"))
            [bobs] = inbox.list_inbox(t.bob)
            self.assertIn("Unit a-site-1", bobs.subject)
            self.assertIn("2020-02-03", bobs.subject)
            self.assertIn("09:00", bobs.subject)
            self.assertEqual(bobs.url, "/reports/daily/a-site-1/2020-02-03/")
            by_path = {r.path: r.json["text"]["content"] for r in receiver.requests}
            self.assertIn("Unit a-hq", by_path["/group"])  # the nearest robot of each unit
            self.assertNotIn("Unit a-sub", by_path["/group"])
            for code in ("a-sub", "a-site-1", "a-site-2"):
                self.assertIn(f"Unit {code}", by_path["/sub"])

            services.file_report(
                actor=t.bob,
                form=t.daily,
                unit=t.a_site_1,
                day=DAY,
                values=daily_values(),
                now=local(8, 30),
            )
            receiver.requests.clear()
            with time_machine.travel(local(8, 45), tick=False):
                self.assertEqual(send_reminders()["reminders"], 4)  # carol, dave, two robots
                self.assertEqual(send_reminders()["reminders"], 0)
                notify.deliver_due()
            with time_machine.travel(local(8, 59), tick=False):
                self.assertEqual(send_reminders()["reminders"], 0)
        self.assertEqual(len(inbox.list_inbox(t.bob)), 1)  # filed: no 15-minute reminder
        self.assertEqual(len(inbox.list_inbox(t.carol)), 2)
        self.assertEqual(len(inbox.list_inbox(t.dave)), 2)
        sub_list = next(r.json["text"]["content"] for r in receiver.requests if r.path == "/sub")
        self.assertNotIn("Unit a-site-1", sub_list)
        self.assertIn("Unit a-site-2", sub_list)

    def test_a_worker_that_missed_the_60_minute_point_sends_only_the_15_minute_one(self):
        self.sync()
        with time_machine.travel(local(8, 50), tick=False):
            self.assertEqual(send_reminders()["reminders"], 3)
        self.assertEqual({k.split("|")[0].rsplit(":", 1)[1] for k in self.keys("remind:")}, {"15"})

    def test_reminders_count_down_to_the_cut_off_not_to_the_end_of_the_grace(self):
        self.t.assignment_a.grace_minutes = 30
        self.t.assignment_a.save()
        self.sync()
        with time_machine.travel(local(7, 59), tick=False):
            self.assertEqual(send_reminders()["reminders"], 0)
        with time_machine.travel(local(8, 0), tick=False):
            self.assertEqual(send_reminders()["reminders"], 3)
        with time_machine.travel(local(9, 5), tick=False):  # in the grace period: no more
            self.assertEqual(send_reminders()["reminders"], 0)
        self.assertFalse(self.keys(f"missing:daily:{self.t.group_a.pk}:"))  # not missing yet
        self.assertIn("09:00", Message.objects.filter(topic="reminder").first().subject)

    def test_missing_list_goes_once_to_the_nearest_office_above(self):
        t = self.t
        with WebhookReceiver() as receiver:
            self.robots(receiver)
            self.sync()
            services.file_report(
                actor=t.bob,
                form=t.daily,
                unit=t.a_site_1,
                day=DAY,
                values=daily_values(),
                now=local(8, 30),
            )
            with time_machine.travel(local(8, 59), tick=False):
                self.assertEqual(send_reminders()["missing_lists"], 0)
            with time_machine.travel(local(9, 1), tick=False):
                # olga (office on group A) and group A's robot: a-hq, a-sub, a-site-2;
                # sasac (office on the province): b-sub's daily, both groups' SASAC form.
                self.assertEqual(send_reminders()["missing_lists"], 4)
                self.assertEqual(send_reminders()["missing_lists"], 0)
                notify.deliver_due()
        self.assertEqual(
            self.keys("missing:"),
            {
                f"missing:daily:{t.group_a.pk}:2020-02-03|u{t.olga.pk}",
                f"missing:daily:{t.group_a.pk}:2020-02-03|c{t.group_robot.pk}",
                f"missing:daily:{t.province.pk}:2020-02-03|u{t.sasac.pk}",
                f"missing:sasac:{t.province.pk}:2020-02-03|u{t.sasac.pk}",
            },
        )
        [olgas] = inbox.list_inbox(t.olga)
        self.assertIn("3", olgas.subject)
        self.assertIn("Unit group-a", olgas.subject)
        self.assertEqual(olgas.body.count("Unit "), 3)
        self.assertLess(olgas.body.index("Unit a-hq"), olgas.body.index("Unit a-site-2"))
        self.assertNotIn("Unit a-site-1", olgas.body)  # it filed
        self.assertEqual(olgas.url, "/reports/overview/?form=daily&unit=group-a&day=2020-02-03")
        robot = Message.objects.get(topic="missing", endpoint__isnull=False)
        self.assertEqual((robot.endpoint, robot.state), (t.group_robot, "sent"))
        self.assertIn("Unit a-site-2", robot.body)
        received = [r.json["text"]["content"] for r in receiver.requests if r.path == "/group"]
        self.assertIn(f"{robot.subject}\n{robot.body}", received)
        sasac = {m.body for m in inbox.list_inbox(t.sasac)}
        self.assertTrue(any("Unit b-sub" in body for body in sasac))
        self.assertTrue(any("Unit group-a" in body and "Unit group-b" in body for body in sasac))
        self.assertFalse(inbox.list_inbox(t.alice))  # a unit admin is not the office

    def test_missing_list_waits_for_the_last_cut_off_under_the_office(self):
        t = self.t
        Unit.objects.filter(pk=t.a_site_2.pk).update(timezone="Asia/Urumqi")  # UTC+6
        self.sync()
        with time_machine.travel(local(9, 1), tick=False):
            send_reminders()
        self.assertFalse(self.keys(f"missing:daily:{t.group_a.pk}:"))
        with time_machine.travel(local(11, 1), tick=False):  # 09:01 in Urumqi
            send_reminders()
            notify.deliver_due()
        [olgas] = inbox.list_inbox(t.olga)
        self.assertIn("Unit a-site-2", olgas.body)
        self.assertIn("Unit a-hq", olgas.body)

    def test_old_cut_offs_are_history_not_news(self):
        self.sync()
        with time_machine.travel(local(9, 1) + timedelta(days=1, minutes=1), tick=False):
            self.assertEqual(send_reminders(), {"reminders": 0, "missing_lists": 0})

    def test_the_worker_runs_the_reminders_and_the_delivery(self):
        names = {s.name for s in worker.sweeps()}
        self.assertLessEqual({"reporting.reminders", "notify.deliver"}, names)


@skipIf(connection.vendor == "sqlite", "threads share the in-memory SQLite test database")
class TwoWorkerTests(ShippedFormsMixin, TransactionTestCase):
    def test_two_workers_sweeping_at_once_queue_each_message_once(self):
        t = make_reporting_province()
        build(t)
        services.sync_expected(t.daily, DAY)
        services.sync_expected(t.sasac_form, DAY)
        send_reminders(now=local(8, 0))
        # time_machine is process-wide: the threads pass `now`, they do not travel.
        run_in_threads(lambda n: send_reminders(now=local(9, 1)))
        self.assertEqual(Message.objects.filter(topic="missing").count(), 3)
        self.assertEqual(Message.objects.filter(topic="reminder").count(), 3)
