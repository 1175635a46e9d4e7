"""A client that retries `POST /api/v1/incidents` (its answer lost to a database restart,
a dropped phone connection) files one incident, with one set of clocks and alerts."""

import json
from datetime import UTC, datetime, timedelta
from unittest import mock, skipIf

import time_machine
from django.db import connection
from django.test import Client, TestCase, TransactionTestCase, override_settings

from fangkong.core.testing import run_in_threads
from fangkong.incidents import api as incidents_api
from fangkong.incidents.models import Clock, Incident, IncidentEvent
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin, make_province

FOUND = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)
BODY = {
    "unit": "a-site-1",
    "kind": "suspected",
    "title": "Fever after a trip",
    "discovered_at": "2020-02-03T10:00:00+08:00",
}


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(FOUND + timedelta(minutes=5), tick=False)
class IncidentRetryTests(ProvinceMixin, TestCase):
    def post(self, body, key=None):
        self.client.force_login(self.t.bob)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            "/api/v1/incidents", json.dumps(body), content_type="application/json", headers=headers
        )

    def test_a_retry_with_the_same_key_files_one_incident(self):
        first = self.post(BODY, key="phone-1")
        self.assertEqual(first.status_code, 201, first.content)
        self.assertNotIn("Idempotent-Replayed", first)
        counts = (Incident.objects.count(), Clock.objects.count(), Message.objects.count())
        self.assertEqual(counts[0], 1)
        # The client re-serializes its retry: the same JSON in another key order.
        again = self.post(dict(reversed(BODY.items())), key="phone-1")
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(again.json(), first.json())
        self.assertEqual(
            (Incident.objects.count(), Clock.objects.count(), Message.objects.count()), counts
        )
        clash = self.post({**BODY, "title": "Something else"}, key="phone-1")
        self.assertEqual((clash.status_code, clash.json()["code"]), (409, "idempotency_key_reused"))
        # Keys belong to their user: another filer's same key is another filing.
        self.client.force_login(self.t.alice)
        other = self.client.post(
            "/api/v1/incidents",
            json.dumps(BODY),
            content_type="application/json",
            headers={"Idempotency-Key": "phone-1"},
        )
        self.assertEqual(other.status_code, 201)
        self.assertEqual(Incident.objects.count(), 2)

    def test_the_answer_is_built_from_the_filing_before_it_commits(self):
        """Seen: the answer re-read the timeline after the commit, so a database gone at
        that moment answered 500 for a filed incident, and the retry filed it again."""
        response = self.post(BODY)
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual([e["kind"] for e in body["timeline"]], ["filed"])
        self.assertEqual(len(body["clocks"]), Clock.objects.count())
        # A failure while the answer is built rolls the filing back with it: a 500 (in
        # the JSON error format) never stands for a filed incident.
        with (
            mock.patch.object(
                incidents_api.queries, "get_timeline", side_effect=RuntimeError("gone")
            ),
            self.assertLogs("django.request", "ERROR"),
        ):
            failed = self.post({**BODY, "title": "Second"})
        self.assertEqual((failed.status_code, failed.json()["code"]), (500, "server_error"))
        self.assertEqual(Incident.objects.count(), 1)
        self.assertEqual(IncidentEvent.objects.count(), 1)


@skipIf(connection.vendor == "sqlite", "SQLite's writers never run at the same moment")
@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(FOUND + timedelta(minutes=5), tick=False)
class RetryRacingTheOriginalTests(TransactionTestCase):
    def test_a_retry_sent_while_the_original_runs_files_one_incident(self):
        t = make_province()
        answers = []

        def post(n):
            client = Client()
            client.force_login(t.bob)
            response = client.post(
                "/api/v1/incidents",
                json.dumps(BODY),
                content_type="application/json",
                headers={"Idempotency-Key": "tap"},
            )
            answers.append((response.status_code, response.json()["id"]))

        run_in_threads(post)
        self.assertEqual(len(set(answers)), 1)
        self.assertEqual(answers[0][0], 201)
        self.assertEqual(Incident.objects.count(), 1)
        self.assertEqual(IncidentEvent.objects.count(), 1)
