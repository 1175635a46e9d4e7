from datetime import timedelta

import time_machine
from django.db import IntegrityError, transaction
from django.test import TestCase, override_settings

from fangkong.accountability import kinds, services
from fangkong.accountability.choices import EntryKind, Grade
from fangkong.accountability.models import Entry
from fangkong.core import followups, worker
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.models import AuditEntry
from fangkong.reporting import services as reporting
from fangkong.reporting.models import DailyReport
from fangkong.reporting.services import FILED
from fangkong.reporting.testing import daily_values

from .helpers import AFTER, DAY, LedgerMixin, local

LATE, MISSING, CORRECTION = (
    EntryKind.LATE_FILING,
    EntryKind.MISSING_REPORT,
    EntryKind.CORRECTION_AFTER_CUTOFF,
)


class CreationTests(LedgerMixin, TestCase):
    def test_registered_with_reporting_and_the_worker(self):
        self.assertIn("accountability.record_from_filing", followups.subscribers(FILED))
        self.assertIn("accountability.record", {s.name for s in worker.sweeps()})

    def test_on_time_filing_makes_no_entry(self):
        self.file(self.t.a_site_1)
        self.assertFalse(Entry.objects.exists())

    def test_late_filing_once_with_facts_and_liaison(self):
        filing = self.file_late(self.t.a_site_1, user=self.t.bob)
        entry = Entry.objects.get()
        self.assertEqual((entry.kind, entry.unit, entry.day), (LATE, self.t.a_site_1, DAY))
        self.assertEqual((entry.object_type, entry.object_id), ("daily_report", filing.report.pk))
        self.assertEqual(entry.unit_path, self.t.a_site_1.path)
        self.assertEqual(
            (entry.liaison, entry.liaison_name, entry.liaison_phone),
            (self.t.p_site_1, "Person A002", "13800000001"),
        )
        self.assertEqual(entry.facts["deadline"], "2020-02-03T09:00+08:00")
        self.assertEqual(entry.facts["filed_at"], "2020-02-03T10:30+08:00")
        self.assertEqual((entry.facts["minutes_late"], entry.facts["filed_by"]), (90, "bob"))
        self.assertEqual((entry.grade, entry.repetition), (Grade.CRITICISM, 1))
        self.assertIn("90", entry.description)
        # The hook again, and the sweep twice: still one entry.
        services.record_from_filing(report_id=filing.report.pk, revision_id=filing.revision.pk)
        services.record_overdue(AFTER)
        services.record_overdue(AFTER)
        self.assertEqual(Entry.objects.count(), 1)

    def test_missing_once_then_late_beside_it(self):
        reporting.sync_expected(self.t.daily, DAY)
        self.assertEqual(services.record_overdue(local(DAY, 8, 59))["missing"], 0)  # not yet due
        first = services.record_overdue(AFTER)
        self.assertEqual(first, {"missing": 5, "late": 0, "corrections": 0})
        self.assertEqual(services.record_overdue(AFTER + timedelta(minutes=1))["missing"], 0)
        self.assertEqual(Entry.objects.filter(kind=MISSING).count(), 5)
        missing = Entry.objects.get(kind=MISSING, unit=self.t.a_site_1)
        self.assertEqual(missing.facts["checked_at"], "2020-02-03T10:30+08:00")
        # Filed later: the missing entry stays (it was missing), a late one is added.
        self.file_late(self.t.a_site_1, minutes=120)
        services.record_overdue(AFTER + timedelta(hours=2))
        kinds_ = sorted(Entry.objects.filter(unit=self.t.a_site_1).values_list("kind", flat=True))
        self.assertEqual(kinds_, [LATE, MISSING])
        # One failure, not two: the late entry has the same rank as the missing one.
        late = Entry.objects.get(kind=LATE)
        self.assertEqual((late.repetition, late.grade), (1, Grade.CRITICISM))

    def test_correction_after_cut_off_once_per_revision(self):
        self.file(self.t.a_site_1)  # on time
        self.file(self.t.a_site_1, now=local(DAY, 8, 30), values=daily_values(staff_total=51))
        self.assertFalse(Entry.objects.exists())  # corrected before the cut-off
        filing = self.file(
            self.t.a_site_1,
            now=AFTER,
            values=daily_values(staff_total=60, confirmed=1),
            reason="漏报了一例确诊",
        )
        entry = Entry.objects.get()
        self.assertEqual(
            (entry.kind, entry.object_type, entry.object_id),
            (CORRECTION, "report_revision", filing.revision.pk),
        )
        self.assertEqual(entry.facts["reason"], "漏报了一例确诊")
        self.assertEqual(entry.facts["changes"], {"confirmed": [0, 1], "staff_total": [51, 60]})
        self.assertEqual((entry.facts["revision"], entry.facts["minutes_after_cutoff"]), (3, 90))
        services.record_from_filing(report_id=filing.report.pk, revision_id=filing.revision.pk)
        services.record_overdue(AFTER)
        self.assertEqual(Entry.objects.count(), 1)
        # A second correction after the cut-off is a second fact.
        self.file(
            self.t.a_site_1,
            now=AFTER + timedelta(hours=1),
            values=daily_values(staff_total=61),
            reason="再次核对",
        )
        self.assertEqual(Entry.objects.filter(kind=CORRECTION).count(), 2)

    def test_sweep_records_what_the_hook_missed(self):
        # Filed late, but the process died before the after-commit hook ran.
        reporting.file_report(
            actor=self.t.root,
            form=self.t.daily,
            unit=self.t.a_site_1,
            day=DAY,
            values=daily_values(),
            now=AFTER,
        )
        reporting.file_report(
            actor=self.t.root,
            form=self.t.daily,
            unit=self.t.a_site_1,
            day=DAY,
            values=daily_values(staff_total=70),
            reason="更正",
            now=AFTER + timedelta(minutes=5),
        )
        self.assertFalse(Entry.objects.exists())
        counts = services.record_overdue(AFTER + timedelta(minutes=10))
        self.assertEqual(counts, {"missing": 0, "late": 1, "corrections": 1})
        self.assertEqual(
            services.record_overdue(AFTER + timedelta(minutes=11)),
            {"missing": 0, "late": 0, "corrections": 0},
        )

    def test_one_failing_fact_does_not_block_the_sweep(self):
        reporting.sync_expected(self.t.daily, DAY)
        # Filed late, but its first revision is gone (bad data): logged, the rest recorded.
        DailyReport.objects.filter(unit=self.t.a_hq).update(first_filed_at=AFTER, filed_at=AFTER)
        with self.assertLogs("fangkong.accountability.services", "ERROR"):
            counts = services.record_overdue(AFTER)
        self.assertEqual(counts, {"missing": 4, "late": 0, "corrections": 0})

    def test_sweep_looks_back_only_a_few_days(self):
        reporting.sync_expected(self.t.daily, DAY)
        self.assertEqual(services.record_overdue(AFTER + timedelta(days=10))["missing"], 0)
        self.assertEqual(services.record_overdue(AFTER + timedelta(days=10), days=10)["missing"], 5)

    def test_the_database_refuses_a_second_entry_for_one_fact(self):
        self.file_late(self.t.a_site_1)
        entry = Entry.objects.get()
        entry.pk = None
        with self.assertRaises(IntegrityError), transaction.atomic():
            entry.save()

    def test_record_entry_is_idempotent_and_refuses_unknown_kinds(self):
        args = {
            "kind": LATE,
            "unit": self.t.a_hq,
            "day": DAY,
            "object_type": "daily_report",
            "object_id": 999,
            "facts": {},
        }
        first, created = services.record_entry(**args)
        again, created_again = services.record_entry(**args)
        self.assertEqual((first.pk, created, created_again), (again.pk, True, False))
        with self.assertRaises(ValueError):
            services.record_entry(**(args | {"kind": "typed_by_hand"}))

    def test_later_kinds_register_without_a_migration(self):
        kinds.register_kind(
            "test_incident_late",
            "incident escalated late",
            describe=lambda e: f"{e.facts['minutes']} min",
        )
        self.addCleanup(kinds._kinds.pop, "test_incident_late")
        entry, _ = services.record_entry(
            kind="test_incident_late",
            unit=self.t.a_hq,
            day=DAY,
            object_type="incident",
            object_id=1,
            facts={"minutes": 45},
        )
        self.assertEqual(
            (entry.get_kind_display(), entry.description, entry.link),
            ("incident escalated late", "45 min", ""),
        )

    def test_demo_seed_records_the_history(self):
        reporting.sync_expected(self.t.daily, DAY - timedelta(days=20))
        from fangkong.accountability.sweeps import seed_ledger

        lines = []
        with time_machine.travel(AFTER, tick=False):
            seed_ledger(self.t.root, lines.append)
        self.assertEqual(Entry.objects.filter(kind=MISSING).count(), 5)
        self.assertIn("5 missing", lines[0])


