"""The funds' rules (issue 12, M11): money in fen, the chain signed in order by the right
people, never one's own; rejection back to the drafter; over budget stopped or overridden
by the last approver; payments never past the approved amount, with the stock received."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.tasks import tasks_for
from fangkong.funds import queries, services
from fangkong.funds.choices import EventKind, OverBudget, ProposalState
from fangkong.funds.models import Payment, Proposal, ProposalEvent, ProposalStep
from fangkong.funds.testing import approve_all, make_chain_people, make_fund
from fangkong.funds.validation import parse_amount
from fangkong.notify.models import Message
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user
from fangkong.supplies.choices import MoveKind, Source
from fangkong.supplies.models import Balance, Item, Move
from fangkong.supplies.services import record_receipt
from fangkong.supplies.testing import install_catalogue


class FundTestCase(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()  # a TransactionTestCase run before may have flushed it
        super().setUpTestData()
        make_chain_people(cls.t)

    def draft(self, fund=None, amount="30000", **extra):
        return services.draft_proposal(
            actor=extra.pop("actor", self.t.olga),
            fund=fund or self.fund,
            purpose=extra.pop("purpose", "采购医用外科口罩"),
            amount=amount,
            payee=extra.pop("payee", "某医药公司"),
            **extra,
        )

    def setUp(self):
        self.fund = make_fund(self.t)

    def refused(self, code, fn, field=None):
        try:
            fn()
        except (InvalidInput, Conflict, PermissionDeniedInScope, services.StepRefused) as exc:
            self.assertEqual(exc.code, code, exc.as_dict())
            if field:
                self.assertIn(field, exc.fields, exc.as_dict())
            return exc
        self.fail(f"not refused: {code}")


class AmountTests(TestCase):
    def test_money_is_fen_from_text_never_a_float(self):
        self.assertEqual(parse_amount("12,345.60"), 1234560)
        self.assertEqual(parse_amount("１２３．４"), 12340)
        self.assertEqual(parse_amount(Decimal("0.01")), 1)
        self.assertEqual(parse_amount(500), 50000)
        self.assertEqual(parse_amount("¥88"), 8800)
        for bad in (
            "0",
            "-5",
            "1.234",
            "1e20",
            "abc",
            "",
            None,
            1.5,
            True,
            "1,5",
            "NaN",
            "Infinity",
        ):
            with self.subTest(bad=bad), self.assertRaises(InvalidInput) as caught:
                parse_amount(bad, "amount")
            self.assertIn("amount", caught.exception.fields)

    def test_absurd_amounts_are_refused(self):
        self.assertEqual(parse_amount("1000000000"), 100_000_000_000)
        with self.assertRaises(InvalidInput):
            parse_amount("1000000000.01")


class FundTests(FundTestCase):
    def test_budget_and_balance_are_derived_from_allocations_and_payments(self):
        t = self.t
        services.allocate(actor=t.olga, fund=self.fund, amount="50000", basis="追加")
        proposal = approve_all(t, self.draft(amount="30000"))
        services.record_payment(
            actor=t.oscar,
            proposal=proposal,
            amount="12000.50",
            paid_on=timezone.localdate(),
            voucher_no="记-001",
        )
        figures = queries.figures_of([self.fund])[self.fund.pk]
        self.assertEqual(
            figures.as_yuan(),
            {
                "budget": "150000.00",
                "approved": "30000.00",
                "paid": "12000.50",
                "balance": "137999.50",
                "available": "120000.00",
            },
        )

    def test_a_fund_belongs_to_a_group_or_subsidiary_with_a_valid_chain(self):
        t = self.t
        self.refused("invalid", lambda: make_fund(t, unit=t.a_site_1, name="x"), "unit")
        self.refused("invalid", lambda: make_fund(t, chain=[], name="y"), "chain")
        self.refused("invalid", lambda: make_fund(t, chain=["liaison"], name="y"), "chain")
        self.refused("invalid", lambda: make_fund(t, chain=["office", "office"], name="y"), "chain")
        self.refused("invalid", lambda: make_fund(t), "name")  # the same name twice
        self.assertEqual(self.fund.chain, ["leading_group", "party_committee", "office"])
        with self.assertRaises(PermissionDeniedInScope):
            services.open_fund(actor=t.bob, unit=t.a_sub, name="z")
        with self.assertRaises(PermissionDeniedInScope):
            services.open_fund(actor=t.charlie, unit=t.group_a, name="z")

    def test_outsiders_and_liaisons_do_not_see_funds(self):
        t = self.t
        self.assertEqual(list(queries.list_funds(t.olga)), [self.fund])
        self.assertEqual(list(queries.list_funds(t.petra)), [self.fund])
        for user in (t.charlie, t.bob, t.nobody):
            self.assertEqual(list(queries.list_funds(user)), [])


class ChainTests(FundTestCase):
    def test_three_steps_in_order_each_with_who_when_and_opinion(self):
        t = self.t
        proposal = self.draft()
        self.assertEqual((proposal.state, proposal.step, proposal.revision), ("pending", 0, 1))
        proposal = services.decide(
            actor=t.leo, proposal=proposal, decision="approve", opinion="报请党委"
        )
        self.assertEqual(proposal.current_role, Role.PARTY_COMMITTEE)
        proposal = services.decide(
            actor=t.petra, proposal=proposal, decision="approve", opinion="同意", step=2
        )
        proposal = services.decide(actor=t.oscar, proposal=proposal, decision="approve")
        self.assertEqual(proposal.state, ProposalState.APPROVED)
        self.assertIsNotNone(proposal.approved_at)
        steps = list(
            proposal.steps.values_list("order", "role", "by__username", "opinion", "unit__code")
        )
        self.assertEqual(
            steps,
            [
                (0, "leading_group", "leo", "报请党委", "group-a"),
                (1, "party_committee", "petra", "同意", "group-a"),
                (2, "office", "oscar", "", "group-a"),
            ],
        )
        self.assertEqual(
            list(proposal.events.values_list("kind", flat=True)),
            ["drafted", "submitted", "step_approved", "step_approved", "step_approved", "approved"],
        )

    def test_approving_ones_own_proposal_is_refused(self):
        t = self.t
        grant(t.olga, t.group_a, Role.LEADING_GROUP)
        proposal = self.draft()
        self.refused(
            "own_proposal",
            lambda: services.decide(actor=t.olga, proposal=proposal, decision="approve"),
            "decision",
        )
        self.assertFalse(ProposalStep.objects.exists())

    def test_out_of_order_and_not_ones_step_are_refused(self):
        t = self.t
        proposal = self.draft()
        exc = self.refused(
            "out_of_order",
            lambda: services.decide(actor=t.petra, proposal=proposal, decision="approve"),
            "step",
        )
        self.assertEqual(exc.status, 409)
        self.refused(
            "out_of_order",
            lambda: services.decide(actor=t.leo, proposal=proposal, decision="approve", step=2),
            "step",
        )
        # A unit admin holds APPROVE_PROPOSALS but no step of this chain.
        exc = self.refused(
            "not_your_step",
            lambda: services.decide(actor=t.alice, proposal=proposal, decision="approve"),
        )
        self.assertEqual(exc.status, 403)
        with self.assertRaises(PermissionDeniedInScope):
            services.decide(actor=t.bob, proposal=proposal, decision="approve")
        with self.assertRaises(PermissionDeniedInScope):
            services.decide(actor=t.charlie, proposal=proposal, decision="approve")
        # The SASAC's office is above the group but the group has its own office.
        proposal = services.decide(actor=t.leo, proposal=proposal, decision="approve")
        proposal = services.decide(actor=t.petra, proposal=proposal, decision="approve")
        self.refused(
            "not_your_step",
            lambda: services.decide(actor=t.sasac, proposal=proposal, decision="approve"),
        )
        self.assertEqual(ProposalStep.objects.count(), 2)

    def test_an_approved_proposal_is_signed_no_more(self):
        t = self.t
        proposal = approve_all(t, self.draft())
        self.refused(
            "not_pending",
            lambda: services.decide(actor=t.leo, proposal=proposal, decision="approve"),
        )

    def test_a_subsidiary_fund_goes_to_the_nearest_holders_up_its_line(self):
        t = self.t
        sub_office = make_user("sub-office")
        grant(sub_office, t.a_sub, Role.OFFICE)
        fund = make_fund(t, unit=t.a_sub, name="子公司资金")
        proposal = self.draft(fund=fund, actor=sub_office)
        self.assertEqual(services.step_holders(t.a_sub, Role.PARTY_COMMITTEE)[0], t.group_a)
        self.assertEqual(services.step_holders(t.a_sub, Role.OFFICE), (t.a_sub, [sub_office.pk]))
        proposal = services.decide(actor=t.leo, proposal=proposal, decision="approve")
        proposal = services.decide(actor=t.petra, proposal=proposal, decision="approve")
        # The subsidiary's office executes; the group's office is not the nearest one.
        self.refused(
            "not_your_step",
            lambda: services.decide(actor=t.oscar, proposal=proposal, decision="approve"),
        )
        self.refused(
            "own_proposal",
            lambda: services.decide(actor=sub_office, proposal=proposal, decision="approve"),
        )

    def test_the_chain_is_configurable_per_fund_and_kept_on_a_submitted_proposal(self):
        t = self.t
        fund = make_fund(t, chain=["party_committee"], name="一步资金")
        proposal = self.draft(fund=fund)
        services.configure_fund(
            actor=t.root, fund=fund, chain=["leading_group", "office"], over_budget="warn"
        )
        proposal = services.decide(actor=t.petra, proposal=proposal, decision="approve")
        self.assertEqual(proposal.state, ProposalState.APPROVED)
        self.assertEqual(self.draft(fund=fund).chain, ["leading_group", "office"])


class RejectionTests(FundTestCase):
    def test_rejection_returns_it_to_the_drafter_who_revises_and_resubmits(self):
        t = self.t
        proposal = self.draft(amount="30000")
        proposal = services.decide(
            actor=t.leo, proposal=proposal, decision="approve", opinion="报请"
        )
        self.refused(
            "invalid",
            lambda: services.decide(actor=t.petra, proposal=proposal, decision="reject"),
            "opinion",
        )
        proposal = services.decide(
            actor=t.petra, proposal=proposal, decision="reject", opinion="报价偏高，请比价"
        )
        self.assertEqual(proposal.state, ProposalState.RETURNED)
        told = Message.objects.filter(
            topic=services.TOPIC, recipient=t.olga, dedupe_key__contains="rejected"
        )
        self.assertIn("报价偏高", told.get().body)
        # Only the drafter revises.
        self.refused(
            "not_drafter",
            lambda: services.revise_proposal(
                actor=t.oscar, proposal=proposal, purpose="x", amount="1", payee="y"
            ),
        )
        proposal = services.revise_proposal(
            actor=t.olga,
            proposal=proposal,
            purpose="采购医用外科口罩（比价后）",
            amount="26500",
            payee="某医药公司",
        )
        self.assertEqual((proposal.state, proposal.step, proposal.revision), ("pending", 0, 2))
        proposal = approve_all(t, proposal)
        self.assertEqual(proposal.amount_fen, 2650000)
        # Every signature kept, of both revisions.
        self.assertEqual(
            list(proposal.steps.values_list("revision", "order", "decision")),
            [
                (1, 0, "approve"),
                (1, 1, "reject"),
                (2, 0, "approve"),
                (2, 1, "approve"),
                (2, 2, "approve"),
            ],
        )
        kinds = list(proposal.events.values_list("kind", flat=True))
        self.assertIn(EventKind.REJECTED, kinds)
        self.assertIn(EventKind.REVISED, kinds)
        revised = proposal.events.get(kind=EventKind.REVISED)
        self.assertIn("30000.00 → 26500.00", revised.text)


class OverBudgetTests(FundTestCase):
    def test_stop_refuses_over_budget_and_writes_nothing(self):
        t = self.t
        approve_all(t, self.draft(amount="80000"))
        count = Proposal.objects.count()
        self.refused("over_budget", lambda: self.draft(amount="20000.01"), "amount")
        self.assertEqual(Proposal.objects.count(), count)
        self.draft(amount="20000")  # exactly the rest

    def test_stop_refuses_at_a_step_when_another_was_approved_meanwhile(self):
        t = self.t
        first, second = self.draft(amount="60000"), self.draft(amount="60000")
        approve_all(t, first)
        self.refused(
            "over_budget",
            lambda: services.decide(actor=t.leo, proposal=second, decision="approve"),
            "amount",
        )

    def test_warn_needs_the_last_approvers_explicit_override_kept(self):
        t = self.t
        fund = make_fund(t, budget="1000", over_budget=OverBudget.WARN, name="预警资金")
        proposal = self.draft(fund=fund, amount="1500")
        proposal = services.decide(
            actor=t.leo, proposal=proposal, decision="approve", override=True
        )
        proposal = services.decide(actor=t.petra, proposal=proposal, decision="approve")
        self.refused(
            "over_budget",
            lambda: services.decide(actor=t.oscar, proposal=proposal, decision="approve"),
            "override",
        )
        proposal = services.decide(
            actor=t.oscar, proposal=proposal, decision="approve", override=True
        )
        self.assertTrue(proposal.over_budget_override)
        self.assertEqual(
            list(proposal.steps.values_list("override", flat=True)), [False, False, True]
        )
        self.assertIn("500.00", proposal.events.get(kind=EventKind.OVERRIDDEN).text)


class PaymentTests(FundTestCase):
    def setUp(self):
        super().setUp()
        self.proposal = approve_all(self.t, self.draft(amount="30000"))
        self.masks = Item.objects.get(code="mask-surgical")

    def pay(self, amount="10000", voucher="记-001", **extra):
        return services.record_payment(
            actor=extra.pop("actor", self.t.oscar),
            proposal=self.proposal,
            amount=amount,
            paid_on=extra.pop("paid_on", timezone.localdate()),
            voucher_no=voucher,
            **extra,
        )

    def test_paying_more_than_approved_is_refused(self):
        self.refused("over_approved", lambda: self.pay("30000.01"), "amount")
        self.pay("20000")
        exc = self.refused(
            "over_approved", lambda: self.pay("10000.01", voucher="记-002"), "amount"
        )
        self.assertIn("10000.00", str(exc.fields["amount"][0]))
        self.pay("10000", voucher="记-002")
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.state, ProposalState.PAID)
        self.refused("paid", lambda: self.pay("1", voucher="记-003"))

    def test_bad_payments_name_their_field(self):
        t = self.t
        self.refused("invalid", lambda: self.pay("-1"), "amount")
        self.refused("invalid", lambda: self.pay(voucher=""), "voucher_no")
        self.refused(
            "invalid", lambda: self.pay(paid_on=timezone.localdate() + timedelta(days=2)), "paid_on"
        )
        self.pay()
        self.refused("invalid", lambda: self.pay(), "voucher_no")  # the same voucher twice
        with self.assertRaises(PermissionDeniedInScope):
            self.pay(actor=t.petra, voucher="记-009")  # the party committee does not pay
        pending = self.draft(amount="1")
        self.proposal = pending
        self.refused("not_approved", lambda: self.pay("1", voucher="记-010"))

    def test_a_purchase_records_its_stock_receipt_in_the_same_transaction(self):
        t = self.t
        payment = self.pay(
            "30000",
            item=self.masks,
            quantity=20000,
            receiving_unit=t.a_hq,
            files=[SimpleUploadedFile("付款凭证.pdf", b"%PDF-1.4 voucher")],
        )
        move = payment.receipt
        self.assertEqual(
            (move.kind, move.source, move.unit, move.item, move.delta),
            (MoveKind.RECEIPT, Source.PURCHASE, t.a_hq, self.masks, 20000),
        )
        self.assertEqual(Balance.objects.get(unit=t.a_hq, item=self.masks).quantity, 20000)
        self.assertEqual(payment.attachments.get().kind, "voucher")
        self.assertIn("20000", self.proposal.events.get(kind=EventKind.PAID).text)

    def test_a_receipt_refused_leaves_no_payment_and_a_payment_refused_no_receipt(self):
        t = self.t
        self.refused(
            "unknown_unit",
            lambda: self.pay(item=self.masks, quantity=5, receiving_unit=t.b_sub),
            "receiving_unit",
        )
        self.refused(
            "invalid",
            lambda: self.pay(item=self.masks, quantity=-5, receiving_unit=t.a_hq),
            "quantity",
        )
        self.refused(
            "over_approved",
            lambda: self.pay("99999", item=self.masks, quantity=5, receiving_unit=t.a_hq),
        )
        self.refused("invalid", lambda: self.pay(quantity=5), "item")
        self.assertFalse(Payment.objects.exists())
        self.assertFalse(Move.objects.exists())

    def test_an_existing_purchase_receipt_can_be_linked_once(self):
        t = self.t
        move = record_receipt(actor=t.olga, unit=t.a_site_1, item=self.masks, quantity=100)
        other = record_receipt(
            actor=t.olga, unit=t.a_site_1, item=self.masks, quantity=1, source=Source.DONATION
        )
        self.refused("unknown_receipt", lambda: self.pay(receipt=other), "receipt")
        self.pay(receipt=move)
        self.refused("invalid", lambda: self.pay(voucher="记-002", receipt=move), "receipt")
        self.assertEqual(list(queries.find_purchase_receipts(t.olga, self.fund)), [])


class StatementTests(FundTestCase):
    def test_a_period_shows_what_was_approved_and_paid_in_it(self):
        t = self.t
        self.fund.allocations.update(on=date(2020, 1, 27))
        proposal = approve_all(t, self.draft(amount="30000"))
        services.record_payment(
            actor=t.oscar,
            proposal=proposal,
            amount="10000",
            paid_on=date(2020, 2, 1),
            voucher_no="A",
        )
        services.record_payment(
            actor=t.oscar,
            proposal=proposal,
            amount="5000",
            paid_on=date(2020, 2, 10),
            voucher_no="B",
        )
        whole = queries.statement(self.fund)
        self.assertEqual(whole.as_yuan()["paid"], "15000.00")
        self.assertEqual(whole.as_yuan()["balance"], "85000.00")
        early = queries.statement(self.fund, end=date(2020, 2, 5))
        self.assertEqual(early.paid, 1000000)
        self.assertEqual(early.balance, 10000000 - 1000000)
        later = queries.statement(self.fund, start=date(2020, 2, 6), end=date(2020, 2, 12))
        self.assertEqual(later.paid, 500000)
        self.assertEqual([p.paid_in_period for p in later.proposals], [500000])


class NoticeAndTaskTests(FundTestCase):
    def test_each_step_tells_its_signers_and_the_to_do_list_shows_it(self):
        t = self.t
        proposal = self.draft()
        self.assertTrue(Message.objects.filter(topic=services.TOPIC, recipient=t.leo).exists())
        self.assertFalse(Message.objects.filter(topic=services.TOPIC, recipient=t.petra).exists())
        now = timezone.now()
        self.assertEqual(
            [k.kind for k in tasks_for(t.leo, now) if k.kind.startswith("funds.")],
            ["funds.approve"],
        )
        self.assertEqual(
            [k.kind for k in tasks_for(t.petra, now) if k.kind.startswith("funds.")], []
        )
        proposal = services.decide(actor=t.leo, proposal=proposal, decision="approve")
        self.assertTrue(Message.objects.filter(topic=services.TOPIC, recipient=t.petra).exists())
        self.assertEqual(
            [k.kind for k in tasks_for(t.petra, now) if k.kind.startswith("funds.")],
            ["funds.approve"],
        )
        proposal = services.decide(actor=t.petra, proposal=proposal, decision="approve")
        proposal = services.decide(actor=t.oscar, proposal=proposal, decision="approve")
        self.assertIn("funds.pay", [k.kind for k in tasks_for(t.olga, now)])
        self.assertNotIn("funds.pay", [k.kind for k in tasks_for(t.petra, now)])
        self.assertEqual(
            [k.kind for k in tasks_for(t.charlie, now) if k.kind.startswith("funds.")], []
        )

    def test_a_returned_proposal_is_on_its_drafters_list(self):
        t = self.t
        proposal = self.draft()
        services.decide(actor=t.leo, proposal=proposal, decision="reject", opinion="不必要")
        self.assertIn("funds.revise", [k.kind for k in tasks_for(t.olga, timezone.now())])
        self.assertTrue(ProposalEvent.objects.filter(kind="rejected", text="不必要").exists())
