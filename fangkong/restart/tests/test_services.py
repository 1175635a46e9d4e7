"""Return-to-work services: a plan with phases by site, filing needs both hand-confirmed
items and is idempotent, the parent decides (never the unit itself), the readiness
checklist computed from the data with its sources, the restart rate as of a time."""

from datetime import timedelta

from django.test import TestCase, override_settings
from django.utils import timezone

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.notify.models import Message
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import Role, UnitKind
from fangkong.orgs.testing import ProvinceMixin, grant, make_user
from fangkong.restart import queries, services
from fangkong.restart.choices import Item, PlanState
from fangkong.restart.models import PlanEvent
from fangkong.restart.testing import make_plan


@override_settings(MEDIA_ROOT="/tmp/fk-restart-media")
class RestartServiceTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sub_admin = make_user("sub-admin")
        grant(cls.sub_admin, cls.t.a_sub, Role.UNIT_ADMIN)

    def test_file_needs_the_confirmed_items_and_is_idempotent(self):
        plan = make_plan(self.t, confirmed=False)
        with self.assertRaises(InvalidInput) as caught:
            services.file_plan(actor=self.sub_admin, plan=plan)
        self.assertEqual(set(caught.exception.fields), {Item.COMMITMENT, Item.PREVENTION_PLAN})
        plan.refresh_from_db()
        self.assertEqual(plan.state, PlanState.DRAFT)
        make_plan(self.t)  # confirms both
        services.file_plan(actor=self.sub_admin, plan=plan)
        services.file_plan(actor=self.sub_admin, plan=plan)
        self.assertEqual(PlanEvent.objects.filter(plan=plan, kind="filed").count(), 1)
        self.assertTrue(
            Message.objects.filter(topic="restart_plan", recipient=self.t.olga).exists()
        )
        with self.assertRaises(Conflict):
            services.save_plan(actor=self.sub_admin, unit=self.t.a_sub, industry="office",
                               restart_on="2020-02-10")  # fmt: skip

    def test_the_parent_decides_not_the_unit(self):
        plan = make_plan(self.t)
        services.file_plan(actor=self.sub_admin, plan=plan)
        with self.assertRaises(PermissionDeniedInScope):
            services.decide_plan(actor=self.sub_admin, plan=plan, decision="approve")
        with self.assertRaises(InvalidInput) as caught:
            services.decide_plan(actor=self.t.olga, plan=plan, decision="return")
        self.assertIn("note", caught.exception.fields)
        services.decide_plan(actor=self.t.olga, plan=plan, decision="return", note="补充方案")
        plan.refresh_from_db()
        self.assertEqual(plan.state, PlanState.RETURNED)
        services.save_plan(actor=self.sub_admin, unit=self.t.a_sub, industry="office",
                           restart_on=plan.restart_on)  # fmt: skip
        services.file_plan(actor=self.sub_admin, plan=plan)
        services.decide_plan(actor=self.t.olga, plan=plan, decision="approve")
        plan.refresh_from_db()
        self.assertEqual(plan.state, PlanState.APPROVED)

    def test_bad_input(self):
        with self.assertRaises(InvalidInput) as caught:
            make_plan(self.t, industry="nothing")
        self.assertIn("industry", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            make_plan(self.t, restart_on="tomorrow")
        self.assertIn("restart_on", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            make_plan(self.t, phases=[{"site": self.t.b_sub, "starts_on": "2020-02-10"}])
        self.assertIn("phases.0.site", caught.exception.fields)
        self.assertIsNone(queries.plan_of(self.t.a_sub))

    def test_readiness_computed_with_sources(self):
        plan = make_plan(self.t)
        checks = {c.item: c for c in queries.get_readiness(self.t.olga, plan)}
        self.assertEqual(checks[Item.SCREENED].state, "fail")  # nobody checked in
        self.assertIn("/health/checkins/", checks[Item.SCREENED].url)
        self.assertEqual(checks[Item.DUTY].state, "fail")  # no duty room
        self.assertEqual(checks[Item.COMMITMENT].state, "ok")
        self.assertIn("/sites/", checks[Item.DISINFECTION].url)
        self.assertIn("/supplies/stock/", checks[Item.SUPPLIES].url)
        from fangkong.duty.models import DutyRoom

        DutyRoom.objects.create(unit=self.t.group_a, name="集团总值班室")
        checks = {c.item: c for c in queries.get_readiness(self.t.olga, plan)}
        self.assertEqual(checks[Item.DUTY].state, "fail")  # nobody on the roster yet
        self.assertIn("/duty/rooms/group-a/", checks[Item.DUTY].url)
        bob = {c.item: c for c in queries.get_readiness(self.t.bob, plan)}
        self.assertEqual(bob[Item.ISOLATED].state, "unknown")  # no health data for him

    def test_contingency_plan_acknowledged(self):
        """M19: met when the unit acknowledged the current 应急预案 covering it (rules)."""
        from django.utils import translation

        from fangkong.notices.services import acknowledge
        from fangkong.rules.choices import Category, Confirm
        from fangkong.rules.queries import current_version
        from fangkong.rules.testing import make_rule

        plan = make_plan(self.t)
        check = {c.item: c for c in queries.get_readiness(self.t.olga, plan)}[Item.CONTINGENCY]
        self.assertEqual(check.state, "fail")
        rule = make_rule(self.t, title="集团疫情防控应急预案", category=Category.CONTINGENCY,
                         confirm=Confirm.NOBODY)  # fmt: skip
        with translation.override("en"):
            check = {c.item: c for c in queries.get_readiness(self.t.olga, plan)}
        check = check[Item.CONTINGENCY]
        self.assertEqual(check.state, "fail")
        self.assertEqual(check.figure, "0 of 1 contingency plans acknowledged (签收)")
        acknowledge(actor=self.sub_admin, notice=current_version(rule).notice)
        check = {c.item: c for c in queries.get_readiness(self.t.olga, plan)}[Item.CONTINGENCY]
        self.assertEqual(check.state, "ok")
        self.assertIn("/rules/", check.url)

    def test_rate_as_of_a_time(self):
        a2 = orgs.create_unit(actor=self.t.root, parent=self.t.group_a, code="a-sub-2",
                              name="二公司", kind=UnitKind.SUBSIDIARY)  # fmt: skip
        a3 = orgs.create_unit(actor=self.t.root, parent=self.t.group_a, code="a-sub-3",
                              name="三公司", kind=UnitKind.SUBSIDIARY)  # fmt: skip
        before = timezone.now()
        p1 = make_plan(self.t)
        p2 = make_plan(self.t, unit=a2)
        for p in (p1, p2):
            services.file_plan(actor=self.t.alice, plan=p)
        services.decide_plan(actor=self.t.olga, plan=p1, decision="approve")
        services.decide_plan(actor=self.t.olga, plan=p2, decision="wait")
        rate = queries.get_rate(self.t.olga, self.t.group_a)
        self.assertEqual((rate.units, rate.restarted, rate.wait), (3, 1, 1))
        self.assertEqual((rate.rate, rate.rate_excluding_wait), (33.3, 50.0))
        self.assertEqual({c.unit.code for c in rate.children}, {"a-sub", "a-sub-2", "a-sub-3"})
        then = queries.get_rate(self.t.olga, self.t.group_a, before)
        self.assertEqual((then.restarted, then.wait), (0, 0))
        province = queries.get_rate(self.t.sasac, self.t.province)
        self.assertEqual((province.units, province.restarted), (4, 1))
        self.assertEqual(queries.plan_of(a3), None)  # no plan: not restarted

    def test_a_restart_day_to_come_is_not_restarted_yet(self):
        plan = make_plan(self.t, restart_on=self.t.a_sub.local_date() + timedelta(days=3))
        services.file_plan(actor=self.t.alice, plan=plan)
        services.decide_plan(actor=self.t.olga, plan=plan, decision="approve")
        self.assertEqual(queries.get_rate(self.t.olga, self.t.group_a).restarted, 0)
