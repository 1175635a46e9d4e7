"""Two workers at once, each a thread with its own database connection (on PostgreSQL:
DATABASE_URL=postgres://…; the claim uses FOR UPDATE SKIP LOCKED there)."""

from collections import Counter
from unittest import skipIf

from django.db import connection
from django.test import TransactionTestCase

from fangkong.core.testing import run_in_threads
from fangkong.notify import services
from fangkong.notify.choices import Channel, State
from fangkong.notify.models import Message, UnitChannel
from fangkong.notify.testing import WebhookReceiver, outbox_topic
from fangkong.orgs.testing import make_province
from fangkong.reporting.testing import ShippedFormsMixin


@skipIf(
    connection.vendor == "sqlite",
    "the in-memory SQLite test database shares one cache between threads, where a second "
    "writer fails at once (SQLITE_LOCKED) instead of waiting as on a database file",
)
class ConcurrentWorkerTests(ShippedFormsMixin, TransactionTestCase):
    def test_two_workers_never_send_one_message_twice(self):
        t = make_province()
        with WebhookReceiver(delay=0.01) as robot:
            channels = [
                UnitChannel.objects.create(
                    unit=t.group_a, kind=Channel.WECOM, target=robot.url(f"/hook/{i}")
                )
                for i in range(4)
            ]
            for i in range(80):
                services.queue(
                    topic=outbox_topic(),
                    key=f"m{i}",
                    subject=f"m{i}",
                    channels=[channels[i % 4]],
                    users=[t.bob] if i % 5 == 0 else [],
                    unit=t.a_site_1,
                )
            done: dict[int, Counter] = {}

            def worker(n):
                total: Counter = Counter()
                while (result := services.deliver_due(batch=7))["claimed"]:
                    total.update(result)
                done[n] = total

            run_in_threads(worker)
        contents = Counter(r.json["text"]["content"] for r in robot.requests)
        self.assertEqual(contents, Counter({f"m{i}": 1 for i in range(80)}))
        self.assertEqual(Message.objects.filter(state=State.SENT, attempts=1).count(), 96)
        self.assertEqual(done[0]["sent"] + done[1]["sent"], 96)
        self.assertFalse(done[0]["lost"] or done[1]["lost"])

    def test_two_sweeps_queueing_the_same_key_make_one_row_per_target(self):
        t = make_province()
        channel = UnitChannel.objects.create(
            unit=t.group_a, kind=Channel.WECOM, target="https://x/y"
        )

        def sweep(n):
            for i in range(20):
                services.queue(
                    topic=outbox_topic(),
                    key=f"remind:{i}",
                    subject="s",
                    users=[t.bob, t.olga],
                    channels=[channel],
                    unit=t.a_site_1,
                )

        run_in_threads(sweep)
        self.assertEqual(Message.objects.count(), 60)


@skipIf(connection.vendor == "sqlite", "SQLite's writers never run at the same moment")
class ConcurrentRuleTests(TransactionTestCase):
    def test_one_rule_saved_twice_at_once_is_one_rule_and_a_clear_error(self):
        from fangkong.core.errors import InvalidInput
        from fangkong.notify.models import RoutingRule

        t = make_province()
        outcomes = []

        def save(n):
            try:
                services.create_routing_rule(
                    actor=t.root, unit=t.a_sub, topic="incident", role="office", channels=["sms"]
                )
                outcomes.append("saved")
            except InvalidInput as exc:
                outcomes.append(list(exc.fields))

        run_in_threads(save)
        self.assertEqual(sorted(outcomes, key=str), [["role"], "saved"])
        self.assertEqual(RoutingRule.objects.count(), 1)
