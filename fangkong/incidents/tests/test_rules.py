"""The seeds' rules on incidents (issue 9, item 7): the filer cannot close alone, closing
never marks unmet clocks as met, every level is told; a health case and its incident are
one story."""

import json
from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.core.testing import run_followups
from fangkong.health.services import cases as health_cases
from fangkong.health.services import checkins
from fangkong.incidents import services, sweeps
from fangkong.incidents.models import Clock, Incident
from fangkong.notify.models import Message
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user

FOUND = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@override_settings(LANGUAGE_CODE="en")
class ClosingTests(ProvinceMixin, TestCase):
    def file(self, kind="confirmed", **extra):
        args = {
            "actor": self.t.bob,
            "unit": self.t.a_site_1,
            "kind": kind,
            "title": "Confirmed case at the station",
            "discovered_at": FOUND,
            "now": FOUND + timedelta(minutes=1),
        } | extra
        return services.file_incident(**args)

    def test_the_filer_cannot_close_alone_and_unmet_clocks_stay_unmet(self):
        t = self.t
        incident = self.file()
        one_second = FOUND + timedelta(minutes=1, seconds=1)
        # Seen: the liaison closed its own confirmed case as a false report a second later.
        with self.assertRaises(PermissionDeniedInScope):
            services.close_incident(
                actor=t.bob,
                incident=incident,
                outcome="false_report",
                reason="mistake",
                now=one_second,
            )
        # The group is a receiving level, but a case must reach the SASAC: not the group's call.
        services.acknowledge(actor=t.alice, incident=incident, now=one_second)
        with self.assertRaises(PermissionDeniedInScope):
            services.close_incident(
                actor=t.alice,
                incident=incident,
                outcome="false_report",
                reason="mistake",
                now=one_second,
            )
        with self.assertRaises(InvalidInput) as ctx:
            services.close_incident(
                actor=t.sasac,
                incident=incident,
                outcome="false_report",
                reason="  ",
                now=one_second,
            )
        self.assertIn("reason", ctx.exception.fields)
        Message.objects.all().delete()
        closed_at = FOUND + timedelta(minutes=20)  # phone (15 min) and acks (16) overdue by now
        services.close_incident(
            actor=t.sasac,
            incident=incident,
            outcome="false_report",
            reason="Test result negative",
            now=closed_at,
        )
        incident.refresh_from_db()
        self.assertEqual(
            (incident.state, incident.outcome, incident.closed_by),
            ("closed", "false_report", t.sasac),
        )
        met = {(c.kind, c.unit.code): c.met_at for c in incident.clocks.select_related("unit")}
        self.assertIsNotNone(met[("ack", "group-a")])
        # Phone, written and the other acknowledgements were never done: still not done.
        self.assertEqual(
            sorted(k for k, at in met.items() if at is None),
            [("ack", "a-sub"), ("ack", "province"), ("phone", "a-site-1"), ("written", "a-site-1")],
        )
        self.assertEqual(
            Clock.objects.filter(
                incident=incident, met_at__isnull=True, cancelled_at=closed_at
            ).count(),
            4,
        )
        # Overdue at closing: their lateness stays in the ledger (not the written report).
        from fangkong.accountability.models import Entry

        self.assertEqual(
            sorted(
                Entry.objects.filter(kind="incident_late").values_list("unit__code", "facts__clock")
            ),
            [("a-site-1", "phone"), ("a-sub", "ack"), ("province", "ack")],
        )
        # The sweep does not escalate the clocks of a closed incident.
        self.assertEqual(sweeps.escalate_due(now=FOUND + timedelta(hours=2))["escalated"], 0)
        # Every level is told, the filer too.
        told = set(
            Message.objects.filter(subject__startswith="[Incident closed]").values_list(
                "recipient__username", flat=True
            )
        )
        self.assertEqual(told, {"alice", "olga", "sasac", "bob"})
        closed = incident.events.get(kind="closed")
        self.assertIn("Test result negative", closed.text)
        self.assertIn("False report", closed.text)

    def test_a_group_kind_is_closed_by_a_level_above_that_has_signed(self):
        t = self.t
        sub_admin = make_user("sub-admin")
        grant(sub_admin, t.a_sub, Role.UNIT_ADMIN)
        incident = self.file(kind="fever_cluster", title="Two fevers")
        self.assertEqual(incident.target_unit, t.group_a)
        self.assertFalse(services.may_close(t.bob, incident))
        self.assertFalse(services.may_close(sub_admin, incident))  # not signed yet
        self.assertTrue(services.may_close(t.olga, incident))  # the level it must reach
        services.acknowledge(actor=sub_admin, incident=incident, now=FOUND + timedelta(minutes=3))
        self.assertTrue(services.may_close(sub_admin, incident))
        self.assertFalse(services.may_close(t.charlie, incident))
        services.close_incident(
            actor=sub_admin,
            incident=incident,
            outcome="resolved",
            reason="Both at home, normal",
            now=FOUND + timedelta(minutes=4),
        )
        self.assertEqual(Incident.objects.get(pk=incident.pk).state, "closed")

    def test_close_through_the_api(self):
        t = self.t
        with time_machine.travel(FOUND + timedelta(minutes=2), tick=False):
            incident = self.file(now=None)
            url = f"/api/v1/incidents/{incident.pk}/close"
            body = {"outcome": "false_report", "reason": "Negative"}

            def post(user, data=body):
                self.client.force_login(user)
                return self.client.post(url, json.dumps(data), content_type="application/json")

            forbidden = post(t.bob)
            self.assertEqual(forbidden.status_code, 403)
            self.assertEqual(forbidden.json()["code"], "forbidden")
            self.assertEqual(post(t.alice).status_code, 403)  # sees it, may not close it
            self.assertEqual(post(t.charlie).status_code, 404)  # an outsider
            self.assertEqual(post(t.sasac, {"outcome": "nope", "reason": "x"}).status_code, 422)
            self.assertEqual(post(t.sasac, {"outcome": "resolved", "reason": " "}).status_code, 400)
            done = post(t.sasac)
            self.assertEqual(done.status_code, 200, done.content)
            data = done.json()
            self.assertEqual((data["state"], data["outcome"]), ("closed", "false_report"))
            self.assertTrue(all(c["met_at"] is None and c["cancelled_at"] for c in data["clocks"]))
            again = post(t.sasac)
            self.assertEqual((again.status_code, again.json()["code"]), (409, "incident_closed"))

    def test_the_page_shows_the_close_form_only_to_those_who_may_close(self):
        t = self.t
        with time_machine.travel(FOUND + timedelta(minutes=2), tick=False):
            incident = self.file(now=None)
            detail = reverse("incidents:detail", args=[incident.pk])
            self.client.force_login(t.bob)
            self.assertNotContains(self.client.get(detail), 'data-testid="close-form"')
            refused = self.client.post(
                reverse("incidents:close", args=[incident.pk]),
                {"outcome": "false_report", "reason": "x"},
                follow=True,
            )
            self.assertContains(refused, "Only the level this incident must reach")
            self.assertEqual(Incident.objects.get(pk=incident.pk).state, "open")
            self.client.force_login(t.sasac)
            self.assertContains(self.client.get(detail), 'data-testid="close-form"')
            self.client.post(
                reverse("incidents:close", args=[incident.pk]),
                {"outcome": "false_report", "reason": "Negative"},
            )
            page = self.client.get(detail)
            self.assertNotContains(page, 'data-testid="close-form"')
            # Unmet clocks read "not done", never a time; the levels that never signed too.
            self.assertContains(page, 'data-testid="not-met"', count=5)
            self.assertContains(page, "not acknowledged before closing", count=3)
            self.assertContains(page, "Negative")


