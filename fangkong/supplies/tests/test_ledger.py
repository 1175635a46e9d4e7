"""The supplies ledger (issue 12, first slice): append-only moves, the balance kept with
each move, never negative, transfers with proof of receipt, counts, reversals."""

from unittest import skipIf

from django.db import connection
from django.test import TestCase, TransactionTestCase

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.testing import run_in_threads
from fangkong.orgs.testing import ProvinceMixin, make_province
from fangkong.supplies import queries, services
from fangkong.supplies.models import Balance, Item, Move
from fangkong.supplies.testing import ShippedCatalogueMixin, install_catalogue


def masks():
    return Item.objects.get(code="mask-surgical")


def balance(unit, item) -> int:
    row = Balance.objects.filter(unit=unit, item=item).first()
    return row.quantity if row else 0


class LedgerTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()  # a TransactionTestCase run before may have flushed it
        super().setUpTestData()

    def test_the_catalogue_is_shipped(self):
        codes = set(queries.list_items().values_list("code", flat=True))
        self.assertTrue(
            {"mask-surgical", "mask-kn95", "disinfectant-84", "thermometer-gun"} <= codes
        )
        self.assertTrue(Item.objects.get(code="thermometer-gun").durable)
        self.assertEqual(masks().pack_size, 50)

    def test_receipt_and_issue_keep_the_balance_in_the_same_row(self):
        t, item = self.t, masks()
        services.record_receipt(actor=t.bob, unit=t.a_site_1, item=item, quantity=500)
        move = services.record_issue(
            actor=t.bob, unit=t.a_site_1, item=item, quantity=120, purpose="一号换热站"
        )
        self.assertEqual((move.delta, move.balance_after), (-120, 380))
        self.assertEqual(balance(t.a_site_1, item), 380)
        self.assertEqual(Move.objects.filter(unit=t.a_site_1).count(), 2)

    def test_a_move_that_would_go_below_zero_is_refused_and_writes_nothing(self):
        t, item = self.t, masks()
        services.record_receipt(actor=t.bob, unit=t.a_site_1, item=item, quantity=10)
        with self.assertRaises(InvalidInput) as ctx:
            services.record_issue(actor=t.bob, unit=t.a_site_1, item=item, quantity=11)
        self.assertEqual(ctx.exception.code, "insufficient_stock")
        self.assertIn("10", str(ctx.exception.fields["quantity"][0]))
        self.assertEqual(balance(t.a_site_1, item), 10)
        self.assertEqual(Move.objects.count(), 1)

    def test_bad_quantities_are_refused(self):
        t, item = self.t, masks()
        for bad in (0, -5, 1.5, "12", True, 10**12):
            with self.subTest(bad=bad), self.assertRaises(InvalidInput):
                services.record_receipt(actor=t.bob, unit=t.a_site_1, item=item, quantity=bad)
        self.assertEqual(Move.objects.count(), 0)

    def test_a_transfer_leaves_at_once_and_arrives_when_received_with_a_reason(self):
        t, item = self.t, masks()
        services.record_receipt(actor=t.alice, unit=t.a_hq, item=item, quantity=1000)
        transfer = services.send_transfer(
            actor=t.alice, from_unit=t.a_hq, to_unit=t.a_site_1, item=item, quantity=300
        )
        self.assertEqual((balance(t.a_hq, item), balance(t.a_site_1, item)), (700, 0))
        with self.assertRaises(InvalidInput) as ctx:
            services.receive_transfer(actor=t.bob, transfer=transfer, quantity=290)
        self.assertIn("reason", ctx.exception.fields)
        services.receive_transfer(actor=t.bob, transfer=transfer, quantity=290, reason="一盒破损")
        transfer.refresh_from_db()
        self.assertEqual((transfer.quantity_received, transfer.received_by), (290, t.bob))
        self.assertEqual(balance(t.a_site_1, item), 290)
        with self.assertRaises(Conflict):
            services.receive_transfer(actor=t.bob, transfer=transfer, quantity=290, reason="x")

    def test_a_transfer_to_itself_or_by_an_outsider_is_refused(self):
        t, item = self.t, masks()
        services.record_receipt(actor=t.alice, unit=t.a_hq, item=item, quantity=10)
        with self.assertRaises(InvalidInput):
            services.send_transfer(
                actor=t.alice, from_unit=t.a_hq, to_unit=t.a_hq, item=item, quantity=1
            )
        with self.assertRaises(PermissionDeniedInScope):
            services.record_issue(actor=t.charlie, unit=t.a_hq, item=item, quantity=1)

    def test_a_count_writes_the_difference_with_its_reason(self):
        t, item = self.t, masks()
        services.record_receipt(actor=t.bob, unit=t.a_site_1, item=item, quantity=100)
        move = services.record_count(
            actor=t.bob, unit=t.a_site_1, item=item, counted=95, reason="damaged"
        )
        self.assertEqual((move.kind, move.delta, move.balance_after), ("adjustment", -5, 95))
        same = services.record_count(
            actor=t.bob, unit=t.a_site_1, item=item, counted=95, reason="count_error"
        )
        self.assertIsNone(same)
        with self.assertRaises(InvalidInput):
            services.record_count(actor=t.bob, unit=t.a_site_1, item=item, counted=90, reason="")

    def test_a_wrong_entry_is_reversed_once_never_edited(self):
        t, item = self.t, masks()
        wrong = services.record_receipt(actor=t.bob, unit=t.a_site_1, item=item, quantity=50)
        reversal = services.reverse_move(actor=t.bob, move=wrong, note="录入重复")
        self.assertEqual((reversal.delta, reversal.balance_after), (-50, 0))
        self.assertEqual(Move.objects.get(pk=wrong.pk).delta, 50)  # the wrong one is kept
        with self.assertRaises(Conflict):
            services.reverse_move(actor=t.bob, move=wrong, note="again")


@skipIf(connection.vendor == "sqlite", "SQLite's writers never run at the same moment")
class LastBoxRaceTests(ShippedCatalogueMixin, TransactionTestCase):
    def test_two_liaisons_issuing_the_last_box_at_once_one_is_refused(self):
        t = make_province()
        item = masks()
        services.record_receipt(actor=t.root, unit=t.a_site_1, item=item, quantity=50)
        outcomes = []

        def issue(n):
            try:
                services.record_issue(actor=t.root, unit=t.a_site_1, item=item, quantity=50)
                outcomes.append("issued")
            except InvalidInput as exc:
                outcomes.append(exc.code)

        run_in_threads(issue)
        self.assertEqual(sorted(outcomes), ["insufficient_stock", "issued"])
        self.assertEqual(balance(t.a_site_1, item), 0)
