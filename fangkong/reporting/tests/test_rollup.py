"""The roll-up kept on write (rollup.py) equals a recount after every kind of write, and
the reads from it equal the live aggregates over the report rows."""

import importlib
import random
from datetime import UTC, date, datetime, time, timedelta

from django.apps import apps as global_apps
from django.core.management import call_command
from django.test import TestCase

from fangkong.core.errors import ServiceError
from fangkong.orgs import services as org_services
from fangkong.orgs.models import Unit
from fangkong.reporting import queries, rollup, services
from fangkong.reporting.models import Assignment, DailyReport, DailyRollup
from fangkong.reporting.testing import daily_values, make_reporting_province, unfile_report

DAY = date(2020, 2, 3)
DAYS = [DAY - timedelta(days=2), DAY - timedelta(days=1), DAY]


def _rounded(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items() if k != "fields"}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


class RollupTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        # A second cut-off in another time zone: several rows per (day, ancestor).
        Unit.objects.filter(pk=cls.t.b_sub.pk).update(timezone="Asia/Urumqi")
        Assignment.objects.create(
            form=cls.t.daily, root=cls.t.province, unit_kinds=["group"], deadline=time(10, 0)
        )

    def assert_exact(self, note=""):
        self.assertEqual(rollup.stored(), rollup.recount(), note)

    def assert_reads_equal_live(self):
        form = self.t.daily
        units = list(Unit.objects.all())
        for unit in units:
            for day in DAYS:
                for hour in (0, 1, 3, 5, 12):  # before, at and after the cut-offs
                    now = datetime.combine(day, time(hour), tzinfo=UTC)
                    for cutoff in (False, True):
                        kwargs = {"as_of_cutoff": cutoff, "now": now}
                        self.assertEqual(
                            _rounded(queries.get_summary(form, unit, day, **kwargs)),
                            _rounded(queries.live_summary(form, unit, day, **kwargs)),
                            (unit.code, day, hour, cutoff),
                        )
                        self.assertEqual(
                            _rounded(queries.list_child_breakdown(form, unit, day, **kwargs)),
                            _rounded(queries.live_child_breakdown(form, unit, day, **kwargs)),
                            (unit.code, day, hour, cutoff),
                        )
                    self.assertEqual(
                        _rounded(queries.get_trend(form, unit, DAY, days=3, now=now)),
                        _rounded(queries.live_trend(form, unit, DAY, days=3, now=now)),
                        (unit.code, hour),
                    )

    def random_operation(self, rng):
        t = self.t
        units = list(Unit.objects.exclude(pk=t.province.pk))
        op = rng.choice(["file"] * 6 + ["zero", "sync", "move", "close", "unfile"])
        day = rng.choice(DAYS)
        unit = rng.choice(units)
        if op == "sync":
            services.sync_expected(t.daily, day)
        elif op in ("file", "zero"):
            late = rng.random() < 0.4
            now = datetime.combine(day, time(3 if late else 0, rng.randint(0, 59)), tzinfo=UTC)
            values = daily_values(
                staff_total=rng.randint(20, 80),
                confirmed=rng.randint(0, 3),
                masks_in_stock=rng.choice([0, 10, 250]),
            )
            try:
                services.file_report(
                    actor=t.root,
                    form=t.daily,
                    unit=unit,
                    day=day,
                    values=values,
                    zero=op == "zero",
                    confirm=True,
                    comment="checked",
                    reason="corrected",
                    now=now,
                )
            except ServiceError:
                pass  # not expected (the province, a closed unit): nothing changes
        elif op == "move":
            parent = rng.choice([t.group_a, t.a_hq, t.group_b])
            mover = rng.choice([t.a_sub, t.b_sub])
            mover.refresh_from_db()
            parent.refresh_from_db()
            old_parent = mover.parent_id
            try:
                org_services.move_unit(actor=t.root, unit=mover, new_parent=parent)
            except ServiceError:
                return "move refused"
            if Unit.objects.get(pk=mover.pk).parent_id == old_parent:
                return "move refused"  # already there
        elif op == "close":
            site = Unit.objects.get(pk=rng.choice([t.a_site_1, t.a_site_2]).pk)
            closed = None if site.active_to else DAYS[1]
            Unit.objects.filter(pk=site.pk).update(active_to=closed)
            services.sync_expected(t.daily, day)
        elif op == "unfile":
            report = DailyReport.objects.filter(first_filed_at__isnull=False).first()
            if report is not None:
                unfile_report("daily", report.unit.code, report.day)
        return op

    def test_random_operations_keep_the_rollup_exact(self):
        rng = random.Random(15)
        for day in DAYS:
            services.sync_expected(self.t.daily, day)
        self.assert_exact("after the sync")
        done = []
        for i in range(120):
            done.append(self.random_operation(rng))
            self.assert_exact(f"after operation {i}: {done[-3:]}")
            if i % 40 == 39:
                self.assert_reads_equal_live()
        self.assertGreater(DailyRollup.objects.count(), 0)
        self.assertGreater(DailyReport.objects.filter(revision_count__gt=1).count(), 2)
        self.assertGreater(DailyReport.objects.filter(is_zero=True).count(), 0)
        self.assertGreater(DailyReport.objects.filter(corrected_after_cutoff=True).count(), 0)
        self.assertLess(DailyReport.objects.filter(first_filed_at__isnull=True).count(), 30)
        self.assertTrue({"file", "zero", "sync", "move", "close", "unfile"} <= set(done))

    def test_rebuild_command_and_the_migrations_fill(self):
        for day in DAYS:
            services.sync_expected(self.t.daily, day)
        services.file_report(
            actor=self.t.root,
            form=self.t.daily,
            unit=self.t.a_site_1,
            day=DAY,
            values=daily_values(),
            now=datetime(2020, 2, 3, 0, 0, tzinfo=UTC),
        )
        expected = rollup.stored()
        DailyRollup.objects.update(expected=0, totals={})
        call_command("rebuild_rollup", "--day", DAY.isoformat(), stdout=open("/dev/null", "w"))
        self.assertNotEqual(rollup.stored(), expected)  # the other days are still wrong
        call_command("rebuild_rollup", stdout=open("/dev/null", "w"))
        self.assertEqual(rollup.stored(), expected)
        call_command("rebuild_rollup", "--check", stdout=open("/dev/null", "w"))
        DailyRollup.objects.all().delete()
        migration = importlib.import_module("fangkong.reporting.migrations.0004_daily_rollup")
        migration.fill(global_apps, None)
        self.assertEqual(rollup.stored(), expected)

    def test_reads_and_query_counts(self):
        for day in DAYS:
            services.sync_expected(self.t.daily, day)
        form = self.t.daily
        now = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)
        with self.assertNumQueries(2):  # the roll-up rows and the unit's own report
            queries.get_summary(form, self.t.province, DAY, now=now, fields=[])
        with self.assertNumQueries(2):
            queries.get_trend(form, self.t.province, DAY, days=30, now=now, fields=[])
        with self.assertNumQueries(3):  # the children, their roll-up rows, their reports
            queries.list_child_breakdown(form, self.t.province, DAY, now=now, fields=[])
        self.assert_reads_equal_live()
