"""Out of scope and unknown read the same (issue 10): an incident's `site` outside the
filing unit (in another group, or a unit of the filer's own elsewhere) answers exactly as
a code nobody has, translated, by API and by form."""

import json
from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase
from django.urls import reverse

from fangkong.core.errors import InvalidInput
from fangkong.incidents import services
from fangkong.incidents.models import Incident
from fangkong.orgs.testing import ProvinceMixin

FOUND = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)


@time_machine.travel(FOUND + timedelta(minutes=10), tick=False)
class SiteExistenceTests(ProvinceMixin, TestCase):
    body = {
        "unit": "a-sub",
        "kind": "fever_cluster",
        "title": "Three fevers",
        "discovered_at": "2020-02-03T10:00:00+08:00",
    }

    def post(self, body):
        self.client.force_login(self.t.alice)
        return self.client.post(
            "/api/v1/incidents", json.dumps(body), content_type="application/json"
        )

    def test_api_site_outside_reads_as_unknown(self):
        unknown = self.post(self.body | {"site": "NOPE-XYZ"})
        self.assertEqual(unknown.status_code, 400)
        self.assertEqual(unknown.json()["fields"], {"site": ["本单位及其下级单位中没有这个单位。"]})
        for site in ("b-sub", "group-b", "a-hq", "group-a"):  # another group's; own, elsewhere
            self.assertEqual(self.post(self.body | {"site": site}).content, unknown.content, site)
        # With another field wrong too, still the same answer.
        bad = self.body | {"title": " "}
        self.assertEqual(
            self.post(bad | {"site": "b-sub"}).content,
            self.post(bad | {"site": "NOPE-XYZ"}).content,
        )
        self.assertFalse(Incident.objects.exists())
        ok = self.post(self.body | {"site": "a-site-2"})
        self.assertEqual(ok.status_code, 201, ok.content)
        self.assertEqual(Incident.objects.get().site, self.t.a_site_2)

    def test_service_given_a_unit_outside_answers_the_same(self):
        args = {
            "actor": self.t.alice,
            "unit": self.t.a_sub,
            "kind": "fever_cluster",
            "title": "Three fevers",
            "discovered_at": FOUND,
        }
        answers = []
        for site in (self.t.b_sub, "b-sub", "NOPE-XYZ"):
            with self.assertRaises(InvalidInput) as caught:
                services.file_incident(**args, site=site)
            answers.append(caught.exception.as_dict())
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(answers[1], answers[2])

    def test_form_site_outside_reads_as_unknown(self):
        self.client.force_login(self.t.alice)
        data = {
            "unit": "a-sub",
            "kind": "fever_cluster",
            "title": "Three fevers",
            "discovered_at": "2020-02-03T10:00",
        }

        def errors(site):
            response = self.client.post(reverse("incidents:new"), data | {"site": site})
            return response.status_code, response.context["errors"]

        unknown = errors("NOPE-XYZ")
        self.assertEqual(unknown[1], {"site": ["本单位及其下级单位中没有这个单位。"]})
        self.assertEqual(errors("b-sub"), unknown)
        self.assertEqual(errors("a-hq"), unknown)
        self.assertFalse(Incident.objects.exists())
