from datetime import UTC, date, datetime, timedelta

import time_machine
from django.test import TestCase

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.orgs import services as org_services
from fangkong.reporting import queries, services
from fangkong.reporting.models import DailyReport, FormField, FormVersion
from fangkong.reporting.testing import daily_values, make_reporting_province

DAY = date(2020, 2, 3)
# 08:00 in Shanghai on DAY: an hour before the 09:00 cut-off.
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)
AFTER = datetime(2020, 2, 3, 2, 30, tzinfo=UTC)  # 10:30 local


class FilingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()

    def file(self, unit, user=None, now=BEFORE, **kwargs):
        kwargs.setdefault("values", daily_values())
        return services.file_report(
            actor=user or self.t.root, form=self.t.daily, unit=unit, day=DAY, now=now, **kwargs
        )

    def test_sync_expected_creates_rows_with_local_cut_off(self):
        created, removed = services.sync_expected(self.t.daily, DAY)
        self.assertEqual((created, removed), (5, 0))  # 4 under group A (not its root), 1 under B
        self.assertEqual(services.sync_expected(self.t.daily, DAY), (0, 0))
        row = DailyReport.objects.get(form=self.t.daily, unit=self.t.a_site_1, day=DAY)
        self.assertEqual(row.deadline_at, datetime(2020, 2, 3, 1, 0, tzinfo=UTC))
        self.assertEqual(services.sync_expected(self.t.sasac_form, DAY), (2, 0))

    def test_moving_a_unit_moves_its_reports(self):
        services.sync_expected(self.t.daily, DAY)
        org_services.move_unit(actor=self.t.root, unit=self.t.a_sub, new_parent=self.t.a_hq)
        site = type(self.t.a_site_1).objects.get(pk=self.t.a_site_1.pk)
        report = DailyReport.objects.get(form=self.t.daily, unit=site, day=DAY)
        self.assertEqual(report.unit_path, site.path)
        summary = queries.get_summary(self.t.daily, self.t.a_hq, DAY, now=BEFORE)
        self.assertEqual(summary["expected"], 4)

    def test_closed_unit_is_not_expected_and_its_row_goes(self):
        services.sync_expected(self.t.daily, DAY)
        org_services.update_unit(
            actor=self.t.root, unit=self.t.a_site_2, active_to=date(2020, 2, 1)
        )
        self.assertEqual(services.sync_expected(self.t.daily, DAY), (0, 1))
        with self.assertRaises(InvalidInput) as ctx:
            self.file(self.t.a_site_2)
        self.assertEqual(ctx.exception.code, "unit_closed")

    def test_on_time_then_correction_keeps_versions(self):
        filing = self.file(self.t.a_site_1, user=self.t.bob)
        self.assertEqual(filing.revision.number, 1)
        with time_machine.travel(BEFORE):
            summary = queries.get_summary(self.t.daily, self.t.a_sub, DAY)
        self.assertEqual(summary["totals"]["staff_total"], 50)
        later = self.file(
            self.t.a_site_1,
            user=self.t.bob,
            now=AFTER,
            values=daily_values(staff_total=60),
            reason="少报了外包人员",
        )
        report = later.report
        self.assertEqual((report.revision_count, report.corrected_after_cutoff), (2, True))
        self.assertEqual(report.state_at(AFTER), "on_time")
        self.assertEqual([r.values["staff_total"] for r in report.revisions.all()], [50, 60])
        self.assertEqual(report.cutoff_values["staff_total"], 50)
        now = queries.get_summary(self.t.daily, self.t.a_sub, DAY, now=AFTER)
        cut = queries.get_summary(self.t.daily, self.t.a_sub, DAY, now=AFTER, as_of_cutoff=True)
        self.assertEqual((now["totals"]["staff_total"], cut["totals"]["staff_total"]), (60, 50))
        self.assertEqual(now["corrected_late"], 1)

    def test_correction_after_cut_off_needs_a_reason(self):
        self.file(self.t.a_site_1)
        with self.assertRaises(InvalidInput) as ctx:
            self.file(self.t.a_site_1, now=AFTER, values=daily_values(staff_total=61))
        self.assertEqual(ctx.exception.code, "reason_required")

    def test_late_and_missing(self):
        services.sync_expected(self.t.daily, DAY)
        self.file(self.t.a_site_1, now=AFTER)
        summary = queries.get_summary(self.t.daily, self.t.group_a, DAY, now=AFTER)
        self.assertEqual(
            {k: summary[k] for k in ("expected", "filed", "on_time", "late", "missing", "pending")},
            {"expected": 4, "filed": 1, "on_time": 0, "late": 1, "missing": 3, "pending": 0},
        )
        missing = [
            r.unit.code for r in queries.list_missing(self.t.daily, self.t.group_a, DAY, now=AFTER)
        ]
        self.assertEqual(missing, ["a-hq", "a-sub", "a-site-2"])
        before = queries.get_summary(self.t.daily, self.t.group_a, DAY, now=BEFORE)
        self.assertEqual((before["missing"], before["pending"]), (0, 3))

    def test_zero_report_is_its_own_fact(self):
        filing = services.file_zero_report(
            actor=self.t.bob, form=self.t.daily, unit=self.t.a_site_1, day=DAY, now=BEFORE
        )
        self.assertTrue(filing.report.is_zero)
        self.assertEqual(filing.report.values["confirmed"], 0)
        self.assertNotIn("staff_total", filing.report.values)
        summary = queries.get_summary(self.t.daily, self.t.group_a, DAY, now=BEFORE)
        self.assertEqual((summary["zero"], summary["filed"]), (1, 1))
        self.assertEqual(summary["totals"]["confirmed"], 0)

    def test_hard_errors_block_and_name_fields(self):
        with self.assertRaises(InvalidInput) as ctx:
            self.file(
                self.t.a_site_1,
                values=daily_values(
                    confirmed=-1, suspected="x", on_post=80, masks_in_stock=1.5, bogus=1
                ),
            )
        self.assertEqual(
            set(ctx.exception.fields),
            {"confirmed", "suspected", "on_post", "masks_in_stock", "bogus"},
        )
        with self.assertRaises(InvalidInput) as ctx:
            self.file(self.t.a_site_1, values=daily_values(confirmed=30, suspected=30))
        self.assertIn("confirmed", ctx.exception.fields)
        self.assertFalse(DailyReport.objects.filter(first_filed_at__isnull=False).exists())

    def test_soft_warning_needs_confirmation_with_comment(self):
        for i in range(1, 8):
            services.file_report(
                actor=self.t.root,
                form=self.t.daily,
                unit=self.t.a_site_1,
                day=DAY - timedelta(days=i),
                values=daily_values(masks_in_stock=300 + i),
                now=BEFORE,
            )
        unusual = daily_values(masks_in_stock=30000)
        with self.assertRaises(services.NeedsConfirmation) as ctx:
            self.file(self.t.a_site_1, values=unusual)
        self.assertIn("masks_in_stock", ctx.exception.fields)
        with self.assertRaises(InvalidInput):
            self.file(self.t.a_site_1, values=unusual, confirm=True)
        filing = self.file(self.t.a_site_1, values=unusual, confirm=True, comment="捐赠到货")
        self.assertEqual(filing.revision.comment, "捐赠到货")
        self.assertTrue(filing.revision.warnings)

    def test_idempotent_retry_makes_one_version(self):
        first = self.file(self.t.a_site_1, idempotency_key="abc")
        again = self.file(self.t.a_site_1, idempotency_key="abc")
        self.assertTrue(again.replayed)
        self.assertEqual(again.revision.pk, first.revision.pk)
        self.assertEqual(DailyReport.objects.get(pk=first.report.pk).revision_count, 1)

    def test_a_key_used_again_with_other_values_or_by_another_user_is_refused(self):
        # Before: both answered "replayed" and silently dropped the second filing.
        self.file(self.t.a_site_1, user=self.t.bob, idempotency_key="abc")
        other = daily_values()
        other["staff_total"] += 1
        with self.assertRaises(Conflict) as ctx:
            self.file(self.t.a_site_1, user=self.t.bob, values=other, idempotency_key="abc")
        self.assertEqual(ctx.exception.code, "idempotency_key_reused")
        with self.assertRaises(Conflict):
            self.file(self.t.a_site_1, user=self.t.root, idempotency_key="abc")
        report = DailyReport.objects.get(unit=self.t.a_site_1, day=DAY)
        self.assertEqual((report.revision_count, report.filed_by), (1, self.t.bob))

    def test_bad_days_scope_and_version(self):
        with self.assertRaises(InvalidInput):
            self.file(self.t.a_site_1, now=BEFORE - timedelta(days=2))  # DAY is in the future then
        with self.assertRaises(PermissionDeniedInScope):
            self.file(self.t.b_sub, user=self.t.bob)
        with self.assertRaises(InvalidInput) as ctx:
            self.file(self.t.group_a)  # the root of the assignment does not file
        self.assertEqual(ctx.exception.code, "not_expected")
        version = FormVersion.objects.create(form=self.t.daily, number=2)
        for f in FormField.objects.filter(version__form=self.t.daily, version__number=1):
            f.pk, f.version = None, version
            f.save()
        with self.assertRaises(Conflict):
            self.file(self.t.a_site_1, version=1)
        self.assertEqual(self.file(self.t.a_site_1, version=2).report.version, version)


class BreakdownTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        services.sync_expected(cls.t.daily, DAY)
        for unit, staff in ((cls.t.a_site_1, 10), (cls.t.a_site_2, 20), (cls.t.a_hq, 5)):
            services.file_report(
                actor=cls.t.root,
                form=cls.t.daily,
                unit=unit,
                day=DAY,
                values=daily_values(
                    staff_total=staff,
                    on_post=staff,
                    party_on_post=1,
                    volunteers_on_post=0,
                    remote=0,
                ),
                now=BEFORE,
            )

    def test_children_breakdown(self):
        rows = queries.list_child_breakdown(self.t.daily, self.t.group_a, DAY, now=AFTER)
        by_code = {r["unit"].code: r for r in rows}
        self.assertEqual(by_code["a-sub"]["totals"]["staff_total"], 30)
        self.assertEqual((by_code["a-sub"]["expected"], by_code["a-sub"]["filed"]), (3, 2))
        self.assertEqual(by_code["a-sub"]["missing"], 1)
        self.assertEqual(by_code["a-hq"]["totals"]["staff_total"], 5)
        itself = queries.list_child_breakdown(self.t.daily, self.t.a_sub, DAY, now=AFTER)[0]
        self.assertTrue(itself.get("itself"))

    def test_matrix_and_trend(self):
        days, rows = queries.get_matrix(self.t.daily, self.t.group_a, DAY, now=AFTER)
        self.assertEqual(len(days), 14)
        cells = {r["unit"].code: r["cells"][-1]["state"] for r in rows}
        self.assertEqual(cells, {"a-hq": "on_time", "a-sub": "missing"})
        trend = queries.get_trend(self.t.daily, self.t.group_a, DAY, now=AFTER)
        self.assertEqual(len(trend), 30)
        self.assertEqual(trend[-1]["totals"]["staff_total"], 35)
