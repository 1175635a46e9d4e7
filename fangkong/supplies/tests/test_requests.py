"""Requests up the tree, distribution of a batch, the board and their pages and API
(issue 12): every rule with the outsider getting 404."""

import json
from datetime import timedelta

import time_machine
from django.test import TestCase
from django.utils import timezone

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.testing import api_document  # noqa: F401 - the API's doc helper exists
from fangkong.notify.models import Message
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user
from fangkong.supplies import queries, services, sweeps
from fangkong.supplies.choices import RequestAction, RequestState, TransferState, Urgency
from fangkong.supplies.models import Balance, Item, Transfer
from fangkong.supplies.testing import install_catalogue


class RequestTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()
        t = cls.t
        cls.sub_admin = make_user("sub-admin")
        grant(cls.sub_admin, t.a_sub, Role.UNIT_ADMIN)
        cls.item = Item.objects.get(code="disinfectant-84")
        # The group holds stock at its HQ; the station is short.
        services.record_receipt(actor=t.olga, unit=t.a_hq, item=cls.item, quantity=100)

    def file(self, **extra):
        t = self.t
        values = dict(
            actor=self.sub_admin,
            unit=t.a_sub,
            for_unit=t.a_site_1,
            item=self.item,
            quantity=40,
            reason="热力站消毒液不足",
        )
        values.update(extra)
        return services.file_request(**values)

    def test_a_request_waits_at_the_parent_and_its_deciders_hear(self):
        request = self.file(urgency=Urgency.URGENT)
        self.assertEqual(request.at_unit, self.t.group_a)
        self.assertEqual(request.state, RequestState.OPEN)
        self.assertAlmostEqual(
            (request.due_at - request.created_at).total_seconds(), 4 * 3600, delta=1
        )
        told = Message.objects.filter(
            topic="supply_request", recipient__in=[self.t.olga, self.t.alice]
        )
        self.assertTrue(told.exists())

    def test_approve_in_part_and_ship_then_receive_with_a_discrepancy(self):
        t = self.t
        request = self.file()
        with self.assertRaises(InvalidInput) as ctx:
            services.decide_request(actor=t.olga, request=request, decision="approve", quantity=30)
        self.assertIn("note", ctx.exception.fields)  # part needs a reason
        services.decide_request(
            actor=t.olga,
            request=request,
            decision="approve",
            quantity=30,
            note="库存有限，先拨 30 瓶",
            ship_from=t.a_hq,
        )
        request.refresh_from_db()
        self.assertEqual((request.state, request.approved_quantity), (RequestState.SHIPPED, 30))
        self.assertEqual(Balance.objects.get(unit=t.a_hq, item=self.item).quantity, 70)
        services.receive_transfer(
            actor=t.bob, transfer=request.transfer, quantity=28, reason="2 瓶破损"
        )
        request.refresh_from_db()
        self.assertEqual(request.state, RequestState.RECEIVED)
        actions = list(request.events.values_list("action", flat=True))
        self.assertEqual(
            actions,
            [
                RequestAction.FILED,
                RequestAction.PARTLY_APPROVED,
                RequestAction.SHIPPED,
                RequestAction.RECEIVED,
            ],
        )
        self.assertEqual(Balance.objects.get(unit=t.a_site_1, item=self.item).quantity, 28)

    def test_the_rules_of_deciding(self):
        t = self.t
        request = self.file()
        with self.assertRaises(PermissionDeniedInScope):
            services.decide_request(actor=self.sub_admin, request=request, decision="approve")
        own = services.file_request(
            actor=t.olga, unit=t.a_sub, item=self.item, quantity=5, reason="自用"
        )
        with self.assertRaises(InvalidInput) as ctx:
            services.decide_request(actor=t.olga, request=own, decision="approve")
        self.assertEqual(ctx.exception.code, "own_request")
        with self.assertRaises(InvalidInput):
            services.decide_request(actor=t.olga, request=request, decision="approve", quantity=41)
        with self.assertRaises(InvalidInput):
            services.decide_request(actor=t.olga, request=request, decision="reject")  # no reason
        services.decide_request(actor=t.olga, request=request, decision="reject", note="已另行调配")
        with self.assertRaises(Conflict):
            services.decide_request(actor=t.olga, request=request, decision="approve")

    def test_pass_up_moves_it_to_the_next_level(self):
        t = self.t
        request = self.file()
        services.decide_request(
            actor=t.olga, request=request, decision="pass_up", note="集团无库存"
        )
        request.refresh_from_db()
        self.assertEqual(request.at_unit, t.province)
        self.assertEqual(request.state, RequestState.OPEN)
        services.decide_request(actor=t.sasac, request=request, decision="approve", procure=True)
        request.refresh_from_db()
        self.assertEqual(request.state, RequestState.PROCURING)

    def test_bad_requests_are_refused(self):
        t = self.t
        with self.assertRaises(InvalidInput):
            self.file(quantity=0)
        with self.assertRaises(InvalidInput):
            self.file(reason="  ")
        with self.assertRaises(InvalidInput) as ctx:
            self.file(for_unit=t.a_hq)  # not below the asking unit
        self.assertIn("for_unit", ctx.exception.fields)
        with self.assertRaises(InvalidInput):
            services.file_request(
                actor=t.root, unit=t.province, item=self.item, quantity=1, reason="x"
            )

    def test_an_overdue_request_goes_to_the_level_above_once(self):
        request = self.file(urgency=Urgency.URGENT)
        with time_machine.travel(timezone.now() + timedelta(hours=5), tick=False):
            self.assertEqual(sweeps.tell_overdue()["requests"], 1)
            self.assertEqual(sweeps.tell_overdue()["requests"], 0)
        request.refresh_from_db()
        self.assertIsNotNone(request.overdue_at)
        # The level above the group is the province: its office hears.
        self.assertTrue(
            Message.objects.filter(
                dedupe_key__contains=f"supply-request:{request.pk}:overdue", recipient=self.t.sasac
            ).exists()
        )

    def test_an_unconfirmed_transfer_is_chased_after_48_hours(self):
        t = self.t
        transfer = services.send_transfer(
            actor=t.olga, from_unit=t.a_hq, to_unit=t.a_site_1, item=self.item, quantity=10
        )
        with time_machine.travel(timezone.now() + timedelta(hours=47), tick=False):
            self.assertEqual(sweeps.tell_overdue()["transfers"], 0)
        with time_machine.travel(timezone.now() + timedelta(hours=49), tick=False):
            self.assertEqual(sweeps.tell_overdue()["transfers"], 1)
            self.assertEqual(sweeps.tell_overdue()["transfers"], 0)
        self.assertTrue(
            Message.objects.filter(
                dedupe_key__startswith=f"supply-receipt:{transfer.pk}", recipient=t.bob
            ).exists()
        )


class DistributionTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()
        t = cls.t
        cls.item = Item.objects.get(code="mask-surgical")
        now = timezone.now()
        # Site 2 used 20 a day and is out; site 1 asked for 60.
        services.record_receipt(
            actor=t.root, unit=t.a_site_2, item=cls.item, quantity=20, now=now - timedelta(days=2)
        )
        services.record_issue(
            actor=t.root, unit=t.a_site_2, item=cls.item, quantity=20, now=now - timedelta(days=1)
        )
        cls.request = services.file_request(
            actor=t.bob, unit=t.a_site_1, item=cls.item, quantity=60, reason="防疫检查点用"
        )
        services.record_receipt(actor=t.olga, unit=t.a_sub, item=cls.item, quantity=500)

    def test_shares_are_proposed_by_need_with_reasons(self):
        t = self.t
        shares = queries.propose_distribution(t.olga, t.a_sub, self.item, 500)
        by_unit = {s.unit.code: s for s in shares}
        self.assertEqual(by_unit["a-site-1"].quantity, 60)
        self.assertEqual(by_unit["a-site-2"].quantity, 30)  # three days at 10 a day
        self.assertIn("60", by_unit["a-site-1"].reason)
        # Too little for all: in proportion, every unit counted whole.
        scarce = queries.propose_distribution(t.olga, t.a_sub, self.item, 45)
        self.assertEqual(sum(s.quantity for s in scarce), 45)
        self.assertEqual(
            {s.unit.code: s.quantity for s in scarce}, {"a-site-1": 30, "a-site-2": 15}
        )

    def test_distribute_ships_transfers_and_fulfils_the_request(self):
        t = self.t
        made = services.distribute(
            actor=t.olga,
            from_unit=t.a_sub,
            item=self.item,
            shares=[(t.a_site_1, 50), (t.a_site_2, 30)],
            note="市场监管局调拨",
        )
        self.assertEqual(made.quantity, 80)
        self.assertEqual(made.transfers.count(), 2)
        self.request.refresh_from_db()
        self.assertEqual((self.request.state, self.request.approved_quantity), ("shipped", 50))
        self.assertEqual(Balance.objects.get(unit=t.a_sub, item=self.item).quantity, 420)
        self.assertEqual(Transfer.objects.filter(state=TransferState.IN_TRANSIT).count(), 2)

    def test_a_distribution_beyond_the_stock_writes_nothing(self):
        t = self.t
        with self.assertRaises(InvalidInput):
            services.distribute(
                actor=t.olga,
                from_unit=t.a_sub,
                item=self.item,
                shares=[(t.a_site_1, 400), (t.a_site_2, 200)],
            )
        self.assertEqual(Transfer.objects.count(), 0)
        self.assertEqual(Balance.objects.get(unit=t.a_sub, item=self.item).quantity, 500)


class BoardAndApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()
        t = cls.t
        cls.item = Item.objects.get(code="mask-surgical")
        now = timezone.now()
        services.record_receipt(
            actor=t.root, unit=t.a_site_1, item=cls.item, quantity=100, now=now - timedelta(days=2)
        )
        services.record_issue(
            actor=t.root, unit=t.a_site_1, item=cls.item, quantity=80, now=now - timedelta(days=1)
        )
        services.record_receipt(actor=t.root, unit=t.a_site_2, item=cls.item, quantity=1000)

    def test_the_board_lists_the_short_worst_first_and_outsiders_get_404(self):
        client = self.login(self.t.olga)
        page = client.get("/supplies/board/?unit=group-a")
        self.assertContains(page, 'data-unit="a-site-1"')
        self.assertNotContains(page, 'data-unit="a-site-2"')
        self.assertContains(page, "低于安全库存")
        self.assertContains(page, 'href="?unit=a-sub', msg_prefix="the child to drill into")
        # The subtree's stock comes after the page, in a request of its own.
        self.assertContains(page, 'data-testid="subtree-stock-loading"')
        stock = client.get("/supplies/board/?unit=group-a&part=stock")
        self.assertContains(stock, 'data-testid="subtree-stock"')
        self.assertContains(stock, "医用外科口罩")
        self.assertNotContains(stock, "<html")
        self.login(self.t.charlie)
        self.assertEqual(self.client.get("/supplies/board/?unit=group-a").status_code, 404)

    def test_the_board_reads_a_fixed_number_of_queries(self):
        client = self.login(self.t.olga)
        client.get("/supplies/board/?unit=group-a")  # the session and scope warm
        more = Item.objects.exclude(pk=self.item.pk).first()
        for unit in (self.t.a_site_2, self.t.a_sub):
            services.record_receipt(actor=self.t.root, unit=unit, item=more, quantity=1)
        with self.assertNumQueries(
            14
        ):  # session, scope, breadcrumbs (2), the page's units and items
            page = client.get("/supplies/board/?unit=group-a&item=mask-surgical")
        self.assertEqual(page.status_code, 200)

    def test_stock_and_shortfalls_over_the_api(self):
        client = self.login(self.t.olga)
        rows = client.get("/api/v1/supplies/stock?unit=a-site-1").json()
        row = next(r for r in rows if r["item"] == "mask-surgical")
        self.assertEqual((row["balance"], row["state"]), (20, "below"))
        self.assertEqual(row["rate"], 40.0)  # 80 over the two days held
        self.assertEqual(row["days_of_cover"], 0.5)
        rolled = client.get("/api/v1/supplies/stock?unit=group-a&subtree=1").json()
        whole = next(r for r in rolled if r["item"] == "mask-surgical")
        self.assertEqual((whole["balance"], whole["units_short"]), (1020, 1))
        board = client.get("/api/v1/supplies/shortfalls?unit=group-a").json()
        self.assertEqual([r["unit"] for r in board["items"]], ["a-site-1"])
        self.assertEqual(board["totals"][0]["units_short"], 1)
        self.login(self.t.charlie)
        self.assertEqual(
            self.client.get("/api/v1/supplies/shortfalls?unit=group-a").status_code, 404
        )
        self.assertEqual(self.client.get("/api/v1/supplies/stock?unit=a-site-1").status_code, 404)

    def test_requests_over_the_api(self):
        t = self.t
        client = self.login(t.bob)
        body = {
            "unit": "a-site-1",
            "item": "mask-surgical",
            "quantity": 200,
            "reason": "缺口",
            "urgency": "urgent",
        }
        made = client.post(
            "/api/v1/supplies/requests",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": "req-1"},
        )
        self.assertEqual(made.status_code, 201, made.content)
        again = client.post(
            "/api/v1/supplies/requests",
            json.dumps(body),
            content_type="application/json",
            headers={"Idempotency-Key": "req-1"},
        )
        self.assertEqual(again.json()["id"], made.json()["id"])
        rid = made.json()["id"]
        self.assertEqual(made.json()["at_unit"], "a-sub")
        bad = client.post(
            "/api/v1/supplies/requests",
            json.dumps({**body, "item": "nope"}),
            content_type="application/json",
        )
        self.assertEqual(bad.json()["code"], "unknown_item")
        client = self.login(t.alice)
        decided = client.post(
            f"/api/v1/supplies/requests/{rid}/decide",
            json.dumps(
                {"decision": "approve", "quantity": 150, "note": "先拨150", "ship_from": "a-site-2"}
            ),
            content_type="application/json",
        )
        self.assertEqual(decided.status_code, 200, decided.content)
        self.assertEqual(decided.json()["state"], "shipped")
        listed = client.get("/api/v1/supplies/requests?unit=group-a").json()
        self.assertEqual(listed["count"], 1)
        self.login(t.charlie)
        self.assertEqual(self.client.get(f"/supplies/requests/{rid}/").status_code, 404)
        self.assertEqual(
            self.client.post(
                f"/api/v1/supplies/requests/{rid}/decide",
                json.dumps({"decision": "reject", "note": "x"}),
                content_type="application/json",
            ).status_code,
            404,
        )

    def test_request_pages(self):
        t = self.t
        client = self.login(t.bob)
        form = client.get(
            "/supplies/requests/new/?for_unit=a-site-1&item=mask-surgical&quantity=40"
        )
        self.assertEqual(form.status_code, 200)
        bad = client.post(
            "/supplies/requests/new/",
            {"unit": "a-site-1", "item": "mask-surgical", "quantity": "abc", "reason": "x"},
        )
        self.assertContains(bad, "整数")
        done = client.post(
            "/supplies/requests/new/",
            {
                "unit": "a-site-1",
                "item": "mask-surgical",
                "quantity": "１２０",
                "reason": "不足",
                "urgency": "normal",
            },
        )
        self.assertEqual(done.status_code, 302)
        rid = int(done["Location"].rstrip("/").split("/")[-1])
        client = self.login(t.alice)
        page = client.get(f"/supplies/requests/{rid}/")
        self.assertContains(page, 'data-testid="decide-form"')
        client.post(
            f"/supplies/requests/{rid}/decide/",
            {"decision": "approve", "quantity": "100", "note": "部分", "ship_from": "a-site-2"},
        )
        page = client.get(f"/supplies/requests/{rid}/")
        self.assertContains(page, "已发货")
        self.assertEqual(client.get("/supplies/requests/?unit=group-a").status_code, 200)
        self.assertEqual(
            client.get("/supplies/distribute/?unit=a-sub&item=mask-surgical").status_code, 200
        )