class GradeTests(LedgerMixin, TestCase):
    def late_days(self, unit, offsets):
        for offset in offsets:
            self.file_late(unit, DAY + timedelta(days=offset))

    def grades(self, unit=None):
        entries = Entry.objects.filter(unit=unit or self.t.a_site_1).order_by("day", "id")
        return [(e.repetition, e.grade[:4]) for e in entries]

    def test_grade_rises_with_repetition(self):
        self.late_days(self.t.a_site_1, range(6))
        self.assertEqual(
            self.grades(),
            [(1, "crit"), (2, "crit"), (3, "circ"), (4, "circ"), (5, "prop"), (6, "prop")],
        )
        self.late_days(self.t.a_site_2, [0])  # other units keep their own count
        self.assertEqual(self.grades(self.t.a_site_2), [(1, "crit")])

    @override_settings(ACCOUNTABILITY_THRESHOLDS=[1, 2])
    def test_thresholds_are_configurable(self):
        self.late_days(self.t.a_site_1, range(3))
        self.assertEqual(self.grades(), [(1, "crit"), (2, "circ"), (3, "prop")])

    def test_thirty_day_window(self):
        self.late_days(self.t.a_site_1, [0, 29])  # 29 days apart: inside the window
        self.assertEqual(self.grades()[-1], (2, "crit"))
        self.late_days(self.t.a_site_1, [59])  # 30 days after the second: outside
        self.assertEqual(self.grades()[-1], (1, "crit"))

    def test_waiver_no_longer_counts_and_is_kept(self):
        self.late_days(self.t.a_site_1, range(5))
        second = Entry.objects.get(day=DAY + timedelta(days=1))
        services.waive_entry(actor=self.t.olga, entry=second, reason="系统故障，无法报送")
        self.assertEqual(
            self.grades(), [(1, "crit"), (2, "crit"), (2, "crit"), (3, "circ"), (4, "circ")]
        )  # the waived one keeps its own grade
        self.late_days(self.t.a_site_1, [5])
        self.assertEqual(self.grades()[-1], (5, "prop"))
        note = second.annotations.get()
        self.assertEqual(
            (note.action, note.text, note.actor_name), ("waive", "系统故障，无法报送", "olga")
        )
        audit = AuditEntry.objects.get(action="waive_accountability_entry")
        self.assertEqual(len(audit.changes["regraded"]), 2)  # 3rd and 5th moved down a grade
        services.unwaive_entry(actor=self.t.olga, entry=second, reason="核实后系统正常")
        self.assertEqual(self.grades()[-1], (6, "prop"))
        self.assertEqual(
            list(second.annotations.values_list("action", flat=True)), ["waive", "unwaive"]
        )

    def test_out_of_order_recording_gives_the_same_grades(self):
        self.late_days(self.t.a_site_1, [2, 3])
        # The sweep finds an earlier day's missing report afterwards: ranks follow the days.
        reporting.sync_expected(self.t.daily, DAY)
        services.record_overdue(local(DAY, 12) + timedelta(days=3))
        self.assertEqual(self.grades(), [(1, "crit"), (2, "crit"), (3, "circ")])
        self.assertEqual(Entry.objects.get(unit=self.t.a_site_1, day=DAY).kind, MISSING)


