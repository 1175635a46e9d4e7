import json
import shutil
import tempfile
from datetime import UTC, datetime, timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.accountability.models import Entry
from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.core.models import FollowUp
from fangkong.core.testing import run_followups
from fangkong.health.services import cases as health_cases
from fangkong.health.services import checkins
from fangkong.incidents import services, sweeps
from fangkong.incidents.models import Clock, Incident
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin

FOUND = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@override_settings(LANGUAGE_CODE="en")
class IncidentTests(ProvinceMixin, TestCase):
    def file(self, **extra):
        args = {
            "actor": self.t.bob,
            "unit": self.t.a_site_1,
            "kind": "suspected",
            "title": "Fever and cough after a trip",
            "discovered_at": FOUND,
            "now": FOUND + timedelta(minutes=5),
        } | extra
        return services.file_incident(**args)

    def test_filing_sets_the_clocks_and_tells_every_level_up_to_the_sasac(self):
        t = self.t
        incident = self.file()
        self.assertEqual(incident.target_unit, t.province)
        self.assertEqual(
            [r.unit for r in incident.receipts.all()], [t.a_sub, t.group_a, t.province]
        )
        clocks = {(c.kind, c.unit_id): c.due_at for c in incident.clocks.all()}
        self.assertEqual(clocks[("phone", t.a_site_1.pk)], FOUND + timedelta(minutes=15))
        self.assertEqual(clocks[("written", t.a_site_1.pk)], FOUND + timedelta(minutes=30))
        self.assertEqual(clocks[("ack", t.group_a.pk)], FOUND + timedelta(minutes=20))
        told = set(
            Message.objects.filter(topic="incident").values_list("recipient__username", flat=True)
        )
        self.assertEqual(told, {"alice", "olga", "sasac"})  # the officers of each level

    def test_a_late_clock_escalates_once_and_makes_an_accountability_entry(self):
        t = self.t
        incident = self.file()
        services.record_phone_report(
            actor=t.bob,
            incident=incident,
            caller="bob",
            callee="a-sub duty",
            called_at=FOUND + timedelta(minutes=6),
            now=FOUND + timedelta(minutes=6),
        )
        later = FOUND + timedelta(minutes=31)
        first = sweeps.escalate_due(now=later)
        again = sweeps.escalate_due(now=later)
        # the written report (a-site-1) and three acknowledgements are late; the phone was not
        self.assertEqual((first["escalated"], again["escalated"]), (4, 0))
        late_units = set(
            Entry.objects.filter(kind="incident_late").values_list("unit__code", flat=True)
        )
        self.assertEqual(late_units, {"a-site-1", "a-sub", "group-a", "province"})
        kinds = list(incident.events.values_list("kind", flat=True))
        self.assertEqual(kinds.count("escalated"), 4)
        self.assertIn("phone", kinds)

    def test_only_a_receiving_level_acknowledges(self):
        t = self.t
        incident = self.file()
        with self.assertRaises(PermissionDeniedInScope):
            services.acknowledge(actor=t.bob, incident=incident)  # the reporter itself
        receipt = services.acknowledge(
            actor=t.alice,
            incident=incident,
            note="Isolate at once",
            now=FOUND + timedelta(minutes=8),
        )
        self.assertEqual(receipt.unit, t.group_a)
        clock = Clock.objects.get(incident=incident, kind="ack", unit=t.group_a)
        self.assertIsNotNone(clock.met_at)
        self.assertTrue(incident.events.filter(kind="ack", text="Isolate at once").exists())
        self.assertTrue(Message.objects.filter(subject__startswith="[Instruction]").exists())

    def test_bad_discovery_times(self):
        with self.assertRaises(InvalidInput) as ctx:
            self.file(discovered_at=FOUND + timedelta(hours=1))
        self.assertIn("future", str(ctx.exception.fields["discovered_at"][0]))
        old = self.file(discovered_at=FOUND - timedelta(days=3))
        self.assertTrue(old.late_discovery)
        self.assertTrue(old.events.filter(kind="late_discovery").exists())
        with self.assertRaises(PermissionDeniedInScope):
            self.file(actor=self.t.charlie)

    def test_a_suspected_health_case_opens_an_incident_by_itself(self):
        t = self.t
        with time_machine.travel(FOUND, tick=False):
            link = checkins.issue_links(actor=t.root, people=[t.p_site_1])[0]
            checkins.check_in_self(link=link, raw={"temperature": "38.4"})
            case = t.p_site_1.health_cases.get()
            health_cases.advance_case(actor=t.bob, case=case, state="result", result="suspected")
        # Committed with the result, before any worker ran: a crash here loses nothing.
        waiting = FollowUp.objects.get(handler="incidents.open_from_case")
        self.assertEqual((waiting.state, waiting.payload), ("pending", {"case_id": case.pk}))
        self.assertFalse(Incident.objects.filter(health_case=case).exists())
        self.assertEqual(run_followups(), {"done": 1})
        incident = Incident.objects.get(health_case=case)
        self.assertEqual((incident.kind, incident.unit), ("suspected", t.a_site_1))
        self.assertEqual(list(incident.people.all()), [t.p_site_1])


