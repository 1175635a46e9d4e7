"""Durable follow-ups (core.followups): written with the fact, run by the worker in their
own transactions, retried with back-off, given up visibly, never lost and never doubled."""

from datetime import UTC, datetime, timedelta
from unittest import skipIf

import time_machine
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase, override_settings
from django.urls import reverse

from fangkong.core import followups, worker
from fangkong.core.models import AuditEntry, FollowUp
from fangkong.core.testing import run_in_threads

NOW = datetime(2020, 2, 3, 1, 0, tzinfo=UTC)
EVENT = "test.fact"
failures_left: dict[str, int] = {}


def do_work(*, fact: int) -> None:
    """The test handler: its work is an audit row; it fails as often as told first."""
    AuditEntry.objects.create(action="followup_work", object_type="fact", object_id=str(fact))
    if failures_left.get("n", 0) > 0:
        failures_left["n"] -= 1
        raise RuntimeError("the office's line is busy")


def killed(*, fact: int) -> None:
    """A worker killed in the middle of the handler: its writes so far die with it."""
    AuditEntry.objects.create(action="followup_work", object_type="fact", object_id=str(fact))
    raise SystemExit("killed")


def work_done() -> int:
    return AuditEntry.objects.filter(action="followup_work").count()


class Subscribed:
    def setUp(self):
        saved = (dict(followups._handlers), {k: list(v) for k, v in followups._subscribers.items()})
        self.addCleanup(self._restore, *saved)
        followups.subscribe(EVENT, "test.do_work", do_work, label="Do the work")
        failures_left.clear()

    @staticmethod
    def _restore(handlers, subs):
        followups._handlers.clear()
        followups._handlers.update(handlers)
        followups._subscribers.clear()
        followups._subscribers.update(subs)

    def emit(self, fact=1, **extra):
        with transaction.atomic():
            return followups.emit(EVENT, key=fact, fact=fact, **extra)


