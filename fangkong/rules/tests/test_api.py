"""The rules API: a rule created and a version published (each a notice with receipts,
under an Idempotency-Key once), one's reading confirmed (twice: one row), the status of a
rule per child unit, plans and drills whose findings become rectification items; the
outsider gets 404 on every operation."""

import json

from django.test import TestCase, override_settings

from fangkong.duty.services import roster
from fangkong.inspections.models import Rectification
from fangkong.notices.models import Notice
from fangkong.orgs.testing import ProvinceMixin
from fangkong.rules import queries
from fangkong.rules.models import ContingencyPlan, ReadConfirmation, Rule
from fangkong.rules.testing import link_bob, make_rule
from fangkong.teams.models import Team

BODY = {
    "issuer": "group-a",
    "title": "十六不准",
    "category": "sixteen_bans",
    "confirm": "everyone",
    "recipients": ["group-a"],
    "body": "一、不准隐瞒疫情",
}


@override_settings(MEDIA_ROOT="/tmp/fk-rules-media")
class RuleApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        link_bob(cls.t)

    def post(self, user, url, body=None, key=None):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(url, json.dumps(body or {}), content_type="application/json",
                                headers=headers)  # fmt: skip

    def test_create_once_under_a_key_and_publish(self):
        first = self.post(self.t.olga, "/api/v1/rules", BODY, key="r1")
        self.assertEqual(first.status_code, 201, first.content)
        again = self.post(self.t.olga, "/api/v1/rules", BODY, key="r1")
        self.assertEqual(again.json(), first.json())
        self.assertEqual((Rule.objects.count(), Notice.objects.count()), (1, 1))
        rule_id = first.json()["id"]
        self.assertEqual(first.json()["current"]["number"], 1)
        v2 = self.post(self.t.olga, f"/api/v1/rules/{rule_id}/versions", {"body": "第二版"})
        self.assertEqual(v2.status_code, 201, v2.content)
        self.assertEqual(v2.json()["number"], 2)
        listed = self.client.get("/api/v1/rules?unit=a-site-1").json()
        self.assertEqual([r["current"]["number"] for r in listed["items"]], [2])
        bad = self.post(self.t.olga, "/api/v1/rules", BODY | {"category": "x", "recipients": []})
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(set(bad.json()["fields"]), {"category", "recipients"})

    def test_confirm_and_status(self):
        rule = make_rule(self.t)
        version = queries.current_version(rule)
        url = f"/api/v1/rules/versions/{version.pk}/confirm"
        first = self.post(self.t.bob, url)
        self.assertEqual(first.status_code, 200, first.content)
        self.assertTrue(first.json()["created"])
        second = self.post(self.t.bob, url)
        self.assertFalse(second.json()["created"])
        self.assertEqual(ReadConfirmation.objects.count(), 1)
        self.assertEqual(self.post(self.t.alice, url).status_code, 403)  # no person
        self.client.force_login(self.t.olga)
        status = self.client.get(f"/api/v1/rules/{rule.pk}/status").json()
        self.assertEqual(status["acknowledgement"]["recipients"], 4)
        self.assertEqual(status["reading"], {"unit": "group-a", "name": "Unit group-a",
                                             "people": 3, "confirmed": 1, "rate": 33})  # fmt: skip
        self.assertEqual([p["unit"] for p in status["not_confirmed"]], ["a-hq", "a-site-2"])
        self.assertEqual(
            {c["unit"]: c["confirmed"] for c in status["reading_children"]},
            {"a-hq": 0, "a-sub": 1},
        )

    def test_plans_and_drills(self):
        team = Team.objects.create(
            unit=self.t.group_a, unit_path=self.t.group_a.path, name="应急队伍", kind="emergency"
        )
        roster.save_room(actor=self.t.root, unit=self.t.group_a, name="总值班室")
        body = {"unit": "a-sub", "title": "应急预案",
                "roles": [{"name": "现场处置组", "team": team.pk, "duty_room": "group-a"}]}  # fmt: skip
        plan = self.post(self.t.alice, "/api/v1/plans", body, key="p1")
        self.assertEqual(plan.status_code, 201, plan.content)
        self.assertEqual(plan.json()["roles"][0]["duty_room_name"], "总值班室")
        drill = self.post(
            self.t.alice, f"/api/v1/plans/{plan.json()['id']}/drills",
            {"day": str(self.t.a_sub.local_date()), "scenario": "发热处置", "participants": 9,
             "findings": [{"title": "隔离室消毒液不足", "severity": "serious", "unit": "a-site-1"}]},
            key="d1",
        )  # fmt: skip
        self.assertEqual(drill.status_code, 201, drill.content)
        rect = Rectification.objects.get()
        self.assertEqual(drill.json()["findings"][0]["rectification"], rect.pk)
        self.assertEqual(rect.unit, self.t.a_site_1)
        listed = self.client.get("/api/v1/plans?unit=group-a").json()
        self.assertEqual([(p["title"], p["drills"]) for p in listed["items"]], [("应急预案", 1)])

    def test_a_unit_acknowledges_the_current_version(self):
        rule = make_rule(self.t)
        version = queries.current_version(rule)
        url = f"/api/v1/rules/{rule.pk}/ack"
        first = self.post(self.t.bob, url, {"reply": "已传达学习"}, key="ack-1")
        self.assertEqual(first.status_code, 200, first.content)
        self.assertEqual(first.json()["version"], version.number)
        self.assertEqual(first.json()["units"], ["a-site-1"])
        receipt = version.notice.receipts.get(unit=self.t.a_site_1)
        self.assertIsNotNone(receipt.acked_at)
        self.assertEqual(receipt.reply, "已传达学习")
        again = self.post(self.t.bob, url, {"reply": "已传达学习"}, key="ack-1")
        self.assertEqual(again.json(), first.json())
        self.client.force_login(self.t.olga)
        status = self.client.get(f"/api/v1/rules/{rule.pk}/status").json()
        self.assertEqual(status["acknowledgement"]["acknowledged"], 1)

    def test_outsider_gets_404_on_every_operation(self):
        rule = make_rule(self.t)
        version = queries.current_version(rule)
        plan = ContingencyPlan.objects.create(
            unit=self.t.a_sub, unit_path=self.t.a_sub.path, title="预案", created_by=self.t.alice
        )
        day = str(self.t.a_sub.local_date())
        self.client.force_login(self.t.charlie)
        for url in ("/api/v1/rules?unit=group-a", f"/api/v1/rules/{rule.pk}/status",
                    "/api/v1/plans?unit=a-sub"):  # fmt: skip
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        for url, body in (
            ("/api/v1/rules", BODY),
            (f"/api/v1/rules/{rule.pk}/versions", {"body": "x"}),
            (f"/api/v1/rules/versions/{version.pk}/confirm", {}),
            (f"/api/v1/rules/{rule.pk}/ack", {}),
            ("/api/v1/plans", {"unit": "a-sub", "title": "x"}),
            (f"/api/v1/plans/{plan.pk}/drills", {"day": day, "scenario": "x"}),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.post(self.t.charlie, url, body).status_code, 404)
        self.assertEqual(Rule.objects.count(), 1)
