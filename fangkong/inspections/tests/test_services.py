"""Inspection services: plans, visits answered item by item, findings from failed items,
rectification to verified closure, the overdue ladder and the supply request."""

from datetime import timedelta

import time_machine
from django.test import TestCase, override_settings
from django.utils import timezone

from fangkong.accountability.models import Entry
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.inspections import queries, services, sweeps
from fangkong.inspections.choices import RectAction, RectState, Result, Severity, VisitState
from fangkong.inspections.models import Checklist, Rectification
from fangkong.inspections.testing import (
    answer_all,
    install_checklists,
    make_community,
    make_inspector,
    photo,
)
from fangkong.notify.models import Message
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user
from fangkong.supplies.choices import Urgency


class ChecklistTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        install_checklists()

    def test_shipped_checklists_carry_the_seed_sections(self):
        codes = set(Checklist.objects.values_list("code", flat=True))
        self.assertEqual(codes, {"heat-station", "community", "duty-room", "checkpoint"})
        community = Checklist.objects.get(code="community").current_version()
        sections = list(dict.fromkeys(community.items.values_list("section", flat=True)))
        self.assertEqual(
            sections,
            [
                "防控总体安排",
                "防控措施",
                "命令公告协查公告落实情况",
                "一线人员防护和生活情况",
                "防疫物资发放及缺口",
            ],
        )
        guns = community.items.get(code="thermometers")
        self.assertEqual(guns.label, "体温枪配备充足")
        self.assertTrue(guns.photo_on_fail)
        self.assertEqual(guns.supply_item.code, "thermometer-gun")
        self.assertEqual(
            community.items.get(code="disinfectant").supply_item.code, "disinfectant-84"
        )

    def test_installing_again_keeps_the_versions(self):
        install_checklists()
        self.assertEqual(Checklist.objects.get(code="community").versions.count(), 1)


