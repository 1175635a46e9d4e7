from django.test import SimpleTestCase

from fangkong.core import worker


class WorkerTests(SimpleTestCase):
    def setUp(self):
        self.saved = dict(worker._sweeps)
        worker._sweeps.clear()
        self.addCleanup(lambda: (worker._sweeps.clear(), worker._sweeps.update(self.saved)))

    def test_due_sweeps_run_and_failures_do_not_stop_the_others(self):
        calls = []
        worker.register_sweep("a", lambda: calls.append("a") or 1, every=10)
        worker.register_sweep("boom", lambda: 1 / 0, every=10)
        with self.assertLogs("fangkong.worker", "ERROR"):
            self.assertEqual(worker.run_due(now=100), {"a": 1, "boom": None})
        self.assertEqual(worker.run_due(now=105), {})  # not due yet
        with self.assertLogs("fangkong.worker", "ERROR"):
            self.assertEqual(worker.run_due(now=111), {"a": 1, "boom": None})
        self.assertEqual(calls, ["a", "a"])
        self.assertEqual(worker.run_due(now=200, only={"a"}), {"a": 1})