class WorkbenchHooksTests(ProvinceMixin, TestCase):
    """The to-do items, the command-view panel and the report's prefill."""

    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()
        t = cls.t
        cls.item = Item.objects.get(code="mask-surgical")
        services.record_receipt(actor=t.bob, unit=t.a_site_1, item=cls.item, quantity=300)
        services.record_receipt(
            actor=t.bob, unit=t.a_site_1, item=Item.objects.get(code="mask-kn95"), quantity=25
        )
        cls.request = services.file_request(
            actor=t.bob, unit=t.a_site_1, item=cls.item, quantity=60, reason="不足"
        )
        services.send_transfer(
            actor=t.olga, from_unit=t.a_site_1, to_unit=t.a_site_2, item=cls.item, quantity=10
        )

    def test_to_do_items(self):
        from fangkong.supplies import tasks

        now = timezone.now()
        decide = list(tasks.requests_to_decide(self.t.alice, now))
        self.assertEqual([task.kind for task in decide], ["supplies.request"])
        self.assertEqual(list(tasks.requests_to_decide(self.t.bob, now)), [])  # his own
        confirm = list(tasks.receipts_to_confirm(self.t.alice, now))
        self.assertEqual(len(confirm), 1)
        self.assertEqual(list(tasks.receipts_to_confirm(self.t.charlie, now)), [])

    def test_the_command_panel_and_the_prefill(self):
        from fangkong.supplies import command, prefill

        panel = command.shortfalls(self.t.olga, self.t.group_a, timezone.now())
        self.assertIsNotNone(panel)
        self.assertIsNone(
            command.shortfalls(self.t.olga, self.t.group_a, timezone.now() - timedelta(days=2))
        )
        today = self.t.a_site_1.local_date()
        self.assertEqual(
            prefill.derive(self.t.a_site_1, today, ()), {"masks_in_stock": 300 - 10 + 25}
        )
        self.assertEqual(prefill.derive(self.t.b_sub, today, ()), {})  # nothing kept there
        self.assertEqual(prefill.derive(self.t.a_sub, today, (self.t.a_site_1.path,)), {})
        self.assertEqual(prefill.derive(self.t.a_site_1, today - timedelta(days=1), ()), {})