class FollowUpTests(Subscribed, TestCase):
    def test_registered_as_a_sweep_of_the_worker(self):
        self.assertIn("core.followups", {s.name for s in worker.sweeps()})
        self.assertEqual(followups.subscribers("health.case_result"), ["incidents.open_from_case"])
        self.assertEqual(
            sorted(followups.subscribers("reporting.report_filed")),
            ["accountability.record_from_filing", "reporting.notify_mismatch"],
        )

    def test_a_handler_that_fails_twice_then_succeeds_gets_its_work_done(self):
        failures_left["n"] = 2
        with time_machine.travel(NOW, tick=False):
            self.assertEqual(self.emit(), 1)
            with self.assertLogs("fangkong.followups", "WARNING"):
                self.assertEqual(followups.run_all(), {"failed": 1})
            item = FollowUp.objects.get()
            self.assertEqual(
                (item.attempts, item.next_attempt_at), (1, NOW + timedelta(seconds=30))
            )
            self.assertIn("line is busy", item.last_error)
            self.assertEqual(work_done(), 0)  # the failed attempt's writes were rolled back
            self.assertEqual(followups.run_all(), {})  # not due before its back-off
        with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
            with self.assertLogs("fangkong.followups", "WARNING"):
                self.assertEqual(followups.run_all(), {"failed": 1})
            self.assertEqual(FollowUp.objects.get().next_attempt_at, NOW + timedelta(seconds=90))
        with time_machine.travel(NOW + timedelta(seconds=90), tick=False):
            self.assertEqual(followups.run_all(), {"done": 1})
            self.assertEqual(followups.run_all(), {})
        item = FollowUp.objects.get()
        self.assertEqual((item.state, item.attempts, item.last_error), ("done", 3, ""))
        self.assertEqual(work_done(), 1)

    def test_a_worker_killed_in_the_handler_loses_nothing_and_does_it_once(self):
        followups.subscribe(EVENT, "test.do_work", killed)
        self.emit()
        with self.assertRaises(SystemExit):
            followups.run_all()
        item = FollowUp.objects.get()
        self.assertEqual((item.state, item.attempts), ("pending", 0))  # rolled back with it
        self.assertEqual(work_done(), 0)
        followups.subscribe(EVENT, "test.do_work", do_work)  # the next worker
        self.assertEqual(followups.run_all(), {"done": 1})
        self.assertEqual(work_done(), 1)

    def test_emitting_twice_does_the_work_once_and_no_subscriber_writes_nothing(self):
        self.assertEqual(self.emit(), 1)
        self.assertEqual(self.emit(), 0)
        self.assertEqual(followups.emit("test.nobody_listens", key=1), 0)
        followups.run_all()
        self.assertEqual((FollowUp.objects.count(), work_done()), (1, 1))

    def test_a_fact_rolled_back_leaves_no_follow_up(self):
        with self.assertRaises(RuntimeError), transaction.atomic():
            followups.emit(EVENT, key=1, fact=1)
            raise RuntimeError("the fact's transaction fails after the emit")
        self.assertFalse(FollowUp.objects.exists())

    @override_settings(FOLLOWUP_MAX_ATTEMPTS=2)
    def test_given_up_after_the_attempts_shown_to_admins_and_run_again(self):
        failures_left["n"] = 5
        self.emit()
        with self.assertLogs("fangkong.followups", "WARNING"):
            followups.run_all()
        with (
            time_machine.travel(timedelta(minutes=5)),
            self.assertLogs("fangkong.followups", "ERROR"),
        ):
            followups.run_all()
        item = FollowUp.objects.get()
        self.assertEqual((item.state, item.attempts), ("dead", 2))

        users = get_user_model().objects
        admin = users.create_superuser("root", "root@example.org", "pw")
        self.client.force_login(admin)
        page = self.client.get(reverse("core:followups") + "?state=dead")
        self.assertContains(page, "Do the work")
        self.assertContains(page, "line is busy")
        self.assertContains(page, 'data-testid="retry"')
        failures_left["n"] = 0
        answer = self.client.post(reverse("core:followup_retry", args=[item.pk]))
        self.assertRedirects(answer, reverse("core:followups"), fetch_redirect_response=False)
        item.refresh_from_db()
        self.assertEqual((item.state, item.attempts), ("pending", 0))
        self.assertTrue(AuditEntry.objects.filter(action="retry_followup").exists())
        self.assertEqual(followups.run_all(), {"done": 1})
        again = self.client.post(reverse("core:followup_retry", args=[item.pk]), follow=True)
        self.assertEqual(again.status_code, 200)  # a done one: a message, not a second run

        plain = users.create_user("plain", password="pw")
        self.client.force_login(plain)
        self.assertEqual(self.client.get(reverse("core:followups")).status_code, 404)
        self.assertEqual(
            self.client.post(reverse("core:followup_retry", args=[item.pk])).status_code, 404
        )

    def test_purge_forgets_done_follow_ups_after_a_week(self):
        self.emit()
        followups.run_all()
        self.assertEqual(followups.purge(), 0)
        self.assertEqual(followups.purge(timezone_now() + timedelta(days=8)), 1)


def timezone_now():
    from django.utils import timezone

    return timezone.now()


class CommittedTests(Subscribed, TransactionTestCase):
    def test_the_row_is_committed_with_the_fact_before_any_worker_runs(self):
        self.emit()  # its transaction commits here, like a request's
        # A worker killed between the commit and the handler: a fresh process sees the row.
        connection.close()
        self.assertEqual(FollowUp.objects.get().state, "pending")
        self.assertEqual(followups.run_all(), {"done": 1})
        self.assertEqual(work_done(), 1)

    @skipIf(connection.vendor == "sqlite", "threads need a database server (SKIP LOCKED)")
    def test_two_workers_at_once_run_each_follow_up_once(self):
        for fact in range(40):
            self.emit(fact)
        done: dict[int, dict] = {}

        def run(n):
            done[n] = followups.run_all()

        run_in_threads(run)
        self.assertEqual(sum(d.get("done", 0) for d in done.values()), 40)
        self.assertEqual(work_done(), 40)
