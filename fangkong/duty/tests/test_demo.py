from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test import TestCase

from fangkong.duty.clock import local_today, month_window, next_month
from fangkong.duty.models import DutyLogEntry, DutyRoom, Handover, Shift
from fangkong.duty.queries.coverage import list_gaps
from fangkong.notify.recipients import on_duty_user_ids
from fangkong.orgs.demo import DEMO_PASSWORD, seed_demo
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import seed_demo_once


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_demo_once()

    def test_rooms_without_gaps_this_month_and_next(self):
        codes = set(DutyRoom.objects.values_list("unit__code", flat=True))
        self.assertTrue({"CT", "CT-HEAT", "CT-JD", "CT-JY", "CT-MO"} <= codes)
        key_units = set(Unit.objects.filter(is_key_unit=True).values_list("code", flat=True))
        self.assertTrue(key_units <= codes)
        group = Unit.objects.get(code="CT")
        first = local_today(group).replace(day=1)
        start = month_window(first, group)[0]
        end = month_window(next_month(first), group)[1]
        gaps = list_gaps(DutyRoom.objects.select_related("unit"), start, end)
        self.assertFalse(
            [(room, g) for room, by_role in gaps.items() for g in by_role.values() if g]
        )

    def test_demo_logins_are_on_duty_every_hour(self):
        User = get_user_model()
        heat = Unit.objects.get(code="CT-HEAT")
        station = Unit.objects.get(code="CT-HEAT-S01")
        heat_duty = set(
            User.objects.filter(username__startswith="heat-duty").values_list("pk", flat=True)
        )
        leaders = set(
            User.objects.filter(username__startswith="ct-leader").values_list("pk", flat=True)
        )
        hq = Unit.objects.get(code="CT-OFFICE")
        start = month_window(local_today(heat).replace(day=1), heat)[0]
        for hours in range(0, 24 * 40, 7):
            at = start + timedelta(hours=hours)
            with self.subTest(at=at):
                self.assertEqual(len(on_duty_user_ids(station, at, ["manager"]) & heat_duty), 1)
                self.assertEqual(len(on_duty_user_ids(hq, at, ["leader"]) & leaders), 1)
        for username in ("heat-duty", "heat-duty2", "ct-leader", "ct-leader2"):
            self.assertTrue(self.client.login(username=username, password=DEMO_PASSWORD))
        self.assertTrue(DutyLogEntry.objects.exists())

    def test_seeding_twice_changes_nothing(self):
        before = list(Shift.objects.order_by("pk").values_list("pk", "person_id", "starts_at"))
        counts = (DutyRoom.objects.count(), DutyLogEntry.objects.count(), Handover.objects.count())
        seed_demo(log=lambda *args: None)
        self.assertEqual(
            list(Shift.objects.order_by("pk").values_list("pk", "person_id", "starts_at")), before
        )
        self.assertEqual(
            (DutyRoom.objects.count(), DutyLogEntry.objects.count(), Handover.objects.count()),
            counts,
        )
