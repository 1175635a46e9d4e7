import json
from datetime import UTC, datetime

import time_machine
from django.test import TestCase, override_settings

from fangkong.core.models import AccessLog
from fangkong.health.models import CheckIn, HealthCase
from fangkong.orgs.testing import ProvinceMixin

MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)


def row(no, **extra):
    return {"employee_no": no, "temperature": 36.6} | extra


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class CheckInApiTests(ProvinceMixin, TestCase):
    def post(self, user, body, **headers):
        self.client.force_login(user)
        return self.client.post(
            "/api/v1/checkins", json.dumps(body), content_type="application/json", headers=headers
        )

    def test_a_batch_is_saved_once_under_an_idempotency_key(self):
        t = self.t
        body = {
            "unit": "group-a",
            "day": "2020-02-03",
            "checkins": [row("A001"), row("A002", temperature=38.1), row("A003")],
        }
        first = self.post(t.alice, body, **{"Idempotency-Key": "k1"})
        self.assertEqual(first.status_code, 200, first.content)
        self.assertEqual(
            first.json(),
            {"created": 3, "updated": 0, "unchanged": 0, "cases_opened": 1, "replayed": False},
        )
        again = self.post(t.alice, body, **{"Idempotency-Key": "k1"})
        self.assertTrue(again.json()["replayed"])
        self.assertEqual(CheckIn.objects.count(), 3)
        self.assertEqual(HealthCase.objects.count(), 1)
        other = self.post(t.alice, {**body, "checkins": [row("A001")]}, **{"Idempotency-Key": "k1"})
        self.assertEqual(other.status_code, 409)

    def test_a_bad_row_saves_nothing_and_is_named(self):
        body = {
            "unit": "group-a",
            "day": "2020-02-03",
            "checkins": [row("A001"), row("A002", temperature=98.6), row("ZZZ")],
        }
        response = self.post(self.t.alice, body)
        self.assertEqual(response.status_code, 400)
        fields = response.json()["fields"]
        self.assertIn("Fahrenheit", fields["row 2"][0])
        self.assertIn("ZZZ", fields["row 3"][0])
        self.assertFalse(CheckIn.objects.exists())

    def test_outsiders_get_404_and_future_days_are_refused(self):
        body = {"unit": "group-a", "day": "2020-02-03", "checkins": [row("A001")]}
        self.assertEqual(self.post(self.t.charlie, body).status_code, 404)
        response = self.post(self.t.alice, {**body, "day": "2020-02-05"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("future", response.json()["fields"]["day"][0])

    def test_a_batch_over_1000_rows_is_refused(self):
        rows = [row(f"X{i}") for i in range(1001)]
        response = self.post(
            self.t.alice, {"unit": "group-a", "day": "2020-02-03", "checkins": rows}
        )
        self.assertEqual(response.status_code, 422)

    def test_summary_and_list(self):
        t = self.t
        self.post(
            t.alice,
            {
                "unit": "group-a",
                "day": "2020-02-03",
                "checkins": [row("A001"), row("A002", temperature="37.9")],
            },
        )
        summary = self.client.get("/api/v1/units/group-a/checkin-summary?day=2020-02-03").json()
        self.assertEqual((summary["expected"], summary["checked_in"], summary["fever"]), (3, 2, 1))
        self.assertEqual(summary["by_category"]["party"], 1)
        listing = self.client.get("/api/v1/checkins?unit=a-sub&day=2020-02-03").json()
        self.assertEqual([r["employee_no"] for r in listing["items"]], ["A002"])
        self.assertTrue(AccessLog.objects.filter(object_type="checkin").exists())
        self.client.force_login(t.charlie)
        self.assertEqual(self.client.get("/api/v1/checkins?unit=a-sub").status_code, 404)
        cases = self.client.get("/api/v1/health-cases").json()
        self.assertEqual(cases["count"], 0)  # charlie sees none of group-a's cases
        self.client.force_login(t.alice)
        case = self.client.get("/api/v1/health-cases").json()["items"][0]
        moved = self.client.post(
            f"/api/v1/health-cases/{case['id']}/advance",
            json.dumps({"state": "result", "result": "excluded"}),
            content_type="application/json",
        )
        self.assertEqual(moved.json()["state"], "result")
        self.assertEqual([e["state"] for e in moved.json()["events"]], ["reported", "result"])