@override_settings(LANGUAGE_CODE="en")
class CaseAndIncidentTests(ProvinceMixin, TestCase):
    def fever_case(self):
        t = self.t
        link = checkins.issue_links(actor=t.root, people=[t.p_site_1])[0]
        checkins.check_in_self(link=link, raw={"temperature": "38.4"})
        return t.p_site_1.health_cases.get()

    def test_a_case_result_joins_the_incident_filed_by_hand(self):
        t = self.t
        with time_machine.travel(FOUND, tick=False):
            by_hand = services.file_incident(
                actor=t.bob,
                unit=t.a_site_1,
                kind="suspected",
                title="Suspected case",
                discovered_at=FOUND,
                people=[t.p_site_1.pk],
            )
            case = self.fever_case()  # opened after the filing: the person's open case
        with time_machine.travel(FOUND + timedelta(hours=1), tick=False):
            health_cases.advance_case(actor=t.bob, case=case, state="result", result="suspected")
            run_followups()
        # Seen: a second incident, both notifying the SASAC.
        self.assertEqual(Incident.objects.count(), 1)
        by_hand.refresh_from_db()
        self.assertEqual(by_hand.health_case, case)
        self.assertTrue(by_hand.events.filter(kind="case_linked").exists())
        self.assertEqual(Message.objects.filter(topic="incident", recipient=t.sasac).count(), 1)

    def test_filing_by_hand_links_the_persons_open_case(self):
        t = self.t
        with time_machine.travel(FOUND, tick=False):
            case = self.fever_case()
            incident = services.file_incident(
                actor=t.bob,
                unit=t.a_site_1,
                kind="suspected",
                title="Suspected case",
                discovered_at=FOUND,
                people=[t.p_site_1.pk],
            )
            self.assertEqual(incident.health_case, case)
            kinds = list(incident.events.values_list("kind", flat=True))
            self.assertEqual(kinds, ["filed", "case_linked"])
            health_cases.advance_case(actor=t.bob, case=case, state="result", result="confirmed")
            run_followups()
        self.assertEqual(Incident.objects.count(), 1)

    def test_a_confirmed_result_raises_the_incident_and_tells_its_levels(self):
        t = self.t
        with time_machine.travel(FOUND, tick=False):
            incident = services.file_incident(
                actor=t.bob,
                unit=t.a_site_1,
                kind="suspected",
                title="Suspected case",
                discovered_at=FOUND,
                people=[t.p_site_1.pk],
            )
            case = self.fever_case()
            health_cases.advance_case(actor=t.bob, case=case, state="result", result="confirmed")
            run_followups()
        incident.refresh_from_db()
        self.assertEqual((incident.kind, incident.health_case), ("confirmed", case))
        self.assertTrue(
            Message.objects.filter(recipient=t.sasac, subject__contains="Now a confirmed").exists()
        )

    def test_another_kind_naming_the_person_is_not_the_case_incident(self):
        t = self.t
        with time_machine.travel(FOUND, tick=False):
            contact = services.file_incident(
                actor=t.bob,
                unit=t.a_site_1,
                kind="close_contact",
                title="Contact",
                discovered_at=FOUND,
                people=[t.p_site_1.pk],
            )
            case = self.fever_case()
            health_cases.advance_case(actor=t.bob, case=case, state="result", result="suspected")
            run_followups()
        self.assertEqual(Incident.objects.count(), 2)
        contact.refresh_from_db()
        self.assertIsNone(contact.health_case)
