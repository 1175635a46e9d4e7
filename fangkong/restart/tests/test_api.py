"""The return-to-work API: plans saved and filed (filing twice idempotent, under an
Idempotency-Key or not), the rate as of a time with its children, outsiders 404."""

import json

from django.test import TestCase, override_settings

from fangkong.orgs.testing import ProvinceMixin
from fangkong.restart import services
from fangkong.restart.models import PlanEvent, RestartPlan
from fangkong.restart.testing import make_plan


@override_settings(MEDIA_ROOT="/tmp/fk-restart-media")
class RestartApiTests(ProvinceMixin, TestCase):
    def post(self, user, body, key=None):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post("/api/v1/restart/plans", json.dumps(body),
                                content_type="application/json", headers=headers)  # fmt: skip

    def test_save_file_twice_and_list(self):
        make_plan(self.t)  # drafted with its evidence
        body = {"unit": "a-sub", "industry": "utilities", "restart_on": "2020-02-10",
                "returning": 3, "file": True}  # fmt: skip
        first = self.post(self.t.alice, body, key="k1")
        self.assertEqual(first.status_code, 201, first.content)
        self.assertEqual(first.json()["state"], "filed")
        again = self.post(self.t.alice, body)  # no key: still idempotent
        self.assertEqual(again.status_code, 201, again.content)
        self.assertEqual(PlanEvent.objects.filter(kind="filed").count(), 1)
        listed = self.client.get("/api/v1/restart/plans?unit=group-a")
        self.assertEqual([p["unit"] for p in listed.json()["items"]], ["a-sub"])

    def test_refusals_and_outsider(self):
        bad = self.post(
            self.t.alice, {"unit": "a-sub", "industry": "x", "restart_on": "2020-02-10"}
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("industry", bad.json()["fields"])
        unconfirmed = self.post(self.t.alice, {"unit": "a-sub", "industry": "office",
                                               "restart_on": "2020-02-10", "file": True})  # fmt: skip
        self.assertEqual(unconfirmed.json()["code"], "unconfirmed")
        self.assertFalse(RestartPlan.objects.exists())  # nothing half-written
        out = self.post(self.t.charlie, {"unit": "a-sub", "industry": "office",
                                         "restart_on": "2020-02-10"})  # fmt: skip
        self.assertEqual(out.status_code, 404)
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get("/api/v1/restart/rate?unit=group-a").status_code, 404)
        self.assertEqual(self.client.get("/api/v1/restart/plans?unit=a-sub").status_code, 404)

    def test_rate(self):
        plan = make_plan(self.t)
        services.file_plan(actor=self.t.alice, plan=plan)
        services.decide_plan(actor=self.t.olga, plan=plan, decision="approve")
        self.client.force_login(self.t.sasac)
        now = self.client.get("/api/v1/restart/rate?unit=province").json()
        self.assertEqual((now["units"], now["restarted"], now["rate"]), (2, 1, 50.0))
        self.assertEqual({c["unit"] for c in now["children"]}, {"group-a", "group-b"})
        then = self.client.get("/api/v1/restart/rate?unit=province&as_of=2020-02-26T12:00:00")
        self.assertEqual(then.json()["restarted"], 0)
