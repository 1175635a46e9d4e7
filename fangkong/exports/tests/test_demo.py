"""The demo's DHIS2 export: the daily form mapped, the units coded (but the tourism
company's), and the last 30 days export as valid DHIS2 JSON and valid ADX."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.test import TestCase
from django.utils import timezone

from fangkong.exports.demo import DATA_SET, demo_code, seed_dhis2
from fangkong.exports.models import Dhis2Mapping
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import seed_demo_once

from .checks import adx_problems, data_value_set_problems


class DemoExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_demo_once()

    def test_last_30_days_validate(self):
        self.assertEqual(Dhis2Mapping.objects.get(form__code="daily").data_set, DATA_SET)
        self.assertEqual(Unit.objects.get(code="CT").dhis2_code, demo_code("CT"))
        self.assertEqual(Unit.objects.get(code="CT-TOUR").dhis2_code, "")
        office = get_user_model().objects.get(username="office")
        today = timezone.localdate()
        params = {
            "form": "daily",
            "unit": demo_code("CT"),
            "start": (today - timedelta(days=29)).isoformat(),
            "end": today.isoformat(),
        }
        self.client.force_login(office)
        response = self.client.get("/api/v1/exports/dhis2/dataValueSets", params)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(data_value_set_problems(body), [])
        self.assertGreater(len(body["dataValues"]), 100)
        self.assertIn("0", {v["value"] for v in body["dataValues"]})
        self.assertGreater(int(response["X-Fangkong-Skipped-Units"]), 0)  # the tourism company
        adx = self.client.get("/api/v1/exports/dhis2/adx", params)
        self.assertEqual(adx.status_code, 200)
        self.assertEqual(adx_problems(adx.content), [])
        registrations = self.client.get(
            "/api/v1/exports/dhis2/completeDataSetRegistrations", params
        ).json()["completeDataSetRegistrations"]
        self.assertEqual(len(registrations), adx.content.count(b"<group "))

    def test_a_second_run_changes_nothing(self):
        before = list(Unit.objects.order_by("pk").values_list("dhis2_code", flat=True))
        seed_dhis2(None, log=lambda *args: None)
        self.assertEqual(
            list(Unit.objects.order_by("pk").values_list("dhis2_code", flat=True)), before
        )
