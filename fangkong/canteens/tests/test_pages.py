"""Canteen pages: the list, a meal's plan (table, chart data, propose, adjust, publish,
a department's mode), the setup page (capacity 0 refused); outsiders get 404."""

from django.test import TestCase

from fangkong.canteens.choices import Mode, PlanState
from fangkong.canteens.models import Diner, Plan
from fangkong.canteens.testing import check_in, make_canteen
from fangkong.orgs.testing import ProvinceMixin


class CanteenPageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.canteen = make_canteen(cls.t)
        cls.day = cls.t.a_hq.local_date().isoformat()
        check_in(cls.t, cls.t.a_hq.local_date())
        cls.url = f"/canteens/a-canteen/?day={cls.day}&meal=lunch"

    def act(self, action, **data):
        return self.client.post(
            "/canteens/a-canteen/plan/",
            {"day": self.day, "meal": "lunch", "action": action, **data},
        )

    def test_plan_flow(self):
        client = self.login(self.t.olga)
        self.assertContains(client.get("/canteens/?unit=group-a"), "机关食堂")
        self.assertContains(client.get(self.url), 'data-testid="no-plan"')
        self.assertEqual(self.act("propose").status_code, 302)
        page = client.get(self.url)
        self.assertContains(page, 'id="plan-data"')
        self.assertContains(page, 'data-unit="a-hq"')
        plan = Plan.objects.get()
        sub = plan.rows.get(unit=self.t.a_sub).slot + 1
        answer = self.act("adjust", **{"slot-a-hq": str(sub)})
        self.assertEqual(Plan.objects.count(), 1)  # refused
        self.assertContains(client.get(answer.url), "超过安全间距座位数")
        self.act("adjust", **{"slot-a-sub": "takeaway"})
        self.assertEqual(Plan.objects.count(), 2)
        self.act("publish")
        self.assertEqual(Plan.objects.order_by("-version").first().state, PlanState.PUBLISHED)
        self.act("mode", unit="a-hq", mode="desk")
        self.assertEqual(Diner.objects.get(unit=self.t.a_hq).mode, Mode.DESK)

    def test_setup_refuses_capacity_zero(self):
        client = self.login(self.t.olga)
        page = client.post(
            "/canteens/setup/", {"unit": "a-canteen", "seats": "10", "safe_seats": "0"}
        )
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "is-invalid")
        ok = client.post(
            "/canteens/setup/", {"unit": "a-canteen", "seats": "２０", "safe_seats": "8"}
        )
        self.assertEqual(ok.status_code, 302)
        self.canteen.refresh_from_db()
        self.assertEqual((self.canteen.seats, self.canteen.safe_seats), (20, 8))

    def test_outsider(self):
        self.login(self.t.charlie)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.act("propose").status_code, 404)
        self.assertNotContains(self.client.get("/canteens/"), "机关食堂")
        self.assertEqual(self.client.get("/canteens/setup/?unit=a-canteen").status_code, 404)
        self.login(self.t.bob)
        self.assertEqual(self.act("propose").status_code, 404)
        self.assertFalse(Plan.objects.exists())
