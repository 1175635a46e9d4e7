"""The funds' pages: scoped (an outsider gets 404), the one step for the viewer, the
statement and its watermarked export."""

import io

from django.test import TestCase
from django.utils import timezone
from openpyxl import load_workbook

from fangkong.funds import services
from fangkong.funds.models import Payment, Proposal
from fangkong.funds.testing import approve_all, make_chain_people, make_fund
from fangkong.orgs.testing import ProvinceMixin
from fangkong.supplies.testing import install_catalogue


class FundPageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()  # a TransactionTestCase run before may have flushed it
        super().setUpTestData()
        make_chain_people(cls.t)

    def setUp(self):
        self.fund = make_fund(self.t)
        self.proposal = services.draft_proposal(
            actor=self.t.olga, fund=self.fund, purpose="采购口罩", amount="3000", payee="某公司"
        )

    def test_outsiders_get_404_everywhere(self):
        t = self.t
        urls = [
            f"/funds/{self.fund.pk}/",
            f"/funds/{self.fund.pk}/statement.xlsx",
            f"/funds/{self.fund.pk}/proposals/new/",
            f"/funds/proposals/{self.proposal.pk}/",
            f"/funds/proposals/{self.proposal.pk}/pay/",
        ]
        for user in (t.charlie, t.bob):
            self.client.force_login(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)
            self.assertNotContains(self.client.get("/funds/"), f"/funds/{self.fund.pk}/")

    def test_list_and_fund_page_show_the_statement(self):
        self.client.force_login(self.t.olga)
        response = self.client.get("/funds/")
        self.assertContains(response, "100000.00")
        with self.assertMaxQueries(30):
            response = self.client.get(f"/funds/{self.fund.pk}/")
        self.assertContains(response, "采购口罩")
        self.assertContains(response, 'data-testid="balance">100000.00')

    def assertMaxQueries(self, n):  # noqa: N802
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        test = self

        class Check(CaptureQueriesContext):
            def __exit__(self, *exc):
                super().__exit__(*exc)
                test.assertLessEqual(len(self.captured_queries), n)

        return Check(connection)

    def test_only_the_current_steps_signer_gets_the_button(self):
        t = self.t
        url = f"/funds/proposals/{self.proposal.pk}/"
        for user, has in ((t.leo, True), (t.petra, False), (t.olga, False), (t.oscar, False)):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(
                    'data-testid="sign-form"' in self.client.get(url).content.decode(), has
                )
        self.client.force_login(t.petra)
        response = self.client.post(
            f"/funds/proposals/{self.proposal.pk}/decide/", {"decision": "approve"}, follow=True
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.proposal.steps.exists())
        self.client.force_login(t.leo)
        self.client.post(
            f"/funds/proposals/{self.proposal.pk}/decide/",
            {"decision": "approve", "step": "1", "opinion": "同意"},
        )
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.step, 1)

    def test_the_proposal_form_drafts_and_submits_and_refuses_bad_amounts(self):
        self.client.force_login(self.t.olga)
        url = f"/funds/{self.fund.pk}/proposals/new/"
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(url, {"purpose": "消毒液", "amount": "-3", "payee": "某公司"})
        self.assertEqual(response.status_code, 400)
        response = self.client.post(
            url, {"purpose": "消毒液", "amount": "1,200.50", "payee": "某公司"}
        )
        proposal = Proposal.objects.get(purpose="消毒液")
        self.assertRedirects(response, f"/funds/proposals/{proposal.pk}/")
        self.assertEqual((proposal.amount_fen, proposal.state), (120050, "pending"))

    def test_the_payment_form_records_the_goods_received(self):
        t = self.t
        approve_all(t, self.proposal)
        self.client.force_login(t.oscar)
        url = f"/funds/proposals/{self.proposal.pk}/pay/"
        self.assertEqual(self.client.get(url).status_code, 200)
        body = {
            "amount": "3000.01",
            "paid_on": timezone.localdate().isoformat(),
            "voucher_no": "记-1",
            "item": "mask-surgical",
            "quantity": "2000",
            "receiving_unit": "a-hq",
        }
        self.assertEqual(self.client.post(url, body).status_code, 400)
        response = self.client.post(url, body | {"amount": "3000"})
        self.assertRedirects(response, f"/funds/proposals/{self.proposal.pk}/")
        payment = Payment.objects.get()
        self.assertEqual(payment.receipt.delta, 2000)
        page = self.client.get(f"/funds/proposals/{self.proposal.pk}/")
        self.assertContains(page, "2000")
        self.assertContains(page, "Unit a-hq")

    def test_the_statement_exports_with_a_watermark(self):
        self.client.force_login(self.t.olga)
        response = self.client.get(f"/funds/{self.fund.pk}/statement.xlsx")
        self.assertEqual(response.status_code, 200)
        book = load_workbook(io.BytesIO(response.content))
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        self.assertEqual(rows[1][1], "采购口罩")
        self.assertIn("olga", book.properties.description)

    def test_the_command_view_shows_the_funds_money(self):
        self.client.force_login(self.t.olga)
        page = self.client.get("/workbench/command/?unit=group-a")
        self.assertContains(page, "应急资金")
        self.assertContains(page, "100000.00")  # the budget, and the balance: nothing paid
        self.assertContains(page, "审批中（元）")
        self.assertContains(page, "3000.00")  # the proposal in the chain
        # A unit below the fund's sees no panel of it; an outsider no command view at all.
        self.assertNotContains(self.client.get("/workbench/command/?unit=a-sub"), "审批中（元）")
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get("/workbench/command/?unit=group-a").status_code, 404)
