from datetime import timedelta
from unittest import skipIf

from django.db import connection
from django.test import TransactionTestCase

from fangkong.accountability import services
from fangkong.accountability.models import Entry
from fangkong.core.testing import run_in_threads
from fangkong.reporting import services as reporting
from fangkong.reporting.testing import ShippedFormsMixin, make_reporting_province

from .helpers import AFTER, DAY


@skipIf(connection.vendor == "sqlite", "threads share the in-memory SQLite test database")
class TwoWorkerTests(ShippedFormsMixin, TransactionTestCase):
    def test_two_workers_sweeping_at_once_record_each_fact_once(self):
        t = make_reporting_province()
        for day in (DAY - timedelta(days=1), DAY):
            reporting.sync_expected(t.daily, day)
        results = []
        run_in_threads(lambda n: results.append(services.record_overdue(AFTER)))
        self.assertEqual(sum(r["missing"] for r in results), 10)
        self.assertEqual(Entry.objects.count(), 10)
        ranks = sorted(Entry.objects.order_by().values_list("day", "repetition").distinct())
        self.assertEqual(ranks, [(DAY - timedelta(days=1), 1), (DAY, 2)])
