import time_machine
from django.test import TestCase, override_settings

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.duty import sweeps as coverage
from fangkong.duty.choices import SwapState
from fangkong.duty.models import Handover, Shift
from fangkong.duty.queries.coverage import list_upcoming_gaps
from fangkong.duty.queries.on_duty import on_duty
from fangkong.duty.services import log, roster, swaps, templates
from fangkong.notify.models import Message
from fangkong.notify.recipients import on_duty_user_ids
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import grant, make_user

from .base import NOW, DutyMixin, at


def shift(t, person, start, end, role="staff", room=None):
    return roster.create_shift(
        actor=t.root, room=room or t.room, role=role, person=person, starts_at=start, ends_at=end
    )


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class OnDutyTests(DutyMixin, TestCase):
    def test_resolved_up_the_tree(self):
        t = self.t
        shift(t, self.person("A010"), at(10, 8), at(11, 8))
        shift(t, self.person("A011"), at(10, 8), at(10, 20), role="manager")
        found = on_duty(t.a_site_1)
        self.assertEqual(found["room"], t.room)
        self.assertEqual(found["staff"], [self.person("A010")])
        self.assertEqual(found["manager"], [self.person("A011")])
        self.assertEqual(found["leader"], [])
        self.assertEqual(on_duty(t.a_site_1, at(10, 20))["manager"], [])
        # a room nearer the unit takes over, even while it has nobody on duty
        sub_room = roster.save_room(actor=t.alice, unit=t.a_sub, name="Sub room")
        self.assertEqual(on_duty(t.a_site_1)["room"], sub_room)
        self.assertEqual(on_duty(t.a_site_1)["staff"], [])
        self.assertEqual(on_duty(t.a_hq)["room"], t.room)
        # a closed room is skipped
        roster.save_room(actor=t.alice, unit=t.a_sub, name="Sub room", active=False)
        self.assertEqual(on_duty(t.a_site_1)["room"], t.room)
        self.assertIsNone(on_duty(t.province)["room"])
        self.assertEqual(on_duty(t.b_sub)["room"], t.room_b)

    def test_the_notify_resolver_gives_the_logins_on_duty(self):
        t = self.t
        shift(t, self.person("A010"), at(10, 8), at(11, 8), role="leader")
        shift(t, self.person("A011"), at(10, 8), at(11, 8))  # no login
        self.assertEqual(on_duty_user_ids(t.a_site_2), {t.duty1.pk})
        self.assertEqual(on_duty_user_ids(t.a_site_2, NOW, ["leader"]), {t.duty1.pk})
        self.assertEqual(on_duty_user_ids(t.a_site_2, NOW, {"staff", "manager"}), set())
        self.assertEqual(on_duty_user_ids(t.a_site_2, at(11, 9)), set())
        self.assertEqual(on_duty_user_ids(t.b_sub), set())
        t.duty1.is_active = False
        t.duty1.save()
        self.assertEqual(on_duty_user_ids(t.a_site_2), set())


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class CoverageTests(DutyMixin, TestCase):
    def test_gaps_in_the_next_seven_days_are_told_to_the_unit_admin_once_a_day(self):
        t = self.t
        for template in self.full_roster():
            templates.apply_template(actor=t.root, template=template, month=NOW.date())
        # February is covered until March 1st, 00:00 local: the last 2 days of the
        # window (to Feb 17, 10:00) are... covered too, so take a shift out.
        gap_shift = Shift.objects.get(role="leader", starts_at=at(12, 8))
        roster.delete_shift(actor=t.root, shift=gap_shift)
        gaps = list_upcoming_gaps([t.room, t.room_b])
        self.assertEqual(
            gaps[t.room.pk], {"staff": [], "manager": [], "leader": [(at(12, 8), at(13, 8))]}
        )
        self.assertEqual(gaps[t.room_b.pk]["staff"], [(NOW, at(17, 10))])
        charlie2 = make_user("charlie2")
        grant(charlie2, t.b_sub, Role.UNIT_ADMIN)  # nearer than charlie on group-b
        result = coverage.notify_gaps()
        self.assertEqual(result, {"rooms_with_gaps": 2, "messages": 2})
        alice_message = Message.objects.get(recipient=t.alice)
        self.assertIn("Group A duty room", alice_message.subject)
        self.assertIn("02-12 08:00 – 02-13 08:00", alice_message.body)
        self.assertEqual(alice_message.topic, "duty_gaps")
        self.assertTrue(Message.objects.filter(recipient=charlie2).exists())
        self.assertFalse(Message.objects.filter(recipient=t.charlie).exists())
        # idempotent within the day; the next local day tells again
        self.assertEqual(coverage.notify_gaps()["messages"], 0)
        with time_machine.travel(at(11, 9), tick=False):
            self.assertEqual(coverage.notify_gaps()["messages"], 2)

    def test_a_covered_roster_tells_nobody(self):
        for template in self.full_roster():
            templates.apply_template(actor=self.t.root, template=template, month=NOW.date())
        roster.save_room(actor=self.t.root, unit=self.t.b_sub, name="B", active=False)
        self.assertEqual(coverage.notify_gaps(), {"rooms_with_gaps": 0, "messages": 0})


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class SwapTests(DutyMixin, TestCase):
    def test_a_swap_asked_by_the_person_and_approved_by_the_admin(self):
        t = self.t
        staff = self.template()
        templates.apply_template(actor=t.root, template=staff, month=NOW.date())
        mine = Shift.objects.filter(person=self.person("A010"), starts_at__gt=NOW).first()
        swap = swaps.request_swap(
            actor=t.duty1, shift=mine, to_person=self.person("A015"), reason="family"
        )
        self.assertTrue(Message.objects.filter(recipient=t.alice, topic="duty_swap").exists())
        with self.assertRaises(Conflict):
            swaps.request_swap(actor=t.alice, shift=mine, to_person=self.person("A014"))
        with self.assertRaises(PermissionDeniedInScope):  # bob is not a duty manager
            swaps.decide_swap(actor=t.bob, swap=swap, approve=True)
        swaps.decide_swap(actor=t.alice, swap=swap, approve=True, note="ok")
        mine.refresh_from_db()
        swap.refresh_from_db()
        self.assertEqual((mine.person, mine.edited), (self.person("A015"), True))
        self.assertEqual((swap.state, swap.decided_by), (SwapState.APPROVED, t.alice))
        self.assertTrue(
            Message.objects.filter(
                recipient=t.duty1, dedupe_key__startswith="duty-swap-decided"
            ).exists()
        )
        with self.assertRaises(Conflict):
            swaps.decide_swap(actor=t.olga, swap=swap, approve=False)
        # the approved swap survives applying the template again
        templates.apply_template(actor=t.root, template=staff, month=NOW.date())
        mine.refresh_from_db()
        self.assertEqual(mine.person, self.person("A015"))

    def test_approval_rechecks_overlaps_and_askers_do_not_decide(self):
        t = self.t
        mine = shift(t, self.person("A010"), at(12, 8), at(13, 8))
        with self.assertRaises(PermissionDeniedInScope):  # not his shift, not a manager
            swaps.request_swap(actor=t.bob, shift=mine, to_person=self.person("A011"))
        swap = swaps.request_swap(actor=t.alice, shift=mine, to_person=self.person("A011"))
        with self.assertRaises(PermissionDeniedInScope):
            swaps.decide_swap(actor=t.alice, swap=swap, approve=True)
        shift(t, self.person("A011"), at(12, 20), at(13, 2), role="manager")
        with self.assertRaises(InvalidInput) as caught:
            swaps.decide_swap(actor=t.olga, swap=swap, approve=True)
        self.assertEqual(caught.exception.code, "shift_overlap")
        swaps.decide_swap(actor=t.olga, swap=swap, approve=False)
        mine.refresh_from_db()
        self.assertEqual(mine.person, self.person("A010"))
        with self.assertRaises(InvalidInput) as caught:  # refused at once too
            swaps.request_swap(actor=t.duty1, shift=mine, to_person=self.person("A011"))
        self.assertIn("to_person", caught.exception.fields)


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class LogTests(DutyMixin, TestCase):
    def test_entries_by_the_person_on_duty_and_the_handover(self):
        t = self.t
        duty1_login = t.duty1
        outgoing = shift(t, self.person("A010"), at(9, 20), at(10, 20))
        incoming_person = self.person("A011")
        duty2 = make_user("duty2")
        incoming_person.user = duty2
        incoming_person.save()
        incoming = shift(t, incoming_person, at(10, 20), at(11, 20))
        entry = log.add_log_entry(
            actor=duty1_login, room=t.room, kind="call_in", text="Call from the district office"
        )
        self.assertEqual(entry.shift, outgoing)
        with self.assertRaises(PermissionDeniedInScope):  # duty2 is not on duty yet
            log.add_log_entry(actor=duty2, room=t.room, kind="other", text="x")
        with self.assertRaises(InvalidInput) as caught:
            log.add_log_entry(actor=t.alice, room=t.room, kind="gossip", text=" ", at=at(11, 12))
        self.assertEqual(set(caught.exception.fields), {"kind", "text", "at"})
        manager_entry = log.add_log_entry(
            actor=t.alice, room=t.room, kind="instruction_down", text="Check the stations"
        )
        self.assertIsNone(manager_entry.shift)

        handover = log.write_handover(actor=duty1_login, outgoing=outgoing, note="All quiet")
        self.assertEqual(handover.incoming, incoming)
        self.assertIsNotNone(handover.confirmed_out_at)
        self.assertTrue(Message.objects.filter(recipient=duty2, topic="duty_handover").exists())
        with self.assertRaises(PermissionDeniedInScope):  # only duty2 confirms the incoming side
            log.confirm_handover(actor=t.alice, handover=handover, side="in")
        log.confirm_handover(actor=duty2, handover=handover, side="in")
        handover.refresh_from_db()
        self.assertTrue(handover.complete)
        with self.assertRaises(Conflict):
            log.confirm_handover(actor=duty2, handover=handover, side="in")
        with self.assertRaises(Conflict):
            log.write_handover(actor=t.alice, outgoing=outgoing, note="again")
        with self.assertRaises(Conflict):  # a shift with a handover stays
            roster.delete_shift(actor=t.alice, shift=incoming)
        self.assertEqual(Handover.objects.count(), 1)

    def test_a_manager_confirms_for_a_person_without_login(self):
        t = self.t
        outgoing = shift(t, self.person("A011"), at(9, 20), at(10, 20))
        shift(t, self.person("A012"), at(10, 20), at(11, 20))
        with self.assertRaises(InvalidInput):  # nobody follows
            log.write_handover(
                actor=t.alice,
                outgoing=shift(t, self.person("A013"), at(9, 8), at(10, 8), role="leader"),
                note="x",
            )
        handover = log.write_handover(actor=t.alice, outgoing=outgoing, note="Keys handed over")
        self.assertIsNone(handover.confirmed_out_at)
        log.confirm_handover(actor=t.alice, handover=handover, side="out")
        log.confirm_handover(actor=t.olga, handover=handover, side="in")
        handover.refresh_from_db()
        self.assertEqual((handover.confirmed_out_by, handover.confirmed_in_by), (t.alice, t.olga))
