"""The funds API: scoped (an outsider gets 404), bounded input, a clear 4xx naming the field
for each rule."""

import json

from django.test import TestCase
from django.utils import timezone

from fangkong.funds.models import Payment, Proposal
from fangkong.funds.testing import approve_all, make_chain_people, make_fund
from fangkong.orgs.testing import ProvinceMixin
from fangkong.supplies.models import Balance
from fangkong.supplies.testing import install_catalogue


class FundsApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()  # a TransactionTestCase run before may have flushed it
        super().setUpTestData()
        make_chain_people(cls.t)

    def setUp(self):
        self.fund = make_fund(self.t)

    def call(self, user, method, path, body=None, **headers):
        self.client.force_login(user)
        kwargs = {"content_type": "application/json", **headers}
        if body is not None:
            kwargs["data"] = json.dumps(body)
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def assertField(self, response, status, field, code=None):  # noqa: N802
        self.assertEqual(response.status_code, status, response.content)
        answer = response.json()
        self.assertIn(field, answer["fields"], answer)
        if code:
            self.assertEqual(answer["code"], code, answer)
        return answer

    def propose(self, user=None, **body):
        body = {"purpose": "采购口罩", "amount": "30000.50", "payee": "某医药公司"} | body
        return self.call(user or self.t.olga, "post", f"/funds/{self.fund.pk}/proposals", body)

    def test_funds_with_figures_and_outsiders_see_nothing(self):
        t = self.t
        answer = self.call(t.olga, "get", "/funds").json()
        self.assertEqual(
            [(f["name"], f["budget"], f["balance"], f["chain"]) for f in answer],
            [
                (
                    "应急专项资金",
                    "100000.00",
                    "100000.00",
                    ["leading_group", "party_committee", "office"],
                )
            ],
        )
        self.assertEqual(self.call(t.charlie, "get", "/funds").json(), [])
        self.assertEqual(self.call(t.charlie, "get", f"/funds/{self.fund.pk}").status_code, 404)
        self.assertEqual(
            self.call(t.charlie, "get", f"/funds/{self.fund.pk}/proposals").status_code, 404
        )
        self.assertEqual(self.call(t.bob, "get", f"/funds/{self.fund.pk}").status_code, 404)

    def test_the_chain_through_the_api_and_the_payment_with_its_receipt(self):
        t = self.t
        response = self.propose()
        self.assertEqual(response.status_code, 201, response.content)
        proposal = response.json()
        self.assertEqual(
            (proposal["state"], proposal["step"], proposal["waiting_for"]),
            ("pending", 1, "leading_group"),
        )
        pid = proposal["id"]
        self.assertEqual(self.call(t.charlie, "get", f"/funds/proposals/{pid}").status_code, 404)
        self.assertEqual(
            self.call(
                t.charlie, "post", f"/funds/proposals/{pid}/approve", {"decision": "approve"}
            ).status_code,
            404,
        )
        for user in (t.leo, t.petra, t.oscar):
            response = self.call(
                user,
                "post",
                f"/funds/proposals/{pid}/approve",
                {"decision": "approve", "opinion": "同意"},
            )
            self.assertEqual(response.status_code, 200, response.content)
        answer = response.json()
        self.assertEqual(answer["state"], "approved")
        self.assertEqual([s["by"] for s in answer["steps"]], ["leo", "petra", "oscar"])
        body = {
            "amount": "30000.50",
            "paid_on": timezone.localdate().isoformat(),
            "voucher_no": "记-001",
            "item": "mask-surgical",
            "quantity": 20000,
            "receiving_unit": "a-hq",
        }
        response = self.call(
            t.oscar, "post", f"/funds/proposals/{pid}/payments", body, HTTP_IDEMPOTENCY_KEY="pay-1"
        )
        self.assertEqual(response.status_code, 201, response.content)
        again = self.call(
            t.oscar, "post", f"/funds/proposals/{pid}/payments", body, HTTP_IDEMPOTENCY_KEY="pay-1"
        )
        self.assertEqual(again.status_code, 201)
        self.assertEqual(again["Idempotent-Replayed"], "true")
        self.assertEqual(Payment.objects.count(), 1)
        receipt = response.json()["receipt"]
        self.assertEqual(
            (receipt["unit"], receipt["item"], receipt["quantity"]),
            ("a-hq", "mask-surgical", 20000),
        )
        self.assertEqual(Balance.objects.get(unit=t.a_hq).quantity, 20000)
        detail = self.call(t.olga, "get", f"/funds/proposals/{pid}").json()
        self.assertEqual((detail["state"], detail["paid"]), ("paid", "30000.50"))
        listed = self.call(t.olga, "get", f"/funds/{self.fund.pk}/proposals?state=paid").json()
        self.assertEqual(listed["count"], 1)

    def test_bad_amounts_name_the_field(self):
        for amount, status in (
            ("-5", 400),
            ("0", 400),
            ("1.234", 400),
            ("1e30", 400),
            ("abc", 400),
            (-5, 400),
            (12.5, 422),
            ("99999999999", 400),
        ):
            with self.subTest(amount=amount):
                self.assertField(self.propose(amount=amount), status, "amount")
        self.assertField(self.propose(amount="100000.01"), 400, "amount", "over_budget")
        self.assertField(self.propose(purpose="x" * 201), 422, "purpose")
        self.assertFalse(Proposal.objects.exists())

    def test_own_proposal_and_out_of_order_are_clear_refusals(self):
        t = self.t
        pid = self.propose(user=t.leo).json()["id"]
        own = self.call(t.leo, "post", f"/funds/proposals/{pid}/approve", {"decision": "approve"})
        self.assertField(own, 403, "decision", "own_proposal")
        early = self.call(
            t.petra, "post", f"/funds/proposals/{pid}/approve", {"decision": "approve"}
        )
        self.assertField(early, 409, "step", "out_of_order")
        pid = self.propose().json()["id"]
        wrong = self.call(
            t.leo, "post", f"/funds/proposals/{pid}/approve", {"decision": "approve", "step": 2}
        )
        self.assertField(wrong, 409, "step", "out_of_order")
        reject = self.call(t.leo, "post", f"/funds/proposals/{pid}/approve", {"decision": "reject"})
        self.assertField(reject, 400, "opinion")
        self.assertField(
            self.call(t.leo, "post", f"/funds/proposals/{pid}/approve", {"decision": "maybe"}),
            422,
            "decision",
        )

    def test_paying_more_than_approved_names_the_amount(self):
        t = self.t
        proposal = approve_all(t, Proposal.objects.get(pk=self.propose(amount="100").json()["id"]))
        body = {"amount": "100.01", "paid_on": timezone.localdate().isoformat(), "voucher_no": "V1"}
        self.assertField(
            self.call(t.oscar, "post", f"/funds/proposals/{proposal.pk}/payments", body),
            400,
            "amount",
            "over_approved",
        )
        body |= {"amount": "50", "item": "no-such-item", "quantity": 1, "receiving_unit": "a-hq"}
        self.assertField(
            self.call(t.oscar, "post", f"/funds/proposals/{proposal.pk}/payments", body),
            400,
            "item",
        )
        body |= {"item": "mask-surgical", "receiving_unit": "b-sub"}
        self.assertField(
            self.call(t.oscar, "post", f"/funds/proposals/{proposal.pk}/payments", body),
            400,
            "receiving_unit",
        )
        self.assertEqual(
            self.call(
                t.charlie, "post", f"/funds/proposals/{proposal.pk}/payments", body
            ).status_code,
            404,
        )
        body |= {"receiving_unit": "a-hq", "paid_on": "2100-01-01"}
        self.assertField(
            self.call(t.oscar, "post", f"/funds/proposals/{proposal.pk}/payments", body),
            422,
            "paid_on",
        )
        self.assertFalse(Payment.objects.exists())
