"""The teams API: listing and forming teams, deployments under an Idempotency-Key; the
outsider gets 404; bad input is a 4xx naming the field, nothing written."""

import json

from django.test import TestCase

from fangkong.orgs.testing import ProvinceMixin
from fangkong.teams.models import Deployment, Team
from fangkong.teams.testing import make_team


class TeamsApiTests(ProvinceMixin, TestCase):
    def post(self, user, url, body, key=None):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            url, json.dumps(body), content_type="application/json", headers=headers
        )

    def test_list_and_form(self):
        t = self.t
        make_team(t)
        body = {
            "unit": "group-a",
            "name": "集团应急队伍",
            "kind": "emergency",
            "members": [{"person": "A001", "role": "leader", "skills": "指挥"}],
        }
        made = self.post(t.olga, "/api/v1/teams", body, key="t1")
        self.assertEqual(made.status_code, 201, made.content)
        self.assertEqual(made.json()["members"][0]["role"], "leader")
        again = self.post(t.olga, "/api/v1/teams", body, key="t1")
        self.assertEqual(again.json()["id"], made.json()["id"])
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.client.force_login(t.olga)
        listed = self.client.get("/api/v1/teams").json()
        self.assertEqual(listed["count"], 2)
        self.assertEqual(self.client.get("/api/v1/teams?unit=a-sub").json()["count"], 1)
        self.client.force_login(t.charlie)
        self.assertEqual(self.client.get("/api/v1/teams").json()["count"], 0)
        self.assertEqual(self.client.get("/api/v1/teams?unit=a-sub").status_code, 404)
        bad = self.post(
            t.olga, "/api/v1/teams", {**body, "name": "Y", "members": [{"person": "B001"}]}
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("members", bad.json()["fields"])
        bad = self.post(t.olga, "/api/v1/teams", {**body, "name": "Z", "kind": "army"})
        self.assertIn("kind", bad.json()["fields"])
        refused = self.post(t.bob, "/api/v1/teams", {**body, "unit": "a-site-1", "members": []})
        self.assertEqual(refused.status_code, 403)
        outsider = self.post(t.charlie, "/api/v1/teams", {**body, "members": []})
        self.assertEqual(outsider.json()["code"], "unknown_unit")
        self.assertEqual(Team.objects.count(), 2)

    def test_deployments(self):
        t = self.t
        team = make_team(t)
        url = f"/api/v1/teams/{team.pk}/deployments"
        body = {
            "unit": "a-site-1",
            "task": "temperature",
            "starts_on": "2020-02-01",
            "ends_on": "2020-02-05",
            "people": ["A002"],
        }
        made = self.post(t.alice, url, body, key="d1")
        self.assertEqual(made.status_code, 201, made.content)
        self.assertEqual(made.json()["people"], ["A002"])
        again = self.post(t.alice, url, body, key="d1")
        self.assertEqual(again.json()["id"], made.json()["id"])
        clash = self.post(t.alice, url, {**body, "unit": "a-site-2"})
        self.assertEqual(clash.status_code, 409)
        self.assertEqual(clash.json()["code"], "already_deployed")
        self.assertIn("people", clash.json()["fields"])
        bad = self.post(t.alice, url, {**body, "ends_on": "2020-01-01", "people": ["A003"]})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("ends_on", bad.json()["fields"])
        bad = self.post(t.alice, url, {**body, "people": ["A001"]})
        self.assertIn("people", bad.json()["fields"])
        bad = self.post(t.alice, url, {**body, "unit": "a-hq", "people": ["A003"]})
        self.assertEqual(bad.json()["code"], "unknown_unit")
        self.assertEqual(self.post(t.charlie, url, body).status_code, 404)
        # The liaison of a site does not see the subsidiary's team.
        self.assertEqual(self.post(t.bob, url, {**body, "people": ["A003"]}).status_code, 404)
        self.assertEqual(Deployment.objects.count(), 1)
