"""The stock pages over real HTTP (the test client): the unit's stock, recording a receipt,
an issue, a transfer and a count, the stock card with its reversals, transfers with the
receipt form; bad input refused on its field with nothing written; the outsider gets 404
on every page and action, a viewer may read but not write."""

from django.test import TestCase

from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user
from fangkong.supplies import services
from fangkong.supplies.models import Balance, Item, Move, Transfer
from fangkong.supplies.testing import install_catalogue


def item(code="mask-surgical") -> Item:
    return Item.objects.get(code=code)


def balance(unit, code="mask-surgical") -> int:
    row = Balance.objects.filter(unit=unit, item__code=code).first()
    return row.quantity if row else 0


class StockPageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()
        t = cls.t
        cls.viewer = make_user("vera")
        grant(cls.viewer, t.a_site_1, Role.VIEWER)
        services.record_receipt(actor=t.bob, unit=t.a_site_1, item=item(), quantity=1250)

    def record(self, user, kind, code="a-site-1", **data):
        self.client.force_login(user)
        return self.client.post(f"/supplies/stock/{code}/record/{kind}/", data)

    def test_the_stock_page_shows_balance_in_units_and_packs(self):
        self.client.force_login(self.t.bob)
        page = self.client.get("/supplies/stock/")  # default: bob's unit (his role's)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["unit"], self.t.a_site_1)
        self.assertContains(page, "1,250 只（25 盒）")
        self.assertContains(page, 'data-testid="actions"')
        other = self.client.get("/supplies/stock/", {"unit": "a-site-2"})
        self.assertEqual(other.status_code, 404)  # bob sees only his station

    def test_empty_state_and_the_viewer_sees_no_actions(self):
        self.client.force_login(self.t.alice)
        empty = self.client.get("/supplies/stock/", {"unit": "a-site-2"})
        self.assertContains(empty, 'data-testid="empty"')
        self.client.force_login(self.viewer)
        page = self.client.get("/supplies/stock/", {"unit": "a-site-1"})
        self.assertContains(page, "1,250")
        self.assertNotContains(page, 'data-testid="actions"')
        refused = self.record(self.viewer, "issue", item="mask-surgical", quantity="1", purpose="x")
        self.assertEqual(refused.status_code, 403)
        self.assertEqual(balance(self.t.a_site_1), 1250)

    def test_receipt_issue_and_count_through_the_forms(self):
        t = self.t
        self.client.force_login(t.bob)
        form = self.client.get("/supplies/stock/a-site-1/record/receipt/?item=gloves")
        self.assertContains(form, 'data-testid="move-form"')
        done = self.record(t.bob, "receipt", item="gloves", quantity="２００", source="donation")
        self.assertRedirects(done, "/supplies/stock/?unit=a-site-1")
        self.assertEqual(balance(t.a_site_1, "gloves"), 200)  # full-width digits read
        self.assertEqual(Move.objects.filter(item__code="gloves").get().source, "donation")
        self.record(t.bob, "issue", item="gloves", quantity="30", purpose="一号换热站")
        self.assertEqual(balance(t.a_site_1, "gloves"), 170)
        counted = self.record(t.bob, "count", item="gloves", counted="165", reason="lost")
        self.assertEqual(counted.status_code, 302)
        adjustment = Move.objects.get(item__code="gloves", kind="adjustment")
        self.assertEqual((adjustment.delta, adjustment.balance_after), (-5, 165))

    def test_bad_quantities_are_refused_on_their_field_and_nothing_is_written(self):
        t = self.t
        before = Move.objects.count()
        for bad in ("-5", "abc", "1.5", "0", "", "1,5", "99999999999"):
            with self.subTest(bad=bad):
                answer = self.record(
                    t.bob, "issue", item="mask-surgical", quantity=bad, purpose="门岗"
                )
                self.assertEqual(answer.status_code, 400)
                self.assertTrue(answer.context["form"].errors["quantity"])
        over = self.record(t.bob, "issue", item="mask-surgical", quantity="1251", purpose="门岗")
        self.assertEqual(over.status_code, 400)
        self.assertIn("1250", " ".join(over.context["form"].errors["quantity"]))
        no_purpose = self.record(t.bob, "issue", item="mask-surgical", quantity="5")
        self.assertIn("purpose", no_purpose.context["form"].errors)
        self.assertEqual(Move.objects.count(), before)
        self.assertEqual(balance(t.a_site_1), 1250)

    def test_a_form_sent_twice_records_once(self):
        data = {
            "item": "mask-surgical",
            "quantity": "10",
            "purpose": "门岗",
            "idempotency_key": "k",
        }
        self.record(self.t.bob, "issue", **data)
        self.record(self.t.bob, "issue", **data)
        self.assertEqual(balance(self.t.a_site_1), 1240)

    def test_a_transfer_is_in_transit_until_received_with_a_reason_for_a_difference(self):
        t = self.t
        services.record_receipt(actor=t.alice, unit=t.a_hq, item=item(), quantity=500)
        sent = self.record(
            t.alice,
            "transfer",
            code="a-hq",
            item="mask-surgical",
            to_unit="a-site-1",
            quantity="300",
        )
        self.assertEqual(sent.status_code, 302)
        transfer = Transfer.objects.get()
        self.assertEqual((balance(t.a_hq), balance(t.a_site_1)), (200, 1250))
        self.client.force_login(t.bob)
        page = self.client.get("/supplies/transfers/")
        self.assertContains(page, f'data-transfer="{transfer.pk}"')
        field = f"t{transfer.pk}-quantity"
        self.assertNotContains(page, 'value="300"')  # nothing prefilled: typed as counted
        url = f"/supplies/transfers/{transfer.pk}/receive/"
        empty = self.client.post(url, {field: ""})
        self.assertEqual(empty.status_code, 400)
        short = self.client.post(url, {field: "２９０"})
        self.assertEqual(short.status_code, 400)
        self.assertTrue(short.context["incoming"][0].form.errors["reason"])
        done = self.client.post(url, {field: "290", f"t{transfer.pk}-reason": "一盒破损"})
        self.assertEqual(done.status_code, 302)
        transfer.refresh_from_db()
        self.assertEqual((transfer.quantity_received, transfer.received_by), (290, t.bob))
        self.assertEqual(balance(t.a_site_1), 1540)
        self.client.force_login(t.alice)
        out = self.client.get("/supplies/transfers/", {"unit": "a-hq"})
        self.assertContains(out, "一盒破损")
        self.assertContains(out, 'data-testid="sent"')

    def test_a_transfer_to_a_unit_nobody_can_see_is_unknown(self):
        answer = self.record(
            self.t.bob, "transfer", item="mask-surgical", to_unit="b-sub", quantity="10"
        )
        self.assertEqual(answer.status_code, 400)
        self.assertIn("to_unit", answer.context["form"].errors)
        self.assertEqual(Transfer.objects.count(), 0)

    def test_the_stock_card_and_a_reversal(self):
        t = self.t
        issue = services.record_issue(
            actor=t.bob, unit=t.a_site_1, item=item(), quantity=50, purpose="门岗"
        )
        self.client.force_login(t.bob)
        url = "/supplies/stock/a-site-1/items/mask-surgical/"
        card = self.client.get(url)
        self.assertEqual(card.status_code, 200)
        moves = list(card.context["page"])
        self.assertEqual([m.delta for m in moves], [-50, 1250])  # newest first
        self.assertTrue(moves[0].can_reverse)
        self.assertContains(card, 'data-testid="reverse"')
        no_note = self.client.post(f"/supplies/moves/{issue.pk}/reverse/", {"note": ""})
        self.assertEqual(no_note.status_code, 302)
        self.assertFalse(Move.objects.filter(reverses=issue).exists())
        self.client.post(f"/supplies/moves/{issue.pk}/reverse/", {"note": "录错了"})
        self.assertEqual(balance(t.a_site_1), 1250)
        card = self.client.get(url)
        self.assertContains(card, 'data-testid="reversed"')
        moves = list(card.context["page"])
        self.assertEqual(moves[0].kind, "reversal")
        self.assertFalse(moves[0].can_reverse)  # a reversal is not reversed again
        self.assertFalse(moves[1].can_reverse)  # nor the entry twice
        self.assertEqual(self.client.get(url + "?page=x").status_code, 200)
        self.assertEqual(self.client.get("/supplies/stock/a-site-1/items/nope/").status_code, 404)

    def test_the_outsider_gets_404_on_every_page_and_action(self):
        t = self.t
        issue = Move.objects.filter(unit=t.a_site_1).first()
        services.record_receipt(actor=t.alice, unit=t.a_hq, item=item(), quantity=10)
        transfer = services.send_transfer(
            actor=t.alice, from_unit=t.a_hq, to_unit=t.a_site_1, item=item(), quantity=5
        )
        self.client.force_login(t.charlie)
        for url in (
            "/supplies/stock/?unit=a-site-1",
            "/supplies/stock/a-site-1/record/receipt/",
            "/supplies/stock/a-site-1/items/mask-surgical/",
            "/supplies/transfers/?unit=a-site-1",
            "/supplies/daily/?unit=a-site-1",
            "/supplies/daily/a-site-1/export.xlsx",
            "/supplies/daily/a-site-1/upload/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        for url, data in (
            ("/supplies/stock/a-site-1/record/issue/", {"item": "mask-surgical", "quantity": 1}),
            (f"/supplies/moves/{issue.pk}/reverse/", {"note": "x"}),
            (f"/supplies/transfers/{transfer.pk}/receive/", {f"t{transfer.pk}-quantity": "5"}),
            ("/supplies/daily/?unit=a-site-1", {"q_mask-surgical": "1"}),
            ("/supplies/daily/a-site-1/upload/", {}),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assertEqual(balance(t.a_site_1), 1250)
        self.assertEqual(Move.objects.filter(kind="reversal").count(), 0)

    def test_the_nav_entry(self):
        self.client.force_login(self.t.bob)
        home = self.client.get("/supplies/stock/")
        self.assertContains(home, 'href="/supplies/daily/"')
