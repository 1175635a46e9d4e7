"""SQLite's planner statistics are refreshed after migrations and by a daily sweep."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase

from fangkong.core import statistics
from fangkong.core.worker import sweeps


class StatisticsTests(TestCase):
    def test_the_sweep_is_registered_daily(self):
        sweep = next(s for s in sweeps() if s.name == "core.statistics")
        self.assertEqual(sweep.every, 24 * 3600)

    def test_refresh_analyzes_sqlite_and_leaves_postgresql_to_autovacuum(self):
        get_user_model().objects.create(username="someone")
        result = statistics.refresh()
        if connection.vendor != "sqlite":
            self.assertEqual(result, {"skipped": connection.vendor})
            return
        self.assertEqual(result, {"analyzed": True})
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'auth_user'")
            self.assertGreater(cursor.fetchone()[0], 0)
