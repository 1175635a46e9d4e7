"""The checkpoints API: a shift's counts under an Idempotency-Key, a fever found opening a
case or an incident; the outsider gets 404; bad counts are a 400 naming the field, nothing
written."""

import json

from django.test import TestCase

from fangkong.checkpoints.models import Fever, Shift
from fangkong.checkpoints.testing import counts, make_checkpoint
from fangkong.health.models import HealthCase
from fangkong.incidents.models import Incident
from fangkong.orgs.testing import ProvinceMixin

URL = "/api/v1/checkpoints/CK-1/counts"


class CheckpointApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_checkpoint(cls.t)
        cls.day = cls.t.a_site_1.local_date().isoformat()

    def post(self, user, body, key=None, url=URL):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            url, json.dumps(body), content_type="application/json", headers=headers
        )

    def test_counts_with_fevers_once(self):
        body = {
            "day": self.day,
            "shift": "morning",
            **counts(),
            "fevers": 2,
            "found": [
                {"passer": "resident", "temperature": "38.4", "name": "张某"},
                {"passer": "staff", "person": "A002", "temperature": "38.0"},
            ],
            "on_duty": ["A002"],
            "volunteers": ["志愿者甲"],
        }
        made = self.post(self.t.bob, body, key="k1")
        self.assertEqual(made.status_code, 201, made.content)
        found = made.json()["found"]
        self.assertIsNotNone(found[0]["incident"])
        self.assertIsNotNone(found[1]["case"])
        again = self.post(self.t.bob, body, key="k1")
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(Fever.objects.count(), 2)
        self.assertEqual(Incident.objects.count(), 1)
        self.assertEqual(HealthCase.objects.count(), 1)

    def test_refusals_and_outsider(self):
        bad = self.post(self.t.bob, {"day": self.day, **counts(checked=3)})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("checked", bad.json()["fields"])
        bad = self.post(
            self.t.bob,
            {"day": self.day, **counts(checked=0, staff=0, residents=0, visitors=0),
             "found": [{"passer": "visitor", "temperature": "39.0"}]},
        )  # fmt: skip
        self.assertIn("fevers", bad.json()["fields"])
        bad = self.post(self.t.bob, {"day": self.day, **counts(), "fevers": 3})
        self.assertIn("fevers", bad.json()["fields"])
        bad = self.post(
            self.t.bob,
            {"day": self.day, **counts(), "found": [{"passer": "staff", "person": "B001",
                                                     "temperature": "38.5"}]},
        )  # fmt: skip
        self.assertEqual(bad.json()["code"], "unknown_person")
        self.assertEqual(self.post(self.t.charlie, {**counts()}).status_code, 404)
        self.assertEqual(
            self.post(self.t.bob, counts(), url="/api/v1/checkpoints/NO/counts").status_code, 404
        )
        self.assertFalse(Shift.objects.exists())
        self.assertFalse(Incident.objects.exists())