class OfficeTests(LedgerMixin, TestCase):
    def setUp(self):
        self.file_late(self.t.a_site_1)
        self.entry = Entry.objects.get()

    def test_only_the_office_over_the_unit_annotates_or_waives(self):
        for user in (self.t.alice, self.t.bob, self.t.charlie):
            with self.assertRaises(PermissionDeniedInScope):
                services.annotate_entry(actor=user, entry=self.entry, text="x")
            with self.assertRaises(PermissionDeniedInScope):
                services.waive_entry(actor=user, entry=self.entry, reason="x")
        services.annotate_entry(actor=self.t.sasac, entry=self.entry, text="已约谈联络员")
        self.assertEqual(self.entry.annotations.get().actor_name, "sasac")

    def test_a_reason_is_required_and_double_waivers_refused(self):
        with self.assertRaises(InvalidInput) as ctx:
            services.waive_entry(actor=self.t.olga, entry=self.entry, reason="  ")
        self.assertIn("text", ctx.exception.fields)
        with self.assertRaises(InvalidInput):
            services.annotate_entry(actor=self.t.olga, entry=self.entry, text="")
        services.waive_entry(actor=self.t.olga, entry=self.entry, reason="停电")
        with self.assertRaises(Conflict):
            services.waive_entry(actor=self.t.olga, entry=self.entry, reason="停电")
        services.unwaive_entry(actor=self.t.olga, entry=self.entry, reason="核实")
        with self.assertRaises(Conflict):
            services.unwaive_entry(actor=self.t.olga, entry=self.entry, reason="核实")
        self.assertEqual(self.entry.annotations.count(), 2)

    def test_the_facts_do_not_change_when_the_report_does(self):
        facts = dict(self.entry.facts)
        DailyReport.objects.update(deadline_at=AFTER + timedelta(hours=1))
        services.record_overdue(AFTER + timedelta(hours=2))
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.facts, facts)
