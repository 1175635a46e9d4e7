from datetime import time, timedelta

import time_machine
from django.test import TestCase, override_settings

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.models import AuditEntry
from fangkong.duty.clock import month_window
from fangkong.duty.models import Shift
from fangkong.duty.queries.coverage import list_gaps
from fangkong.duty.services import roster, templates

from .base import MARCH, NOW, DutyMixin, at


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class TemplateTests(DutyMixin, TestCase):
    def test_a_month_from_templates_in_one_action_has_no_gaps(self):
        for template in self.full_roster():
            templates.apply_template(actor=self.t.alice, template=template, month=MARCH)
        start, end = month_window(MARCH, self.t.group_a)
        self.assertEqual(start, at(1, 0, month=3))
        gaps = list_gaps([self.t.room], start, end)[self.t.room.pk]
        self.assertEqual(gaps, {"staff": [], "manager": [], "leader": []})
        staff = Shift.objects.filter(room=self.t.room, role="staff").order_by("starts_at")
        # 31 shifts from 08:00, plus the early hours of March 1st, cut at the month's edges
        self.assertEqual(staff.count(), 32)
        self.assertEqual((staff[0].starts_at, staff[0].ends_at), (at(1, 0, 3), at(1, 8, 3)))
        self.assertEqual(staff.last().ends_at, at(1, 0, month=4))
        # The rotation is anchored on Jan 1st, 08:00 (A010): March 1st, 08:00 is shift
        # number 60, A010 again; the night before it is A012's.
        names = [s.person.employee_no for s in staff[:5]]
        self.assertEqual(names, ["A012", "A010", "A011", "A012", "A010"])
        self.assertEqual(Shift.objects.filter(room=self.t.room, role="manager").count(), 63)
        self.assertTrue(AuditEntry.objects.filter(action="apply_template").exists())

    def test_months_join_and_the_rotation_continues(self):
        staff = self.template()
        templates.apply_template(actor=self.t.root, template=staff, month=NOW.date())
        templates.apply_template(actor=self.t.root, template=staff, month=MARCH)
        before = Shift.objects.get(template=staff, ends_at=at(1, 0, 3))
        after = Shift.objects.get(template=staff, starts_at=at(1, 0, 3))
        self.assertEqual(before.person_id, after.person_id)
        self.assertEqual(before.starts_at, at(29, 8))
        start, _end = month_window(NOW.date(), self.t.group_a)
        _s, end = month_window(MARCH, self.t.group_a)
        self.assertEqual(list_gaps([self.t.room], start, end)[self.t.room.pk]["staff"], [])

    def test_applying_again_changes_only_future_shifts(self):
        staff = self.template()
        first = templates.apply_template(actor=self.t.root, template=staff, month=NOW.date())
        again = templates.apply_template(actor=self.t.root, template=staff, month=NOW.date())
        self.assertEqual((again.created, again.removed), (0, 0))
        self.assertEqual(again.kept, first.created)
        past = dict(Shift.objects.filter(starts_at__lt=NOW).values_list("starts_at", "person_id"))
        staff = templates.save_template(
            actor=self.t.root,
            template=staff,
            room=self.t.room,
            role="staff",
            name=staff.name,
            shift_hours=24,
            start_time=staff.start_time,
            anchor_on=staff.anchor_on,
            people=[self.person("A013"), self.person("A014")],
        )
        changed = templates.apply_template(actor=self.t.root, template=staff, month=NOW.date())
        self.assertGreater(changed.removed, 0)
        self.assertEqual(changed.created, changed.removed)
        self.assertEqual(
            dict(Shift.objects.filter(starts_at__lt=NOW).values_list("starts_at", "person_id")),
            past,
        )  # begun shifts, the running one included, are untouched
        future = Shift.objects.filter(starts_at__gte=NOW)
        self.assertEqual(
            set(future.values_list("person__employee_no", flat=True)), {"A013", "A014"}
        )
        start, end = month_window(NOW.date(), self.t.group_a)
        self.assertEqual(list_gaps([self.t.room], start, end)[self.t.room.pk]["staff"], [])

    def test_bad_template_input(self):
        with self.assertRaises(InvalidInput) as caught:
            templates.save_template(
                actor=self.t.root,
                room=self.t.room,
                role="cook",
                name="",
                shift_hours=0,
                start_time="8",
                anchor_on=None,
                people=[self.t.p_b],
            )
        self.assertEqual(
            set(caught.exception.fields),
            {"role", "name", "shift_hours", "start_time", "anchor_on", "people"},
        )
        self.assertIn("group", str(caught.exception.fields["people"][0]))
        with self.assertRaises(PermissionDeniedInScope):
            templates.save_template(
                actor=self.t.alice,
                room=self.t.room_b,
                role="staff",
                name="x",
                shift_hours=24,
                start_time=time(8),
                anchor_on=MARCH,
                people=[self.t.p_b],
            )


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class OverlapTests(DutyMixin, TestCase):
    def test_a_person_cannot_hold_two_overlapping_shifts_in_any_room(self):
        person = self.person("A011")
        roster.create_shift(
            actor=self.t.alice,
            room=self.t.room,
            role="staff",
            person=person,
            starts_at=at(11, 8),
            ends_at=at(12, 8),
        )
        sub_room = roster.save_room(actor=self.t.alice, unit=self.t.a_sub, name="Sub room")
        with self.assertRaises(InvalidInput) as caught:
            roster.create_shift(
                actor=self.t.alice,
                room=sub_room,
                role="leader",
                person=person,
                starts_at=at(12, 0),
                ends_at=at(12, 12),
            )
        error = caught.exception
        self.assertEqual(error.code, "shift_overlap")
        self.assertEqual(
            str(error.fields["person"][0]),
            "Duty A011 is already on duty from 2020-02-11 08:00 to 2020-02-12 08:00 "
            "(Group A duty room).",
        )
        # back to back is fine: shifts are half-open
        roster.create_shift(
            actor=self.t.alice,
            room=sub_room,
            role="leader",
            person=person,
            starts_at=at(12, 8),
            ends_at=at(12, 20),
        )
        self.assertEqual(Shift.objects.filter(person=person).count(), 2)

    def test_a_template_month_overlapping_someone_else_is_refused_whole(self):
        sub_room = roster.save_room(actor=self.t.alice, unit=self.t.a_sub, name="Sub room")
        roster.create_shift(
            actor=self.t.root,
            room=sub_room,
            role="staff",
            person=self.person("A011"),
            starts_at=at(15, 3, 3),
            ends_at=at(15, 5, 3),
        )
        with self.assertRaises(InvalidInput) as caught:
            templates.apply_template(actor=self.t.root, template=self.template(), month=MARCH)
        self.assertEqual(caught.exception.code, "shift_overlap")
        self.assertIn("Sub room", str(caught.exception.fields["people"][0]))
        self.assertEqual(Shift.objects.filter(room=self.t.room).count(), 0)

    def test_times_and_people_are_checked(self):
        cases = [
            ({"starts_at": at(11, 8), "ends_at": at(11, 8)}, "ends_at"),
            ({"starts_at": at(11, 8).replace(tzinfo=None), "ends_at": at(11, 9)}, "starts_at"),
            ({"starts_at": at(11, 8), "ends_at": at(11, 8) + timedelta(days=4)}, "ends_at"),
            ({"role": "cook"}, "role"),
            ({"person": self.t.p_b}, "person"),
        ]
        for values, field in cases:
            values = {
                "role": "staff",
                "person": self.person("A011"),
                "starts_at": at(11, 8),
                "ends_at": at(11, 20),
            } | values
            with self.subTest(field=field), self.assertRaises(InvalidInput) as caught:
                roster.create_shift(actor=self.t.alice, room=self.t.room, **values)
            self.assertIn(field, caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            roster.create_shift(
                actor=self.t.bob,
                room=self.t.room,
                role="staff",
                person=self.person("A011"),
                starts_at=at(11, 8),
                ends_at=at(11, 20),
            )

    def test_editing_rechecks_and_survives_reapplying(self):
        staff = self.template()
        templates.apply_template(actor=self.t.root, template=staff, month=MARCH)
        shift = Shift.objects.filter(template=staff).order_by("starts_at")[5]
        other = Shift.objects.filter(template=staff).order_by("starts_at")[6]
        with self.assertRaises(InvalidInput):
            roster.update_shift(
                actor=self.t.alice,
                shift=shift,
                person=other.person,
                ends_at=shift.ends_at + timedelta(hours=1),
            )
        roster.update_shift(actor=self.t.alice, shift=shift, person=self.person("A015"))
        again = templates.apply_template(actor=self.t.root, template=staff, month=MARCH)
        self.assertEqual(again.created, 0)
        shift.refresh_from_db()
        self.assertEqual(shift.person, self.person("A015"))
        self.assertTrue(shift.edited)

    def test_closed_rooms_and_deleting(self):
        shift = roster.create_shift(
            actor=self.t.root,
            room=self.t.room,
            role="staff",
            person=self.person("A011"),
            starts_at=at(11, 8),
            ends_at=at(11, 20),
        )
        roster.delete_shift(actor=self.t.alice, shift=shift)
        self.assertFalse(Shift.objects.exists())
        roster.save_room(actor=self.t.alice, unit=self.t.group_a, name="Closed", active=False)
        self.t.room.refresh_from_db()
        with self.assertRaises(Conflict):
            roster.create_shift(
                actor=self.t.root,
                room=self.t.room,
                role="staff",
                person=self.person("A011"),
                starts_at=at(11, 8),
                ends_at=at(11, 20),
            )
