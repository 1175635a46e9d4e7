import io
import unittest

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import SimpleTestCase, TransactionTestCase

from fangkong.core import worker
from fangkong.orgs.models import Unit


class IsolatedSweeps:
    """Each test registers its own sweeps; the apps' sweeps are put back after it."""

    def setUp(self):
        super().setUp()
        self.app_sweeps = dict(worker._sweeps)
        worker._sweeps.clear()
        self.addCleanup(lambda: (worker._sweeps.clear(), worker._sweeps.update(self.app_sweeps)))


class WorkerTests(IsolatedSweeps, SimpleTestCase):
    def test_due_sweeps_run_and_failures_do_not_stop_the_others(self):
        calls = []
        worker.register_sweep("a", lambda: calls.append("a") or 1, every=10)
        worker.register_sweep("boom", lambda: 1 / 0, every=10)
        failed = worker.Failure("ZeroDivisionError")
        with self.assertLogs("fangkong.worker", "ERROR"):
            self.assertEqual(worker.run_due(now=100), {"a": 1, "boom": failed})
        self.assertEqual(worker.run_due(now=105), {})  # not due yet
        with self.assertLogs("fangkong.worker", "ERROR"):
            self.assertEqual(worker.run_due(now=111), {"a": 1, "boom": failed})
        self.assertEqual(calls, ["a", "a"])
        self.assertEqual(worker.run_due(now=200, only={"a"}), {"a": 1})
        self.assertEqual(worker._sweeps["boom"].failures, 2)

    def test_lanes_and_names_choose_the_sweeps(self):
        for name, lane in [
            ("escalate", "urgent"),
            ("deliver", "urgent"),
            ("sync", "routine"),
            ("ledger", "routine"),
        ]:
            worker.register_sweep(name, lambda: None, every=1, lane=lane)

        def names(only=(), exclude=()):
            return [s.name for s in worker.select(only, exclude)]

        self.assertEqual(names(["urgent"]), ["escalate", "deliver"])
        self.assertEqual(names(exclude=["urgent"]), ["sync", "ledger"])
        self.assertEqual(names(["urgent", "ledger"], ["deliver"]), ["escalate", "ledger"])
        self.assertEqual(len(names()), 4)
        with self.assertRaisesMessage(ValueError, "no sweep or lane 'urgnet'"):
            names(["urgnet"])
        with self.assertRaisesMessage(CommandError, "no sweep or lane"):
            call_command("worker", "--once", "--only", "urgnet")
        with self.assertRaises(ValueError):
            worker.register_sweep("x", lambda: None, every=1, lane="fast")

    def test_the_apps_put_escalation_delivery_and_follow_ups_in_the_urgent_lane(self):
        worker._sweeps.update(self.app_sweeps)
        urgent = {s.name for s in worker.select(["urgent"])}
        self.assertEqual(urgent, {"incidents.escalate", "notify.deliver", "core.followups"})
        self.assertTrue({s.name for s in worker.select(exclude=["urgent"])}.isdisjoint(urgent))

    def test_a_sweep_that_overruns_its_interval_is_reported(self):
        now = [0.0]

        def slow():
            now[0] += 20.0  # takes 20 s on the worker's clock

        worker.register_sweep("slow", slow, every=15, lane="urgent")
        worker.register_sweep("quick", lambda: "ok", every=15, lane="urgent")
        with self.assertLogs("fangkong.worker", "WARNING") as logs:
            worker.run_due(timer=lambda: now[0])
        self.assertEqual(len(logs.output), 1)
        self.assertIn("sweep slow took 20.0 s, longer than its interval of 15 s", logs.output[0])
        self.assertEqual(
            (worker._sweeps["slow"].overruns, worker._sweeps["quick"].overruns), (1, 0)
        )

    def test_once_exits_non_zero_when_a_sweep_fails(self):
        worker.register_sweep("fine", lambda: {"done": 1}, every=10)
        out = io.StringIO()
        call_command("worker", "--once", stdout=out)
        self.assertIn("fine: {'done': 1}", out.getvalue())
        worker.register_sweep("boom", lambda: 1 / 0, every=10)
        worker._sweeps["fine"].next_at = 0
        out = io.StringIO()
        with self.assertLogs("fangkong.worker", "ERROR"):
            with self.assertRaisesMessage(CommandError, "1 of 2 sweeps failed: boom"):
                call_command("worker", "--once", stdout=out)
        self.assertIn("boom: failed (ZeroDivisionError)", out.getvalue())


@unittest.skipUnless(connection.vendor == "postgresql", "an unreachable server: PostgreSQL")
class DatabaseOutageTests(IsolatedSweeps, TransactionTestCase):
    def test_an_outage_is_one_warning_and_a_back_off_not_a_traceback_every_round(self):
        rounds = []
        worker.register_sweep("count", lambda: rounds.append(Unit.objects.count()), every=1)
        port = connection.settings_dict["PORT"]
        self.addCleanup(lambda: (connection.close(), connection.settings_dict.update(PORT=port)))
        connection.settings_dict["PORT"] = "1"  # nothing listens there: the server is gone
        connection.close()
        sleeps = []

        def sleep(seconds):
            sleeps.append(seconds)
            if len(sleeps) == 6:  # the server is back
                connection.settings_dict["PORT"] = port

        with self.assertLogs(level="DEBUG") as logs:
            worker.run_forever(tick=0, stop=lambda: len(sleeps) >= 8, sleep=sleep)
        self.assertEqual(sleeps, [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 0, 0])  # back-off, then ticks
        self.assertEqual(rounds, [0])  # the second round: not due yet
        warnings = [r for r in logs.records if r.levelname == "WARNING"]
        self.assertEqual(len(warnings), 2, logs.output)
        self.assertIn("database unavailable (connection failed:", warnings[0].getMessage())
        self.assertIn("database reachable again after", warnings[1].getMessage())
        self.assertFalse([r for r in logs.records if r.exc_info or r.levelname == "ERROR"])
