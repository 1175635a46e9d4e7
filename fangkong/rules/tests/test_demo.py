"""The demo of rules and plans: the group's 十六不准 in two versions with most people's
reading confirmed (not the heat station's liaison's), the 应急预案 acknowledged by most
units, the group's plan with its roles linked to real teams and the duty room, a drill
whose finding is a rectification item; the restart checklist reads it; a second run
changes nothing."""

from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings

from fangkong.inspections.models import Rectification
from fangkong.orgs.demo import seed_demo
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.testing import seed_demo_once
from fangkong.rules import queries
from fangkong.rules.demo import PLAN, SIXTEEN
from fangkong.rules.models import ContingencyPlan, DrillFinding, ReadConfirmation, Rule


@override_settings(MEDIA_ROOT="/tmp/fk-rules-media")
class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_demo_once()

    def test_rules_plans_and_drill(self):
        sixteen = Rule.objects.get(title=SIXTEEN)
        current = queries.current_version(sixteen)
        self.assertEqual(current.number, 2)
        office = get_user_model().objects.get(username="office")
        reading = queries.get_reading(office, current)
        self.assertGreater(reading.rate, 50)
        self.assertLess(reading.rate, 100)
        liaison = Person.objects.get(user__username="heat-liaison")
        mine = {m.rule.title: m for m in queries.list_my_rules(liaison)}
        self.assertIsNone(mine[SIXTEEN].confirmed)
        self.assertTrue(mine[SIXTEEN].required)
        heat = Unit.objects.get(code="CT-HEAT")
        self.assertTrue(queries.get_contingency(heat).met)
        self.assertFalse(queries.get_contingency(Unit.objects.get(code="CT-TOUR")).met)
        plan = ContingencyPlan.objects.get(title=PLAN)
        self.assertTrue(all(r.is_linked for r in plan.roles.all()))
        finding = DrillFinding.objects.get()
        self.assertEqual(finding.rectification.unit.code, "CT-HEAT-S01")
        before = (Rule.objects.count(), ReadConfirmation.objects.count(),
                  Rectification.objects.count())  # fmt: skip
        seed_demo(log=lambda *args: None)
        self.assertEqual(
            (Rule.objects.count(), ReadConfirmation.objects.count(),
             Rectification.objects.count()), before,
        )  # fmt: skip
