"""The donations API: campaigns, gifts with their Idempotency-Key, totals by unit; outsiders
get 404; a person's amount is hidden from a liaison; bad input is a 4xx naming the field,
nothing written."""

import json

from django.test import TestCase

from fangkong.core.models import AccessLog
from fangkong.donations.models import Campaign, Gift
from fangkong.donations.testing import make_campaign
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user
from fangkong.supplies.testing import install_catalogue


class DonationsApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()  # a TransactionTestCase run before may have flushed it
        super().setUpTestData()
        cls.campaign = make_campaign(cls.t)
        cls.url = f"/api/v1/donations/campaigns/{cls.campaign.pk}"

    def post(self, user, url, body, key=None):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            url, json.dumps(body), content_type="application/json", headers=headers
        )

    def test_campaigns_open_and_list(self):
        t = self.t
        body = {
            "unit": "a-sub",
            "name": "二次捐款",
            "recipient": "市慈善总会",
            "start_day": "2020-02-05",
            "target": "10000.50",
        }
        made = self.post(t.olga, "/api/v1/donations/campaigns", body, key="c1")
        self.assertEqual(made.status_code, 201, made.content)
        self.assertEqual(made.json()["target"], "10000.50")
        refused = self.post(t.bob, "/api/v1/donations/campaigns", {**body, "unit": "a-site-1"})
        self.assertEqual(refused.status_code, 403)  # a liaison calls on nobody
        unseen = self.post(t.bob, "/api/v1/donations/campaigns", body)
        self.assertEqual(unseen.json()["code"], "unknown_unit")
        # The liaison of a site sees the group's campaigns (its unit lies inside them).
        self.client.force_login(t.bob)
        names = [c["name"] for c in self.client.get("/api/v1/donations/campaigns").json()["items"]]
        self.assertEqual(sorted(names), ["二次捐款", "抗疫捐款"])
        self.client.force_login(t.charlie)
        self.assertEqual(self.client.get("/api/v1/donations/campaigns").json()["count"], 0)

    def test_gift_retry_totals_and_outsider(self):
        t = self.t
        body = {"unit": "a-site-1", "person": "A002", "amount": "300.50", "day": "2020-01-30"}
        first = self.post(t.bob, f"{self.url}/gifts", body, key="g1")
        self.assertEqual(first.status_code, 201, first.content)
        again = self.post(t.bob, f"{self.url}/gifts", body, key="g1")
        self.assertEqual(again.json(), first.json())
        self.assertEqual(Gift.objects.count(), 1)  # the double click counted once
        self.post(
            t.olga, f"{self.url}/gifts", {"unit": "a-hq", "amount": 1000, "day": "2020-01-30"}
        )
        self.client.force_login(t.olga)
        totals = self.client.get(f"{self.url}/totals", {"unit": "group-a"}).json()
        self.assertEqual(totals["total"], "1300.50")
        self.assertEqual(totals["donors"], 2)
        rows = {r["unit"]: r["total"] for r in totals["children"]}
        self.assertEqual(rows, {"a-hq": "1000.00", "a-sub": "300.50"})
        self.client.force_login(t.charlie)
        self.assertEqual(
            self.client.get(f"{self.url}/totals", {"unit": "group-a"}).status_code, 404
        )
        self.assertEqual(self.client.get(f"{self.url}/totals", {"unit": "b-sub"}).status_code, 404)
        self.assertEqual(self.post(t.charlie, f"{self.url}/gifts", body).status_code, 404)

    def test_personal_amounts_hidden_from_a_liaison(self):
        t = self.t
        gift = {"unit": "a-site-1", "person": "A002", "amount": "300", "day": "2020-01-30"}
        self.post(t.bob, f"{self.url}/gifts", gift)
        self.post(
            t.bob, f"{self.url}/gifts", {"unit": "a-site-1", "amount": "50", "day": "2020-01-30"}
        )
        liaison = make_user("sub-liaison")
        grant(liaison, t.a_sub, Role.LIAISON)
        self.client.force_login(liaison)
        items = self.client.get(f"{self.url}/gifts", {"unit": "a-sub"}).json()["items"]
        self.assertEqual(
            sorted((i["person"] or "", i["amount"] or "") for i in items),
            [("", "50.00"), ("A002", "")],
        )
        totals = self.client.get(f"{self.url}/totals", {"unit": "a-sub"}).json()
        self.assertEqual((totals["total"], totals["donors"]), ("350.00", 2))
        self.assertFalse(AccessLog.objects.filter(object_type="donation_gifts").exists())
        self.client.force_login(t.olga)
        items = self.client.get(f"{self.url}/gifts", {"unit": "a-sub"}).json()["items"]
        self.assertEqual(sorted(i["amount"] for i in items), ["300.00", "50.00"])
        logged = AccessLog.objects.filter(object_type="donation_gifts", user=t.olga)
        self.assertEqual(logged.count(), 1)
        # Another site's liaison: the gifts of a-site-1 are out of scope.
        other = make_user("site2-liaison")
        grant(other, t.a_site_2, Role.LIAISON)
        self.client.force_login(other)
        answer = self.client.get(f"{self.url}/gifts", {"unit": "a-site-1"})
        self.assertEqual(answer.status_code, 404)

    def test_bad_input_names_the_field_and_writes_nothing(self):
        t = self.t
        url = f"{self.url}/gifts"
        cases = [
            ({"unit": "a-site-1", "amount": "-5"}, "amount"),
            ({"unit": "a-site-1", "amount": "0"}, "amount"),
            ({"unit": "a-site-1", "amount": "99999999999"}, "amount"),
            ({"unit": "a-site-1", "amount": "12.345"}, "amount"),
            ({"unit": "a-site-1", "amount": 12.5}, "amount"),
            ({"unit": "a-site-1", "amount": -3}, "amount"),
            ({"unit": "nowhere", "amount": "5"}, "unit"),
            ({"unit": "a-site-1", "person": "NOBODY", "amount": "5"}, "person"),
            ({"unit": "a-site-1", "amount": "5", "day": "2019-12-31"}, "day"),
        ]
        for body, field in cases:
            with self.subTest(body=body):
                answer = self.post(t.bob, url, body)
                self.assertIn(answer.status_code, (400, 422), answer.content)
                self.assertIn(field, json.dumps(answer.json()["fields"]))
        self.assertEqual(Gift.objects.count(), 0)
        self.client.force_login(t.bob)
        missing = self.client.get("/api/v1/donations/campaigns/999/totals", {"unit": "a-site-1"})
        self.assertEqual(missing.status_code, 404)
        body = {
            "unit": "group-a",
            "name": "x",
            "recipient": "y",
            "start_day": "2020-02-05",
            "end_day": "2020-02-01",
        }
        bad = self.post(t.olga, "/api/v1/donations/campaigns", body)
        self.assertIn("end_day", bad.json()["fields"])
        self.assertEqual(Campaign.objects.count(), 1)
