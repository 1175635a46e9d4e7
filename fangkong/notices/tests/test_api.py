"""The notices API: issue, receipts per subtree, read, acknowledge, remind, forward; an
outsider gets 404, bad input a 4xx naming the field, nothing half-written."""

import json

from django.test import TestCase

from fangkong.notices.models import Notice, Receipt
from fangkong.notices.testing import make_leaders, sasac_notice
from fangkong.orgs.testing import ProvinceMixin


class NoticesApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_leaders(cls.t)

    def call(self, user, method, path, body=None, **headers):
        self.client.force_login(user)
        kwargs = {"content_type": "application/json", **headers}
        if body is not None:
            kwargs["data"] = json.dumps(body)
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def test_issue_by_a_leader_then_read_ack_and_receipts(self):
        t = self.t
        response = self.call(
            t.leo,
            "post",
            "/notices",
            {
                "kind": "order",
                "title": "集团疫情防控领导小组令",
                "body": "<p>令</p>",
                "recipients": ["a-sub"],
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        notice = response.json()
        self.assertEqual(
            (notice["state"], notice["issuer"], notice["receipts"]), ("issued", "group-a", 3)
        )
        nid = notice["id"]
        self.assertEqual(self.call(t.bob, "post", f"/notices/{nid}/read").json(), {"marked": 1})
        acked = self.call(t.bob, "post", f"/notices/{nid}/ack", {"reply": "已落实"})
        self.assertEqual(acked.status_code, 200, acked.content)
        self.assertEqual([(r["unit"], r["reply"]) for r in acked.json()], [("a-site-1", "已落实")])
        receipts = self.call(t.olga, "get", f"/notices/{nid}/receipts?unit=a-sub").json()
        self.assertEqual((receipts["tally"]["total"], receipts["tally"]["acked"]), (3, 1))
        self.assertEqual(
            [(c["unit"], c["total"], c["acked"]) for c in receipts["children"]],
            [("a-site-1", 1, 1), ("a-site-2", 1, 0)],
        )
        self.assertEqual(receipts["receipts"]["count"], 3)
        # the outsider: 404 on everything, acknowledging too
        for method, path in (
            ("get", f"/notices/{nid}"),
            ("get", f"/notices/{nid}/receipts"),
            ("post", f"/notices/{nid}/ack"),
            ("post", f"/notices/{nid}/read"),
            ("post", f"/notices/{nid}/remind"),
            ("post", f"/notices/{nid}/forward"),
        ):
            with self.subTest(path=path):
                body = {} if method == "post" else None
                self.assertEqual(self.call(t.charlie, method, path, body).status_code, 404)
        self.assertEqual(self.call(t.charlie, "get", "/notices").json()["count"], 0)

    def test_a_notice_to_no_one_and_bad_fields(self):
        t = self.t
        response = self.call(
            t.olga, "post", "/notices", {"kind": "notice", "title": "x", "recipients": []}
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("recipients", response.json()["fields"])
        response = self.call(
            t.olga, "post", "/notices", {"kind": "memo", "title": "x", "recipients": ["a-sub"]}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("kind", response.json()["fields"])
        response = self.call(
            t.olga, "post", "/notices", {"kind": "notice", "title": "x", "recipients": ["nowhere"]}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "unknown_unit")
        self.assertFalse(Notice.objects.exists())
        # pending without a leader: no receipts yet
        response = self.call(
            t.olga, "post", "/notices", {"kind": "notice", "title": "x", "recipients": ["a-sub"]}
        )
        self.assertEqual(response.json()["state"], "pending")
        self.assertFalse(Receipt.objects.exists())

    def test_remind_rate_limited_and_forward_rolls_up(self):
        t = self.t
        notice = sasac_notice(t)
        first = self.call(t.sasac, "post", f"/notices/{notice.pk}/remind")
        self.assertEqual(first.status_code, 200, first.content)
        self.assertEqual(first.json()["level"], 1)
        again = self.call(t.sasac, "post", f"/notices/{notice.pk}/remind")
        self.assertEqual(again.status_code, 429, again.content)
        self.assertEqual(again.json()["code"], "too_soon")
        self.assertIn("Retry-After", again.headers)
        forward = self.call(
            t.olga,
            "post",
            f"/notices/{notice.pk}/forward",
            {"unit": "group-a", "cover_note": "请各单位认真落实"},
        )
        self.assertEqual(forward.status_code, 201, forward.content)
        self.assertEqual(forward.json()["original"], notice.pk)
        fid = forward.json()["id"]
        self.assertEqual(self.call(t.bob, "post", f"/notices/{fid}/ack", {}).status_code, 200)
        receipts = self.call(t.sasac, "get", f"/notices/{notice.pk}/receipts").json()
        self.assertEqual((receipts["tally"]["total"], receipts["tally"]["acked"]), (6, 2))
        # idempotent ack: the same key answers the same
        key = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
        one = self.call(t.bob, "post", f"/notices/{fid}/ack", {"reply": "好"}, **key)
        two = self.call(t.bob, "post", f"/notices/{fid}/ack", {"reply": "好"}, **key)
        self.assertEqual(one.json(), two.json())

    def test_reply_after_withdrawal_is_refused(self):
        t = self.t
        notice = sasac_notice(t)
        from fangkong.notices import services

        services.withdraw_notice(actor=t.sasac, notice=notice)
        response = self.call(t.alice, "post", f"/notices/{notice.pk}/ack", {"reply": "收到"})
        self.assertEqual(response.status_code, 409, response.content)
        self.assertEqual(response.json()["code"], "withdrawn")
