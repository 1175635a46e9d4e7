"""Days of cover (issue 12): the rate from issues only, over the days in stock; the state
against the safety level; kept with each move and slid by the sweep at midnight."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.test import TestCase, override_settings

from fangkong.orgs.models import Unit
from fangkong.orgs.testing import ProvinceMixin
from fangkong.supplies import cover, services
from fangkong.supplies.choices import AdjustReason, CoverState
from fangkong.supplies.models import Balance, Item, StockDay
from fangkong.supplies.testing import install_catalogue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(days_ago: int, hour: int = 10, today=None):
    """A moment `days_ago` days before the test's today, at `hour` in Shanghai."""
    base = datetime.combine(today, datetime.min.time(), SHANGHAI)
    return base - timedelta(days=days_ago) + timedelta(hours=hour)


class CoverTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()

    def setUp(self):
        self.item = Item.objects.get(code="mask-surgical")
        self.unit = self.t.a_site_1
        self.today = self.unit.local_date()

    def _at(self, days_ago, hour=10):
        return at(days_ago, hour, self.today)

    def receive(self, n, days_ago, item=None):
        services.record_receipt(
            actor=self.t.bob,
            unit=self.unit,
            item=item or self.item,
            quantity=n,
            now=self._at(days_ago, 8),
        )

    def issue(self, n, days_ago, item=None):
        return services.record_issue(
            actor=self.t.bob,
            unit=self.unit,
            item=item or self.item,
            quantity=n,
            now=self._at(days_ago),
        )

    def balance(self, item=None) -> Balance:
        return Balance.objects.get(unit=self.unit, item=item or self.item)

    def test_the_rate_is_the_average_of_the_last_seven_days_of_issues(self):
        self.receive(100, 8)
        for days_ago in range(7, 0, -1):
            self.issue(10, days_ago)
        cover.refresh_stale()
        row = self.balance()
        self.assertEqual((row.quantity, row.rate, row.days_of_cover), (30, Decimal(10), 3))
        self.assertEqual(row.state, CoverState.ADEQUATE)  # 3 days is the safety level itself
        # An issue today counts today in: 75 over 8 days, 25 left: 2.7 days, below safety.
        self.issue(5, 0)
        row = self.balance()
        self.assertEqual(row.rate, Decimal("9.38"))
        self.assertEqual(row.days_of_cover, Decimal("2.7"))
        self.assertEqual(row.state, CoverState.BELOW)
        self.assertEqual(row.shortfall, 29 - 25)  # ceil(3 × 9.375) − 25

    def test_transfers_and_count_adjustments_are_not_consumption(self):
        self.receive(100, 3)
        services.send_transfer(
            actor=self.t.alice,
            from_unit=self.unit,
            to_unit=self.t.a_site_2,
            item=self.item,
            quantity=40,
            now=self._at(2),
        )
        services.record_count(
            actor=self.t.bob,
            unit=self.unit,
            item=self.item,
            counted=50,
            reason=AdjustReason.DAMAGED,
            now=self._at(1),
        )
        row = self.balance()
        self.assertEqual((row.quantity, row.rate, row.days_of_cover), (50, Decimal(0), None))
        self.assertEqual(row.state, CoverState.ADEQUATE)

    def test_days_out_of_stock_are_left_out_of_the_average(self):
        # 20 received and used up on one day, then nothing for six days: the need is 20 a
        # day, not 20 over a week.
        self.receive(20, 7)
        self.issue(20, 7)
        self.receive(30, 0)
        row = self.balance()
        self.assertEqual(row.rate, Decimal(20))
        self.assertEqual(row.days_of_cover, Decimal("1.5"))
        self.assertEqual(row.state, CoverState.BELOW)

    def test_out_of_stock_is_the_worst_state(self):
        self.receive(10, 2)
        self.issue(10, 1)
        row = self.balance()
        self.assertEqual((row.state, row.severity, row.days_of_cover), (CoverState.OUT, 3, 0))
        # 10 used over the two days it was held: 5 a day, three days of it needed.
        self.assertEqual((row.rate, row.shortfall), (Decimal(5), 15))

    def test_a_reversed_issue_is_not_consumption(self):
        self.receive(100, 3)
        wrong = self.issue(60, 2)
        services.reverse_move(actor=self.t.bob, move=wrong, note="录错", now=self._at(1))
        self.issue(6, 1)
        cover.refresh_stale()
        self.assertEqual(self.balance().rate, Decimal(2))  # 6 over the 3 days in stock
        day = StockDay.objects.get(unit=self.unit, item=self.item, day=self.today - timedelta(1))
        self.assertEqual((day.opening, day.issued, day.closing, day.peak), (40, -54, 94, 100))

    @override_settings(SUPPLY_OVERSTOCK_DAYS=30)
    def test_more_than_the_overstock_days_is_overstocked(self):
        self.receive(1000, 2)
        self.issue(10, 1)
        row = self.balance()
        # 10 over the two days held: 5 a day, 990 last 198 days.
        self.assertEqual((row.state, row.days_of_cover), (CoverState.OVER, Decimal(198)))

    def test_devices_are_counted_against_a_minimum(self):
        gun = Item.objects.get(code="thermometer-gun")
        self.receive(1, 1, item=gun)
        row = self.balance(gun)
        # A heat station needs two (shipped level): one is below safety, short by one.
        self.assertEqual((row.state, row.shortfall, row.rate), (CoverState.BELOW, 1, None))
        services.record_count(
            actor=self.t.bob, unit=self.unit, item=gun, counted=0, reason=AdjustReason.DAMAGED
        )
        self.assertEqual((self.balance(gun).state, self.balance(gun).shortfall), ("out", 2))

    def test_the_sweep_slides_the_window_at_midnight(self):
        self.receive(100, 2)
        self.issue(50, 1)
        self.assertEqual(self.balance().state, CoverState.BELOW)  # 50 at 50 a day
        with time_machine.travel(self._at(-9, 1), tick=False):
            self.assertEqual(cover.refresh_stale(), 1)
            row = self.balance()
            # A week without issues while in stock: no consumption, nothing short.
            self.assertEqual((row.rate, row.state), (Decimal(0), CoverState.ADEQUATE))
            self.assertEqual(cover.refresh_stale(), 0)  # done for today: idempotent

    def test_the_sweep_makes_one_pass_per_time_zone_not_per_unit(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.receive(100, 2)
        Balance.objects.update(rate_day=None)
        with CaptureQueriesContext(connection) as ctx:
            self.assertEqual(cover.refresh_stale(), 1)
        passes = [
            q for q in ctx.captured_queries if 'SELECT DISTINCT "supplies_balance"' in q["sql"]
        ]
        zones = Unit.objects.order_by().values("timezone").distinct().count()
        self.assertLess(zones, Unit.objects.count())
        self.assertEqual(len(passes), zones + 1)  # a chunk, then the empty look of each zone

    def test_a_window_all_out_of_stock_keeps_the_last_known_rate(self):
        self.receive(10, 3)
        self.issue(10, 3)
        with time_machine.travel(self._at(-10, 1), tick=False):
            cover.refresh_stale()
            row = self.balance()
            self.assertEqual((row.state, row.rate, row.shortfall), ("out", Decimal(10), 30))
