"""The inspections API: visits planned and answered (all or nothing), findings become
items, fix with evidence and verification by someone else, Idempotency-Key honoured;
bad input is a 4xx naming the field with nothing written; outsiders get 404."""

import base64
import json

from django.test import TestCase

from fangkong.inspections.models import Answer, Rectification, RectificationEvent, Visit
from fangkong.inspections.testing import install_checklists, make_community, make_inspector
from fangkong.orgs.testing import ProvinceMixin

JPEG = {"name": "gun.jpg", "data": base64.b64encode(b"\xff\xd8\xff\xe0 jpeg").decode()}


class InspectionsApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_checklists()
        super().setUpTestData()
        cls.ivan = make_inspector(cls.t)
        make_community(cls.t)

    def post(self, user, url, body, key=None):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.post(
            f"/api/v1{url}", json.dumps(body), content_type="application/json", headers=headers
        )

    def get(self, user, url, params=None):
        self.client.force_login(user)
        return self.client.get(f"/api/v1{url}", params or {})

    def plan(self):
        r = self.post(self.ivan, "/inspections", {"unit": "a-comm"}, key="v1")
        self.assertEqual(r.status_code, 201, r.content)
        return r.json()

    def all_answers(self, visit, fail=("thermometers",)):
        answers = []
        for a in visit["answers"]:
            failed = a["item"] in fail
            one = {"item": a["item"], "result": "fail" if failed else "pass"}
            if a["kind"] == "number":
                one["number"] = 4
            if a["kind"] == "text":
                one["text"] = "无"
            if failed:
                one |= {"note": "只有1把", "photos": [JPEG]}
            answers.append(one)
        return answers

    def finished(self):
        visit = self.plan()
        r = self.post(
            self.ivan,
            f"/inspections/{visit['id']}/answers",
            {"answers": self.all_answers(visit), "finish": True},
        )
        self.assertEqual(r.status_code, 200, r.content)
        return r.json()

    def test_plan_retry_and_list(self):
        first = self.plan()
        self.assertEqual(first["checklist"], "community")
        self.assertEqual(self.plan(), first)  # the same key: planned once
        self.assertEqual(Visit.objects.count(), 1)
        r = self.post(self.t.olga, "/inspections", {"unit": "a-comm"})
        self.assertEqual(r.json()["others_this_week"][0]["day"], first["day"])
        self.assertEqual(
            self.get(self.t.olga, "/inspections", {"unit": "group-a"}).json()["count"], 2
        )
        self.assertEqual(self.get(self.t.charlie, "/inspections").json()["count"], 0)

    def test_answers_all_or_nothing_naming_the_answer(self):
        visit = self.plan()
        answers = [
            {"item": "plan", "result": "pass"},
            {"item": "thermometers", "result": "fail"},  # no photo
        ]
        r = self.post(self.ivan, f"/inspections/{visit['id']}/answers", {"answers": answers})
        self.assertEqual(r.status_code, 400)
        self.assertIn("answers.1.photos", r.json()["fields"])
        self.assertFalse(Answer.objects.exists())

    def test_finish_makes_items_then_fix_and_verify(self):
        t = self.t
        visit = self.finished()
        self.assertEqual(visit["state"], "done")
        [rect_id] = visit["rectifications"]
        r = self.get(t.olga, "/rectifications", {"unit": "group-a", "state": "open"})
        self.assertEqual([x["id"] for x in r.json()["items"]], [rect_id])
        self.assertEqual(r.json()["items"][0]["title"], "体温枪配备充足")
        # Closing without evidence: 400 naming the fields, nothing written.
        r = self.post(t.lily, f"/rectifications/{rect_id}/fix", {"note": " ", "photos": []})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(set(r.json()["fields"]), {"note", "photos"})
        self.assertEqual(RectificationEvent.objects.filter(action="fixed").count(), 0)
        r = self.post(
            t.lily, f"/rectifications/{rect_id}/supply-request", {"quantity": 2}, key="s1"
        )
        self.assertEqual(r.status_code, 201, r.content)
        self.assertIsNotNone(r.json()["supply_request"])
        body = {"note": "已配发体温枪2把", "photos": [JPEG]}
        r = self.post(t.lily, f"/rectifications/{rect_id}/fix", body, key="f1")
        self.assertEqual(r.json()["state"], "fixed")
        again = self.post(t.lily, f"/rectifications/{rect_id}/fix", body, key="f1")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again["Idempotent-Replayed"], "true")
        # The fixer never verifies.
        r = self.post(t.lily, f"/rectifications/{rect_id}/verify", {"accepted": True})
        self.assertIn(r.status_code, (400, 403))
        r = self.post(t.olga, f"/rectifications/{rect_id}/verify", {"accepted": True}, key="v")
        self.assertEqual(r.json()["state"], "closed")
        r = self.get(t.olga, "/rectifications", {"unit": "a-comm", "state": "closed"})
        self.assertEqual(r.json()["count"], 1)

    def test_verification_by_the_fixer_names_the_field(self):
        t = self.t
        [rect_id] = self.finished()["rectifications"]
        self.post(t.olga, f"/rectifications/{rect_id}/fix", {"note": "已补齐", "photos": [JPEG]})
        r = self.post(t.olga, f"/rectifications/{rect_id}/verify", {"accepted": True})
        self.assertEqual(r.status_code, 400)
        self.assertEqual(r.json()["code"], "fixer_verifies")
        self.assertIn("verified_by", r.json()["fields"])
        self.assertEqual(Rectification.objects.get().state, "fixed")

    def test_bad_input(self):
        visit = self.plan()
        r = self.post(self.ivan, "/inspections", {"unit": "nowhere"})
        self.assertEqual(r.json()["code"], "unknown_unit")
        r = self.post(
            self.ivan,
            f"/inspections/{visit['id']}/answers",
            {
                "answers": [
                    {"item": "plan", "result": "fail", "photos": [{"name": "a.jpg", "data": "%%"}]}
                ]
            },
        )
        self.assertIn("answers.0.photos.0.data", r.json()["fields"])
        r = self.get(self.t.olga, "/rectifications", {"unit": "group-a", "state": "lost"})
        self.assertIn("state", r.json()["fields"])

    def test_outsiders_get_404(self):
        t = self.t
        visit = self.finished()
        [rect_id] = visit["rectifications"]
        c = t.charlie
        self.assertEqual(self.get(c, f"/inspections/{visit['id']}").status_code, 404)
        self.assertEqual(self.get(c, "/rectifications", {"unit": "group-a"}).status_code, 404)
        self.assertEqual(self.get(c, "/inspections", {"unit": "a-comm"}).status_code, 404)
        for url, body in (
            (f"/inspections/{visit['id']}/answers", {"answers": []}),
            (f"/rectifications/{rect_id}/fix", {"note": "x", "photos": [JPEG]}),
            (f"/rectifications/{rect_id}/verify", {"accepted": True}),
            (f"/rectifications/{rect_id}/supply-request", {"quantity": 1}),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.post(c, url, body).status_code, 404)
