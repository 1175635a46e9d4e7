"""The supplies API: the catalogue, a unit's stock (outsiders 404), moves with their
Idempotency-Key, a transfer received with a discrepancy, bad input a 4xx naming the field."""

import json

from django.test import TestCase

from fangkong.orgs.testing import ProvinceMixin
from fangkong.supplies.models import Move
from fangkong.supplies.testing import install_catalogue


class SuppliesApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()

    def move(self, user, key=None, **body):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            "/api/v1/supplies/moves",
            json.dumps(body),
            content_type="application/json",
            headers=headers,
        )

    def test_items_stock_and_a_retried_receipt(self):
        self.client.force_login(self.t.bob)
        items = self.client.get("/api/v1/supplies/items").json()
        self.assertIn("mask-kn95", [i["code"] for i in items])
        body = {"kind": "receipt", "unit": "a-site-1", "item": "mask-kn95", "quantity": 200}
        first = self.move(self.t.bob, key="k1", **body)
        self.assertEqual(first.status_code, 201, first.content)
        again = self.move(self.t.bob, key="k1", **body)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(Move.objects.count(), 1)  # the retry wrote nothing
        stock = self.client.get("/api/v1/supplies/stock", {"unit": "a-site-1"}).json()
        self.assertEqual([(s["item"], s["balance"]) for s in stock], [("mask-kn95", 200)])

    def test_issue_beyond_the_balance_transfer_and_receipt_with_discrepancy(self):
        t = self.t
        self.move(t.alice, kind="receipt", unit="a-hq", item="disinfectant-84", quantity=20)
        refused = self.move(t.alice, kind="issue", unit="a-hq", item="disinfectant-84", quantity=21)
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["code"], "insufficient_stock")
        sent = self.move(
            t.alice,
            kind="transfer",
            unit="a-hq",
            item="disinfectant-84",
            quantity=12,
            to_unit="a-site-1",
        ).json()
        self.client.force_login(t.bob)
        url = f"/api/v1/supplies/transfers/{sent['transfer']}/receive"
        short = self.client.post(url, {"quantity": 11}, content_type="application/json")
        self.assertEqual(short.status_code, 400)
        self.assertIn("reason", short.json()["fields"])
        done = self.client.post(
            url, {"quantity": 11, "reason": "一瓶破漏"}, content_type="application/json"
        )
        self.assertEqual(done.json()["quantity_received"], 11)

    def test_outsiders_and_bad_input(self):
        t = self.t
        self.client.force_login(t.charlie)
        self.assertEqual(
            self.client.get("/api/v1/supplies/stock", {"unit": "a-site-1"}).status_code, 404
        )
        bad = self.move(t.bob, kind="receipt", unit="a-site-1", item="nope", quantity=1)
        self.assertEqual(bad.json()["code"], "unknown_item")
        bad = self.move(t.bob, kind="receipt", unit="a-site-1", item="mask-kn95", quantity=-3)
        self.assertEqual(bad.status_code, 422)
        self.assertIn("quantity", bad.json()["fields"])
        bad = self.move(t.bob, kind="steal", unit="a-site-1", item="mask-kn95", quantity=1)
        self.assertIn("kind", bad.json()["fields"])
        bad = self.move(t.bob, kind="adjustment", unit="a-site-1", item="mask-kn95", counted=3)
        self.assertIn("reason", bad.json()["fields"])
        self.assertEqual(Move.objects.count(), 0)
