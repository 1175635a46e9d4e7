"""Donation services: amounts in fen from what people type, gifts inside the campaign's
subtree and scope only, totals rolled up the tree, the transfer never above what was
collected, goods into and out of the stock ledger in the same transaction."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.donations import queries, services
from fangkong.donations.models import Gift, GoodsDonation
from fangkong.donations.testing import DAY, make_campaign
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user
from fangkong.supplies.choices import MoveKind, Source
from fangkong.supplies.models import Balance, Item, Move
from fangkong.supplies.testing import install_catalogue


class AmountTests(TestCase):
    def test_what_people_type(self):
        p = services.parse_amount
        self.assertEqual(p("1200"), 120000)
        self.assertEqual(p("１２００．５０"), 120050)
        self.assertEqual(p("1200.5元"), 120050)
        self.assertEqual(p("¥80"), 8000)
        self.assertEqual(p(" 0.01 "), 1)
        self.assertEqual(p(300), 30000)
        self.assertEqual(p(Decimal("12.34")), 1234)

    def test_refused(self):
        for bad in ("0", "-5", "1,200", "12.345", "abc", "", "1e9", "NaN", 12.5, True, None):
            with self.subTest(bad=bad), self.assertRaises(InvalidInput) as caught:
                services.parse_amount(bad)
            self.assertIn("amount", caught.exception.fields)


class GiftTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()
        cls.campaign = make_campaign(cls.t)

    def gift(self, user, unit, amount, **extra):
        return services.record_gift(
            actor=user, campaign=self.campaign, unit=unit, amount=amount, day=DAY, **extra
        )[0]

    def test_totals_roll_up_the_tree(self):
        t = self.t
        self.gift(t.olga, t.a_hq, "1000")
        self.gift(t.olga, t.a_hq, "200.50", person=t.p_hq)
        self.gift(t.bob, t.a_site_1, "300", person=t.p_site_1)
        self.gift(t.bob, t.a_site_1, "88.88")
        self.gift(t.alice, t.a_sub, "500")
        totals = queries.get_totals(t.olga, self.campaign, t.group_a)
        self.assertEqual(totals.total, "2089.38")
        self.assertEqual(totals.gifts, 5)
        self.assertEqual(totals.donors, 5)
        rows = {r.unit.code: r for r in totals.rows}
        self.assertEqual(rows["a-hq"].total, "1200.50")
        self.assertEqual(rows["a-sub"].total, "888.88")
        self.assertEqual((rows["a-sub"].personal, rows["a-sub"].collective), (1, 2))
        sub = queries.get_totals(t.alice, self.campaign, t.a_sub)
        self.assertEqual(
            [(r.unit.code, r.total, r.own) for r in sub.rows][0], ("a-sub", "500.00", True)
        )
        self.assertEqual(sub.total, "888.88")

    def test_totals_take_four_queries_whatever_the_tree(self):
        for _ in range(5):
            self.gift(self.t.olga, self.t.a_hq, "10")
        # The children, which have children, the grouped gifts, what was passed on.
        with self.assertNumQueries(4):
            queries.get_totals(self.t.root, self.campaign, self.t.group_a)

    def test_a_person_gives_as_their_own_unit(self):
        t = self.t
        gift = self.gift(t.olga, t.a_sub, "50", person=t.p_site_1)
        self.assertEqual(gift.unit, t.a_site_1)
        with self.assertRaises(InvalidInput) as caught:
            self.gift(t.olga, t.a_hq, "50", person=t.p_site_1)
        self.assertIn("person", caught.exception.fields)

    def test_scope_subtree_days_and_closing(self):
        t = self.t
        with self.assertRaises(PermissionDeniedInScope):
            self.gift(t.bob, t.a_site_2, "10")  # another unit than the liaison's
        with self.assertRaises(InvalidInput) as caught:
            self.gift(t.charlie, t.b_sub, "10")  # outside the campaign's subtree
        self.assertIn("unit", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            services.record_gift(
                actor=t.bob,
                campaign=self.campaign,
                unit=t.a_site_1,
                amount="1",
                day=date(2020, 1, 29),
            )
        self.assertIn("day", caught.exception.fields)
        services.close_campaign(actor=t.olga, campaign=self.campaign)
        with self.assertRaises(Conflict):
            self.gift(t.bob, t.a_site_1, "10")
        self.assertEqual(Gift.objects.count(), 0)

    def test_a_double_click_enters_once(self):
        t = self.t
        first, created = services.record_gift(
            actor=t.bob, campaign=self.campaign, unit=t.a_site_1, amount="100", entry_key="k1"
        )
        again, created_again = services.record_gift(
            actor=t.bob, campaign=self.campaign, unit=t.a_site_1, amount="100", entry_key="k1"
        )
        self.assertEqual((created, created_again, first.pk), (True, False, again.pk))
        self.assertEqual(Gift.objects.count(), 1)
        with self.assertRaises(Conflict):  # another user's key gives nothing of theirs
            services.record_gift(
                actor=t.olga, campaign=self.campaign, unit=t.a_hq, amount="5", entry_key="k1"
            )

    def test_personal_amounts_only_for_office_and_leading_group(self):
        from fangkong.core.models import AccessLog

        t = self.t
        self.gift(t.bob, t.a_site_1, "300", person=t.p_site_1)
        self.gift(t.bob, t.a_site_1, "50")
        shown = [g.shown for g in queries.list_gifts(t.bob, self.campaign, t.a_site_1)]
        self.assertEqual(sorted(shown), [False, True])  # the liaison: unit gift only
        self.assertFalse(AccessLog.objects.filter(object_type="donation_gifts").exists())
        leader = make_user("leader")
        grant(leader, t.group_a, Role.LEADING_GROUP)
        for user in (t.olga, leader):
            self.assertTrue(
                all(g.shown for g in queries.list_gifts(user, self.campaign, t.a_site_1))
            )
        self.assertEqual(AccessLog.objects.filter(object_type="donation_gifts").count(), 2)

    def test_remittance_never_above_what_was_collected(self):
        t = self.t
        self.gift(t.olga, t.a_hq, "1000")
        with self.assertRaises(InvalidInput) as caught:
            services.record_remittance(
                actor=t.olga, campaign=self.campaign, amount="1000.01", day=None, voucher_no="V1"
            )
        self.assertIn("amount", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            services.record_remittance(
                actor=t.olga, campaign=self.campaign, amount="1000", day=None, voucher_no=" "
            )
        self.assertIn("voucher_no", caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            services.record_remittance(
                actor=t.bob, campaign=self.campaign, amount="10", day=None, voucher_no="V1"
            )
        receipt = SimpleUploadedFile("回执.pdf", b"%PDF-1.4 receipt")
        r = services.record_remittance(
            actor=t.olga,
            campaign=self.campaign,
            amount="600",
            day=None,
            voucher_no="V1",
            receipt=receipt,
        )
        self.assertEqual(
            (r.amount, r.recipient, r.receipt_name), ("600.00", "市红十字会", "回执.pdf")
        )
        with self.assertRaises(InvalidInput) as caught:
            services.record_remittance(
                actor=t.olga, campaign=self.campaign, amount="500", day=None, voucher_no="V2"
            )
        self.assertIn("400.00", str(caught.exception.fields["amount"][0]))
        totals = queries.get_totals(t.olga, self.campaign, t.group_a)
        self.assertEqual(totals.remitted, "600.00")

    def test_goods_received_and_given_are_ledger_lines(self):
        t = self.t
        masks = Item.objects.get(code="mask-kn95")
        received = services.receive_goods(
            actor=t.olga,
            unit=t.a_hq,
            item=masks,
            quantity=500,
            donor="某医疗器械公司",
            campaign=self.campaign,
        )
        move = Move.objects.get(pk=received.move_id)
        self.assertEqual(
            (move.kind, move.source, move.delta), (MoveKind.RECEIPT, Source.DONATION, 500)
        )
        given = services.give_goods(
            actor=t.olga,
            unit=t.a_hq,
            item=masks,
            quantity=200,
            receiver="市中心医院",
            receipt=SimpleUploadedFile("签收单.jpg", b"jpg"),
        )
        self.assertEqual(Move.objects.get(pk=given.move_id).delta, -200)
        self.assertEqual(Balance.objects.get(unit=t.a_hq, item=masks).quantity, 300)
        with self.assertRaises(InvalidInput):  # more than the stock: nothing written
            services.give_goods(
                actor=t.olga, unit=t.a_hq, item=masks, quantity=301, receiver="医院"
            )
        with self.assertRaises(InvalidInput) as caught:
            services.receive_goods(actor=t.olga, unit=t.a_hq, item=masks, quantity=5, donor=" ")
        self.assertIn("donor", caught.exception.fields)
        with self.assertRaises(InvalidInput):
            services.receive_goods(actor=t.olga, unit=t.a_hq, item=masks, quantity=-5, donor="x")
        self.assertEqual(GoodsDonation.objects.count(), 2)
        self.assertEqual(Move.objects.count(), 2)