@override_settings(LANGUAGE_CODE="en")
class IncidentApiAndPageTests(ProvinceMixin, TestCase):
    def setUp(self):
        self.media = tempfile.mkdtemp(prefix="fk-media-")  # attachments land here
        self.addCleanup(shutil.rmtree, self.media, True)

    def post(self, url, body):
        return self.client.post(url, json.dumps(body), content_type="application/json")

    def test_file_ack_and_read_through_the_api(self):
        t = self.t
        self.client.force_login(t.bob)
        body = {
            "unit": "a-site-1",
            "kind": "fever_cluster",
            "title": "Three fevers",
            "discovered_at": "2020-02-03T10:00:00+08:00",
            "people": ["A002"],
            "phone": {"called_at": "2020-02-03T10:05:00+08:00", "caller": "bob", "callee": "a-sub"},
        }
        with time_machine.travel(FOUND + timedelta(minutes=10), tick=False):
            response = self.post("/api/v1/incidents", body)
            self.assertEqual(response.status_code, 201, response.content)
            incident = response.json()
            self.assertEqual(incident["target"], "group-a")
            # in the order things happened: the call came before the filing (先电话)
            self.assertEqual([e["kind"] for e in incident["timeline"]], ["phone", "filed"])
            url = f"/api/v1/incidents/{incident['id']}"
            self.assertEqual(self.post(f"{url}/ack", {}).status_code, 403)
            written = self.post(f"{url}/written-report", {"text": "All three isolated."})
            self.assertEqual(written.status_code, 200)
            with self.settings(MEDIA_ROOT=self.media):
                upload = self.client.post(
                    f"{url}/written-report",
                    {
                        "text": "Lab results attached.",
                        "files": [SimpleUploadedFile("results.pdf", b"%PDF-1.4 test")],
                    },
                )
            self.assertEqual(upload.status_code, 200, upload.content)
            self.assertEqual(
                [e["text"] for e in upload.json()["timeline"] if e["kind"] == "written"][-1],
                "Written report filed (1 attachments).",
            )
            self.client.force_login(t.alice)
            acked = self.post(f"{url}/ack", {"note": "Keep me informed"})
            self.assertEqual(acked.status_code, 200)
            self.assertIsNotNone(acked.json()["receipts"][1]["acknowledged_at"])
            self.assertEqual(self.client.get("/api/v1/incidents?unit=group-a").json()["count"], 1)
            self.client.force_login(t.charlie)
            self.assertEqual(self.client.get(url).status_code, 404)
            self.assertEqual(self.post("/api/v1/incidents", body).status_code, 404)
            future = {**body, "discovered_at": "2020-02-04T10:00:00+08:00", "phone": None}
            self.client.force_login(t.bob)
            self.assertEqual(self.post("/api/v1/incidents", future).status_code, 400)

    def test_board_and_timeline_pages(self):
        t = self.t
        with time_machine.travel(FOUND + timedelta(minutes=5), tick=False):
            incident = services.file_incident(
                actor=t.bob,
                unit=t.a_site_1,
                kind="suspected",
                title="Suspected case",
                discovered_at=FOUND,
            )
        with time_machine.travel(FOUND + timedelta(minutes=40), tick=False):
            sweeps.escalate_due()
            self.client.force_login(t.olga)
            board = self.client.get(reverse("incidents:board") + "?state=overdue")
            self.assertContains(board, "Suspected case")
            detail = self.client.get(reverse("incidents:detail", args=[incident.pk]))
            self.assertContains(detail, 'data-kind="escalated"')
            self.assertContains(detail, 'data-testid="ack"')  # olga is the office of group-a
            self.client.force_login(t.charlie)
            self.assertEqual(
                self.client.get(reverse("incidents:detail", args=[incident.pk])).status_code, 404
            )


@override_settings(LANGUAGE_CODE="zh-hans")
class RecipientLanguageTests(ProvinceMixin, TestCase):
    def test_each_recipient_reads_the_alert_in_their_language(self):
        from fangkong.core.models import UserProfile

        t = self.t
        UserProfile.objects.create(user=t.alice, language="en")
        services.file_incident(
            actor=t.bob,
            unit=t.a_site_1,
            kind="suspected",
            title="X",
            discovered_at=FOUND,
            now=FOUND + timedelta(minutes=1),
        )
        alice = Message.objects.get(topic="incident", recipient=t.alice).subject
        olga = Message.objects.get(topic="incident", recipient=t.olga).subject
        self.assertTrue(alice.startswith("[Incident] Suspected case"), alice)
        self.assertFalse(olga.startswith("[Incident]"), olga)


@override_settings(LANGUAGE_CODE="en")
class PeopleNamedTests(ProvinceMixin, TestCase):
    def test_people_are_named_by_employee_number_within_the_units_group(self):
        from fangkong.incidents.queries import find_people

        t = self.t
        self.assertEqual(find_people(t.root, t.a_site_1, ["A002", " "]), [t.p_site_1.pk])
        with self.assertRaises(InvalidInput) as ctx:
            find_people(t.root, t.a_site_1, ["A002", "B001"])  # B001 is in group-b
        self.assertEqual(ctx.exception.code, "unknown_person")
        self.assertIn("B001", str(ctx.exception.fields["people"][0]))
