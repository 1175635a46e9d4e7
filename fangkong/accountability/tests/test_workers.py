import threading
from datetime import timedelta
from unittest import skipIf

from django.db import connection
from django.test import TransactionTestCase

from fangkong.accountability import services
from fangkong.accountability.models import Entry
from fangkong.reporting import services as reporting
from fangkong.reporting import shipped
from fangkong.reporting.models import FormField, FormVersion, ReportForm
from fangkong.reporting.testing import make_reporting_province

from .helpers import AFTER, DAY


@skipIf(connection.vendor == "sqlite", "threads share the in-memory SQLite test database")
class TwoWorkerTests(TransactionTestCase):
    def _fixture_teardown(self):
        super()._fixture_teardown()
        # Leave the forms the migration ships for the transaction tests that follow.
        shipped.install(ReportForm, FormVersion, FormField)

    def test_two_workers_sweeping_at_once_record_each_fact_once(self):
        shipped.install(ReportForm, FormVersion, FormField)  # an earlier flush may have taken them
        t = make_reporting_province()
        for day in (DAY - timedelta(days=1), DAY):
            reporting.sync_expected(t.daily, day)
        barrier = threading.Barrier(2)
        errors, results = [], []

        def sweep():
            try:
                barrier.wait(10)
                results.append(services.record_overdue(AFTER))
            except Exception as exc:  # noqa: BLE001 - handed to the test thread
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(sum(r["missing"] for r in results), 10)
        self.assertEqual(Entry.objects.count(), 10)
        ranks = sorted(Entry.objects.order_by().values_list("day", "repetition").distinct())
        self.assertEqual(ranks, [(DAY - timedelta(days=1), 1), (DAY, 2)])
