"""The sites API: schedules, slots, a log with its Idempotency-Key, compliance with its
children; bad input a 4xx naming the field, nothing written; outsiders 404."""

import json

import time_machine
from django.test import TestCase

from fangkong.core.testing import api_document
from fangkong.orgs.testing import ProvinceMixin
from fangkong.sites import schedules, services
from fangkong.sites.models import Slot, SlotTally

from .test_slots import DAY, at

BOTH = ["disinfection", "ventilation"]


@time_machine.travel(at(9, 10), tick=False)
class SitesApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        schedules.set_schedule(
            actor=t.olga, unit=t.a_site_2, site_kind="office", slots=schedules.OFFICE_BUILDING
        )
        services.sync_slots(DAY, now=at(0, 1))
        cls.station = Slot.objects.get(site=t.a_site_1, day=DAY)

    def log(self, user, slot_id, key=None, **body):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            f"/api/v1/sites/slots/{slot_id}/log",
            json.dumps(body),
            content_type="application/json",
            headers=headers,
        )

    def test_schedules_slots_and_compliance(self):
        self.client.force_login(self.t.olga)
        rows = self.client.get("/api/v1/sites/schedules", {"unit": "group-a"}).json()
        kinds = {(r["site_kind"], r["set_at"], r["applies_to"]) for r in rows}
        self.assertIn(("heat_station", None, "subtree"), kinds)  # the shipped default
        self.assertIn(("office", "a-site-2", "site"), kinds)  # the office building's three
        slots = self.client.get("/api/v1/sites/slots", {"unit": "group-a", "day": "2026-02-03"})
        items = slots.json()["items"]
        self.assertEqual(len(items), 4)
        self.assertEqual(set(items[0]) >= {"id", "site", "starts_at", "covers", "state"}, True)
        r = self.log(self.t.olga, self.station.pk, done=BOTH, person="A002")
        self.assertEqual(r.status_code, 200, r.content)
        self.assertEqual(r.json()["state"], "done")
        c = self.client.get("/api/v1/sites/compliance", {"unit": "group-a", "day": "2026-02-03"})
        body = c.json()
        self.assertEqual((body["total"], body["done"], body["expected"]), (4, 1, 3))
        sub = next(ch for ch in body["children"] if ch["unit"] == "a-sub")
        self.assertEqual(sub["done"], 1)

    def test_a_retry_with_the_same_key_is_answered_again_and_a_second_log_is_409(self):
        first = self.log(self.t.bob, self.station.pk, key="k1", done=BOTH)
        self.assertEqual(first.status_code, 200, first.content)
        again = self.log(self.t.bob, self.station.pk, key="k1", done=BOTH)
        self.assertEqual(again.json(), first.json())
        second = self.log(self.t.bob, self.station.pk, done=BOTH)
        self.assertEqual(second.status_code, 409)
        self.assertIn("slot", second.json()["fields"])
        self.assertEqual(SlotTally.objects.get(site=self.t.a_site_1, day=DAY).done, 1)

    def test_bad_input_names_the_field_and_writes_nothing(self):
        t = self.t
        office = Slot.objects.filter(site=t.a_site_2, day=DAY).order_by("number")
        cases = [
            (self.station.pk, {"done": ["sweeping"]}, "done"),
            (self.station.pk, {"done": ["disinfection"]}, "done"),
            (self.station.pk, {"done": BOTH, "site": "a-site-2"}, "slot"),
            (self.station.pk, {"done": BOTH, "site": "no-such"}, "site"),
            (self.station.pk, {"done": BOTH, "person": "A003"}, "person"),
            (office.last().pk, {"done": BOTH}, "slot"),  # 17:00, in the future
        ]
        for slot_id, body, field in cases:
            with self.subTest(field=field, body=body):
                r = self.log(t.olga, slot_id, **body)
                self.assertIn(r.status_code, (400, 422), r.content)  # 422: the schema's
                self.assertIn(field, {k.split(".")[0] for k in r.json()["fields"]})
        self.assertFalse(Slot.objects.exclude(state="expected").exists())

    def test_the_office_sets_a_schedule(self):
        self.client.force_login(self.t.olga)
        body = {
            "unit": "group-a",
            "site_kind": "heat_station",
            "slots": [{"at": "08:00"}, {"at": "15:00", "covers": "ventilation"}],
        }
        post = self.client.post("/api/v1/sites/schedules", body, content_type="application/json")
        self.assertEqual(post.status_code, 201, post.content)
        self.assertEqual([s["at"] for s in post.json()["slots"]], ["08:00", "15:00"])
        body["slots"] = [{"at": "25:00"}]
        bad = self.client.post("/api/v1/sites/schedules", body, content_type="application/json")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("slots", bad.json()["fields"])
        self.client.force_login(self.t.bob)
        body["unit"], body["slots"] = "a-site-1", []
        refused = self.client.post("/api/v1/sites/schedules", body, content_type="application/json")
        self.assertEqual(refused.status_code, 403)
        self.client.force_login(self.t.charlie)
        body["unit"] = "group-a"
        hidden = self.client.post("/api/v1/sites/schedules", body, content_type="application/json")
        self.assertEqual(hidden.status_code, 404)

    def test_outsiders_get_404(self):
        t = self.t
        self.client.force_login(t.charlie)
        for url, params in (
            ("/api/v1/sites/schedules", {"unit": "group-a"}),
            ("/api/v1/sites/slots", {"unit": "group-a"}),
            ("/api/v1/sites/compliance", {"unit": "group-a"}),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url, params).status_code, 404)
        self.assertEqual(self.log(t.charlie, self.station.pk, done=BOTH).status_code, 404)

    def test_the_operations_are_in_the_openapi_document(self):
        paths = api_document(self.client)["paths"]
        for path in ("/api/v1/sites/schedules", "/api/v1/sites/slots/{slot_id}/log"):
            self.assertIn(path, paths)
