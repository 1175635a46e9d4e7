"""The canteens API: GET/POST /api/v1/canteens/{code}/plans — propose and publish under
an Idempotency-Key, adjust (over capacity a 400 naming the field), outsiders 404."""

import json

from django.test import TestCase

from fangkong.canteens.models import Plan
from fangkong.canteens.testing import check_in, make_canteen
from fangkong.orgs.testing import ProvinceMixin

URL = "/api/v1/canteens/a-canteen/plans"


class CanteenApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_canteen(cls.t)
        check_in(cls.t, cls.t.a_hq.local_date())

    def post(self, user, body, key=None):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(URL, json.dumps(body), content_type="application/json",
                                headers=headers)  # fmt: skip

    def test_propose_publish_adjust_and_list(self):
        made = self.post(self.t.olga, {"meal": "lunch", "publish": True}, key="k1")
        self.assertEqual(made.status_code, 201, made.content)
        body = made.json()
        self.assertEqual(body["state"], "published")
        self.assertTrue(all(load <= body["capacity"] for load in body["loads"]))
        again = self.post(self.t.olga, {"meal": "lunch", "publish": True}, key="k1")
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(Plan.objects.count(), 1)
        slots = {r["unit"]: r["slot"] for r in body["rows"]}
        bad = self.post(self.t.olga, {"meal": "lunch", "moves": {"a-hq": str(slots["a-sub"])}})
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(bad.json()["code"], "over_capacity")
        ok = self.post(self.t.olga, {"meal": "lunch", "moves": {"a-hq": "desk"}})
        self.assertEqual(ok.status_code, 201)
        self.assertEqual(ok.json()["version"], 2)
        listed = self.client.get(URL + "?meal=lunch")
        self.assertEqual([p["version"] for p in listed.json()], [2, 1])

    def test_refusals_and_outsider(self):
        bad = self.post(self.t.olga, {"meal": "supper"})
        self.assertIn("meal", bad.json()["fields"])
        self.assertEqual(self.post(self.t.charlie, {"meal": "lunch"}).status_code, 404)
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get(URL).status_code, 404)
        self.assertEqual(self.post(self.t.bob, {"meal": "lunch"}).status_code, 404)
        self.assertFalse(Plan.objects.exists())
