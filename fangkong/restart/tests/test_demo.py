"""The demo of issue 14's canteens and return to work: the HQ canteen's lunch of today
planned from the check-ins and published, within its safe capacity; the CT group's
subsidiaries' return-to-work plans, most approved, one filed, one returned, one told to
wait; the group's restart rate as in the SASAC's style; a second run changes nothing."""

from django.test import TestCase, override_settings

from fangkong.canteens import queries as canteens
from fangkong.canteens.models import Canteen, Plan
from fangkong.orgs.demo import seed_demo
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import seed_demo_once
from fangkong.restart import queries
from fangkong.restart.choices import PlanState
from fangkong.restart.models import RestartPlan


@override_settings(MEDIA_ROOT="/tmp/fk-restart-media")
class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_demo_once()

    def test_canteen_and_restart(self):
        canteen = Canteen.objects.get(unit__code="CT-HQ-CANTEEN")
        plan = canteens.published_plan(canteen, canteen.unit.local_date(), "lunch")
        self.assertIsNotNone(plan)
        view = canteens.get_plan_view(plan)
        self.assertGreater(view.hall, 0)
        self.assertTrue(all(s.load <= plan.capacity for s in view.slots))
        states = [p.state for p in RestartPlan.objects.filter(unit__parent__code="CT")]
        self.assertGreater(states.count(PlanState.APPROVED), len(states) / 2)
        for state in (PlanState.FILED, PlanState.RETURNED, PlanState.WAIT):
            self.assertEqual(states.count(state), 1)
        rate = queries.get_rate(None, Unit.objects.get(code="CT"))
        self.assertEqual(rate.units, 12)
        self.assertGreater(rate.rate_excluding_wait, rate.rate)
        before = (Plan.objects.count(), RestartPlan.objects.count())
        seed_demo(log=lambda *args: None)
        self.assertEqual((Plan.objects.count(), RestartPlan.objects.count()), before)