class InspectionTestCase(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_checklists()
        super().setUpTestData()
        cls.ivan = make_inspector(cls.t)
        make_community(cls.t)

    def visit(self, user=None, unit=None, **extra):
        return services.plan_visit(actor=user or self.ivan, unit=unit or self.t.comm, **extra)

    def finished(self, fail=("thermometers",), now=None):
        visit = self.visit()
        answer_all(visit, self.ivan, fail=fail)
        return visit, services.finish_visit(actor=self.ivan, visit=visit, now=now)


class PlanTests(InspectionTestCase):
    def test_the_leading_group_assigns_an_inspector(self):
        t = self.t
        leo = make_user("leo")
        grant(leo, t.group_a, Role.LEADING_GROUP)
        a = services.assign_inspector(actor=leo, inspector=self.ivan, unit=t.a_sub)
        self.assertEqual(a.unit_path, t.a_sub.path)
        again = services.assign_inspector(actor=leo, inspector=self.ivan, unit=t.a_sub)
        self.assertEqual(a.pk, again.pk)

    def test_assignment_refused_for_a_liaison_and_for_someone_who_cannot_inspect(self):
        t = self.t
        with self.assertRaises(PermissionDeniedInScope):
            services.assign_inspector(actor=t.bob, inspector=self.ivan, unit=t.a_site_1)
        with self.assertRaises(InvalidInput) as caught:
            services.assign_inspector(actor=t.olga, inspector=t.bob, unit=t.a_sub)
        self.assertIn("inspector", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            services.assign_inspector(actor=t.olga, inspector=self.ivan, unit=t.a_hq)
        self.assertIn("unit", caught.exception.fields)

    def test_the_unit_s_kind_chooses_the_checklist(self):
        self.assertEqual(self.visit().checklist.checklist.code, "community")
        self.assertEqual(self.visit(unit=self.t.a_site_1).checklist.checklist.code, "heat-station")
        self.assertEqual(self.visit(unit=self.t.a_sub).checklist.checklist.code, "duty-room")

    def test_a_visit_outside_the_scope_or_in_the_past_is_refused(self):
        with self.assertRaises(PermissionDeniedInScope):
            self.visit(unit=self.t.b_sub)
        with self.assertRaises(InvalidInput) as caught:
            self.visit(day=self.t.comm.local_date() - timedelta(days=1))
        self.assertIn("day", caught.exception.fields)

    def test_other_visits_this_week_show(self):
        t = self.t
        mine = self.visit()
        self.assertEqual(queries.other_visits(t.comm, mine.day, self.ivan), [])
        theirs = self.visit(user=t.olga)
        self.assertEqual(queries.other_visits(t.comm, mine.day, self.ivan), [theirs])
        self.assertEqual(queries.other_visits(t.comm, mine.day, t.olga), [mine])


class VisitTests(InspectionTestCase):
    def test_answers_move_the_visit_and_replace_earlier_ones(self):
        visit = self.visit()
        services.record_answer(actor=self.ivan, visit=visit, item="plan", result="pass")
        visit.refresh_from_db()
        self.assertEqual(visit.state, VisitState.IN_PROGRESS)
        services.record_answer(
            actor=self.ivan, visit=visit, item="plan", result="fail", note="无方案"
        )
        self.assertEqual(visit.answers.get().result, Result.FAIL)

    def test_a_failed_item_that_asks_for_a_photo_needs_one(self):
        visit = self.visit()
        with self.assertRaises(InvalidInput) as caught:
            services.record_answer(actor=self.ivan, visit=visit, item="thermometers", result="fail")
        self.assertIn("photos", caught.exception.fields)
        self.assertFalse(visit.answers.exists())
        services.record_answer(
            actor=self.ivan, visit=visit, item="thermometers", result="fail", photos=[photo()]
        )
        self.assertEqual(visit.photos.count(), 1)

    def test_bad_answers_name_their_field(self):
        visit = self.visit()
        cases = [
            ({"item": "nope", "result": "pass"}, "item"),
            ({"item": "plan", "result": "maybe"}, "result"),
            ({"item": "staff-count", "number": "many"}, "number"),
            ({"item": "supply-gap", "text": " "}, "text"),
            ({"item": "plan", "result": "pass", "photos": [photo("a.exe")]}, "photos"),
        ]
        for values, field in cases:
            with self.subTest(field=field), self.assertRaises(InvalidInput) as caught:
                services.record_answer(actor=self.ivan, visit=visit, **values)
            self.assertIn(field, caught.exception.fields)
        self.assertFalse(visit.answers.exists())

    def test_only_the_inspector_answers_and_not_after_finishing(self):
        visit = self.visit()
        with self.assertRaises(PermissionDeniedInScope):
            services.record_answer(actor=self.t.olga, visit=visit, item="plan", result="pass")
        answer_all(visit, self.ivan)
        services.finish_visit(actor=self.ivan, visit=visit)
        with self.assertRaises(Conflict):
            services.record_answer(actor=self.ivan, visit=visit, item="plan", result="pass")

    def test_finishing_needs_every_answer(self):
        visit = self.visit()
        services.record_answer(actor=self.ivan, visit=visit, item="plan", result="pass")
        with self.assertRaises(InvalidInput) as caught:
            services.finish_visit(actor=self.ivan, visit=visit)
        self.assertIn("answers", caught.exception.fields)

    def test_failed_items_become_rectification_items_due_by_severity(self):
        now = timezone.now()
        visit, rects = self.finished(fail=("thermometers", "staff-masks", "orders-posted"), now=now)
        by_code = {r.item_code: r for r in rects}
        self.assertEqual(set(by_code), {"thermometers", "staff-masks", "orders-posted"})
        self.assertEqual(by_code["staff-masks"].severity, Severity.SERIOUS)
        self.assertEqual(by_code["staff-masks"].due_at, now + timedelta(hours=24))
        self.assertEqual(by_code["thermometers"].due_at, now + timedelta(days=3))
        self.assertEqual(by_code["orders-posted"].due_at, now + timedelta(days=7))
        guns = by_code["thermometers"]
        self.assertEqual(guns.owner, self.t.p_lily)
        self.assertEqual(guns.title, "体温枪配备充足")
        self.assertEqual(guns.supply_item.code, "thermometer-gun")
        self.assertTrue(
            Message.objects.filter(topic="rectification", recipient=self.t.lily).exists()
        )
        self.assertEqual(guns.events.get().action, RectAction.CREATED)

    @override_settings(INSPECTION_DUE_HOURS=[2, 5, 9])
    def test_due_hours_are_configurable(self):
        now = timezone.now()
        _visit, rects = self.finished(fail=("staff-masks",), now=now)
        self.assertEqual(rects[0].due_at, now + timedelta(hours=2))


class RectificationTests(InspectionTestCase):
    def setUp(self):
        self.visit_, rects = self.finished()
        self.rect = rects[0]

    def test_fix_needs_note_and_photo_nothing_written_otherwise(self):
        for note, photos, fields in (
            ("", [photo()], {"note"}),
            ("补齐", [], {"photos"}),
            ("", [], {"note", "photos"}),
        ):
            with self.subTest(fields=fields), self.assertRaises(InvalidInput) as caught:
                services.report_fix(actor=self.t.lily, rect=self.rect, note=note, photos=photos)
            self.assertEqual(set(caught.exception.fields), fields)
        self.rect.refresh_from_db()
        self.assertEqual(self.rect.state, RectState.OPEN)
        self.assertFalse(self.rect.photos.exists())

    def test_fix_then_verify_by_the_office_closes(self):
        t = self.t
        services.report_fix(actor=t.lily, rect=self.rect, note="已配发体温枪2把", photos=[photo()])
        self.rect.refresh_from_db()
        self.assertEqual(self.rect.state, RectState.FIXED)
        self.assertTrue(Message.objects.filter(topic="rectification", recipient=self.ivan).exists())
        self.assertEqual([r.pk for r in queries.to_verify(t.olga)], [self.rect.pk])
        services.verify_fix(actor=t.olga, rect=self.rect, accepted=True)
        self.rect.refresh_from_db()
        self.assertEqual(self.rect.state, RectState.CLOSED)
        self.assertEqual(self.rect.verified_by, t.olga)

    def test_the_fixer_never_verifies(self):
        t = self.t
        services.report_fix(actor=t.olga, rect=self.rect, note="已补齐", photos=[photo()])
        self.assertEqual(list(queries.to_verify(t.olga)), [])
        with self.assertRaises(InvalidInput) as caught:
            services.verify_fix(actor=t.olga, rect=self.rect, accepted=True)
        self.assertIn("verified_by", caught.exception.fields)
        self.rect.refresh_from_db()
        self.assertEqual(self.rect.state, RectState.FIXED)
        services.verify_fix(actor=self.ivan, rect=self.rect, accepted=True)

    def test_a_liaison_cannot_verify_and_nothing_unfixed_is_verified(self):
        t = self.t
        with self.assertRaises(Conflict):
            services.verify_fix(actor=t.olga, rect=self.rect, accepted=True)
        services.report_fix(actor=t.lily, rect=self.rect, note="已补齐", photos=[photo()])
        with self.assertRaises(PermissionDeniedInScope):
            services.verify_fix(actor=t.bob, rect=self.rect, accepted=True)

    def test_failed_verification_reopens_with_a_reason(self):
        t = self.t
        services.report_fix(actor=t.lily, rect=self.rect, note="已补齐", photos=[photo()])
        with self.assertRaises(InvalidInput) as caught:
            services.verify_fix(actor=self.ivan, rect=self.rect, accepted=False)
        self.assertIn("note", caught.exception.fields)
        services.verify_fix(actor=self.ivan, rect=self.rect, accepted=False, note="只有一把")
        self.rect.refresh_from_db()
        self.assertEqual((self.rect.state, self.rect.reopened), (RectState.OPEN, 1))
        self.assertEqual(
            list(self.rect.events.values_list("action", flat=True)),
            [RectAction.CREATED, RectAction.FIXED, RectAction.REOPENED],
        )
        services.report_fix(actor=t.lily, rect=self.rect, note="又补两把", photos=[photo()])
        services.verify_fix(actor=self.ivan, rect=self.rect, accepted=True)

    def test_the_outsider_cannot_fix(self):
        with self.assertRaises(PermissionDeniedInScope):
            services.report_fix(actor=self.t.charlie, rect=self.rect, note="x", photos=[photo()])

    def test_supplies_short_raises_a_request_through_the_supplies_service(self):
        t = self.t
        request = services.request_supplies(actor=t.lily, rect=self.rect, quantity=2)
        self.assertEqual(request.unit, t.comm)
        self.assertEqual(request.at_unit, t.a_sub)
        self.assertEqual(request.item.code, "thermometer-gun")
        self.assertEqual(request.urgency, Urgency.NORMAL)
        self.assertIn("体温枪配备充足", request.reason)
        self.rect.refresh_from_db()
        self.assertEqual(self.rect.supply_request, request)
        with self.assertRaises(Conflict):
            services.request_supplies(actor=t.lily, rect=self.rect, quantity=2)

    def test_a_request_with_a_bad_quantity_or_without_an_item_is_refused(self):
        t = self.t
        with self.assertRaises(InvalidInput) as caught:
            services.request_supplies(actor=t.lily, rect=self.rect, quantity=0)
        self.assertIn("quantity", caught.exception.fields)
        self.rect.refresh_from_db()
        self.assertIsNone(self.rect.supply_request)
        _visit, rects = self.finished(fail=("plan",))
        with self.assertRaises(InvalidInput) as caught:
            services.request_supplies(actor=t.lily, rect=rects[0], quantity=2)
        self.assertIn("item", caught.exception.fields)

    def test_the_owner_can_be_changed_to_a_person_of_the_unit(self):
        t = self.t
        with self.assertRaises(InvalidInput):
            services.set_owner(actor=t.lily, rect=self.rect, owner=t.p_b)
        services.set_owner(actor=t.olga, rect=self.rect, owner=t.p_lily)


class OverdueTests(InspectionTestCase):
    def test_the_ladder_tells_each_once_and_records_the_ledger(self):
        t = self.t
        grant(make_user("sub-admin"), t.a_sub, Role.UNIT_ADMIN)
        start = timezone.now()
        _visit, rects = self.finished(fail=("thermometers",), now=start)
        rect = rects[0]
        due = rect.due_at
        self.assertEqual(sweeps.tell_overdue(due - timedelta(minutes=1))["told"], 0)
        self.assertEqual(sweeps.tell_overdue(due + timedelta(minutes=1))["told"], 1)
        self.assertEqual(sweeps.tell_overdue(due + timedelta(minutes=2))["told"], 0)
        entry = Entry.objects.get(kind="rectification_overdue")
        self.assertEqual((entry.unit, entry.object_id), (t.comm, rect.pk))
        self.assertEqual(sweeps.tell_overdue(due + timedelta(days=1, minutes=1))["told"], 1)
        self.assertEqual(sweeps.tell_overdue(due + timedelta(days=3, minutes=1))["told"], 1)
        self.assertEqual(sweeps.tell_overdue(due + timedelta(days=4))["told"], 0)
        rect.refresh_from_db()
        self.assertTrue(rect.told_owner_at and rect.told_above_at and rect.told_office_at)
        keys = set(
            Message.objects.filter(topic="rectification").values_list("dedupe_key", flat=True)
        )
        self.assertTrue(any("overdue_office" in k for k in keys))
        self.assertTrue(Message.objects.filter(topic="rectification", recipient=t.olga).exists())
        self.assertEqual(Entry.objects.filter(kind="rectification_overdue").count(), 1)

    def test_a_failing_row_is_skipped_and_reported_the_others_go_on(self):
        from unittest import mock

        _visit, rects = self.finished(fail=("thermometers", "disinfectant"))
        bad = rects[0]
        real = sweeps.messages.tell_overdue

        def tell(rect, step):
            if rect.pk == bad.pk:
                raise RuntimeError("broken row")
            return real(rect, step)

        later = max(r.due_at for r in rects) + timedelta(minutes=1)
        with (
            mock.patch.object(sweeps.messages, "tell_overdue", tell),
            self.assertLogs("fangkong.inspections.sweeps", "ERROR"),
        ):
            result = sweeps.tell_overdue(later)
        self.assertEqual((result["told"], result["failed"]), (1, 1))
        bad.refresh_from_db()
        self.assertIsNone(bad.told_owner_at)
        self.assertEqual(sweeps.tell_overdue(later)["told"], 1)  # taken up once it works

    def test_a_fixed_item_is_not_overdue(self):
        _visit, rects = self.finished()
        services.report_fix(actor=self.t.lily, rect=rects[0], note="已补齐", photos=[photo()])
        self.assertEqual(sweeps.tell_overdue(rects[0].due_at + timedelta(days=5))["told"], 0)


class BoardTests(InspectionTestCase):
    def test_repeats_are_kept_at_creation_within_the_window_and_recounted_the_same(self):
        _v, first = self.finished(fail=("thermometers",))
        _v, second = self.finished(fail=("thermometers", "plan"))
        self.assertEqual([r.repeat_n for r in first], [1])
        self.assertEqual(
            sorted((r.item_code, r.repeat_n) for r in second), [("plan", 1), ("thermometers", 2)]
        )
        later = timezone.now() + timedelta(days=queries.REPEAT_DAYS + 1)
        with time_machine.travel(later, tick=False):
            _v, third = self.finished(fail=("thermometers",))
        self.assertEqual(third[0].repeat_n, 1)  # the earlier visits are a quarter back
        Rectification.objects.update(repeat_n=1)
        self.assertEqual(services.recount_repeats(), 1)
        kept = dict(Rectification.objects.values_list("pk", "repeat_n"))
        self.assertEqual(kept, {r.pk: r.repeat_n for r in [*first, *second, *third]})

    def test_the_board_counts_open_overdue_closed_and_repeats(self):
        t = self.t
        _v, first = self.finished(fail=("thermometers", "plan"))
        _v, second = self.finished(fail=("thermometers",))
        services.report_fix(actor=t.lily, rect=first[0], note="已补齐", photos=[photo()])
        services.verify_fix(actor=t.olga, rect=first[0], accepted=True)
        later = timezone.now() + timedelta(days=4)
        with time_machine.travel(later, tick=False):
            board = queries.get_board(t.olga, t.group_a, now=later)
        self.assertEqual(board.open, 2)
        self.assertEqual(board.overdue, 2)
        self.assertEqual(board.repeats[0]["n"], 2)
        self.assertEqual(board.repeats[0]["unit"], t.comm)
        board = queries.get_board(t.olga, t.group_a)
        self.assertEqual((board.open, board.overdue, board.closed_week), (2, 0, 1))
        self.assertEqual(queries.get_board(t.charlie, t.group_a).open, 0)
