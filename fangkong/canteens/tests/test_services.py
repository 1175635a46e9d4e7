"""Canteen services: setting up (capacity 0 refused, naming the field), a plan from
today's check-ins (remote people do not eat there), adjusting (over capacity refused,
nothing written), publishing (the departments' liaisons told, the earlier version
superseded), and the replanning sweep when head counts change."""

from django.test import TestCase

from fangkong.canteens import queries, services
from fangkong.canteens.choices import Mode, PlanReason, PlanState
from fangkong.canteens.models import Canteen, Plan
from fangkong.canteens.sweeps import replan_changed
from fangkong.canteens.testing import check_in, make_canteen
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.health.choices import Whereabouts
from fangkong.health.services import checkins
from fangkong.notify.models import Message
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user


class CanteenServiceTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.canteen = make_canteen(cls.t)
        cls.day = cls.t.a_hq.local_date()
        check_in(cls.t, cls.day)
        cls.hq_liaison = make_user("hq-liaison")
        grant(cls.hq_liaison, cls.t.a_hq, Role.LIAISON)

    def propose(self):
        return services.propose_plan(
            actor=self.t.alice, canteen=self.canteen, day=self.day, meal="lunch"
        )

    def test_capacity_zero_refused(self):
        with self.assertRaises(InvalidInput) as caught:
            services.setup_canteen(actor=self.t.alice, unit=self.t.canteen_site, seats=10,
                                   safe_seats=0)  # fmt: skip
        self.assertEqual(caught.exception.code, "capacity_zero")
        self.assertIn("safe_seats", caught.exception.fields)
        Canteen.objects.filter(pk=self.canteen.pk).update(safe_seats=0, seats=0)
        with self.assertRaises(InvalidInput) as caught:
            self.propose()
        self.assertEqual(caught.exception.code, "capacity_zero")
        self.assertFalse(Plan.objects.exists())

    def test_not_a_canteen_site(self):
        with self.assertRaises(InvalidInput) as caught:
            services.setup_canteen(actor=self.t.alice, unit=self.t.a_site_1, seats=10,
                                   safe_seats=5)  # fmt: skip
        self.assertIn("unit", caught.exception.fields)

    def test_plan_from_check_ins(self):
        plan = self.propose()
        rows = {r.unit.code: r for r in plan.rows.all()}
        self.assertEqual(rows["a-hq"].people, 5)  # H5 works remotely
        self.assertEqual(rows["a-sub"].people, 4)
        self.assertNotEqual(rows["a-hq"].slot, rows["a-sub"].slot)  # 5 + 4 > 6
        view = queries.get_plan_view(plan)
        self.assertTrue(all(s.load <= 6 for s in view.slots))
        self.assertEqual(plan.slots, 3)

    def test_adjust_over_capacity_refused_then_publish(self):
        plan = self.propose()
        hq = plan.rows.get(unit=self.t.a_hq)
        sub_slot = plan.rows.get(unit=self.t.a_sub).slot
        with self.assertRaises(InvalidInput) as caught:
            services.adjust_plan(actor=self.t.olga, plan=plan, moves={"a-hq": sub_slot + 1})
        self.assertEqual(caught.exception.code, "over_capacity")
        self.assertEqual(Plan.objects.count(), 1)
        self.assertEqual(plan.rows.get(unit=self.t.a_hq).slot, hq.slot)
        new = services.adjust_plan(actor=self.t.olga, plan=plan, moves={"a-sub": "takeaway"})
        self.assertEqual(new.version, 2)
        self.assertEqual(new.rows.get(unit=self.t.a_sub).mode, Mode.TAKEAWAY)
        with self.assertRaises(Conflict):
            services.publish_plan(actor=self.t.olga, plan=plan)  # stale
        services.publish_plan(actor=self.t.olga, plan=new)
        new.refresh_from_db()
        self.assertEqual(new.state, PlanState.PUBLISHED)
        self.assertTrue(
            Message.objects.filter(topic="canteen_plan", recipient=self.hq_liaison).exists()
        )
        again = self.propose()
        services.publish_plan(actor=self.t.olga, plan=again)
        new.refresh_from_db()
        self.assertEqual(new.state, PlanState.SUPERSEDED)

    def test_outsider_refused(self):
        from fangkong.core.errors import PermissionDeniedInScope

        with self.assertRaises(PermissionDeniedInScope):
            services.propose_plan(actor=self.t.charlie, canteen=self.canteen, day=self.day,
                                  meal="lunch")  # fmt: skip

    def test_replan_when_head_counts_change(self):
        import datetime as dt

        import time_machine
        from django.utils import timezone

        plan = self.propose()
        services.publish_plan(actor=self.t.olga, plan=plan)
        morning = timezone.make_aware(dt.datetime.combine(self.day, dt.time(9, 0)),
                                      self.t.a_hq.tzinfo)  # fmt: skip
        self.assertEqual(replan_changed(now=morning)["replanned"], 0)
        extra = [
            orgs.create_person(
                actor=self.t.root, unit=self.t.a_sub, employee_no=f"X{i}", name=f"返岗{i}"
            )  # fmt: skip
            for i in range(2)
        ]
        checkins.save_checkins(
            [checkins.Entry(person=p, temperature=checkins.parse_temperature("36.4"),
                            whereabouts=Whereabouts.AT_POST) for p in extra],
            day=self.day, source="proxy", actor=self.t.root,
        )  # fmt: skip
        with time_machine.travel(morning, tick=False):
            self.assertEqual(replan_changed(now=morning)["replanned"], 1)
            self.assertEqual(replan_changed(now=morning)["replanned"], 0)
        latest = queries.published_plan(self.canteen, self.day, "lunch")
        self.assertEqual(latest.reason, PlanReason.REPLANNED)
        self.assertEqual(latest.rows.get(unit=self.t.a_sub).people, 6)
