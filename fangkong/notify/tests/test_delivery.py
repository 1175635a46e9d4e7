"""Delivery from the outbox to real local receivers: an HTTP server for the robots and an
SMTP server for mail, each in a thread of the test process."""

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings

from fangkong.core.errors import Conflict
from fangkong.core.models import AuditEntry
from fangkong.notify import queries, services
from fangkong.notify.choices import Channel, State
from fangkong.notify.models import Message, UnitChannel
from fangkong.notify.testing import SmtpSink, WebhookReceiver, outbox_topic
from fangkong.orgs.queries import nearest_role_holders
from fangkong.orgs.testing import make_province

NOW = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)


def expected_sign(key: bytes, message: bytes) -> str:
    return base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


class DeliveryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_province()

    def channel(self, kind, target, unit=None, **extra):
        return UnitChannel.objects.create(
            unit=unit or self.t.group_a, kind=kind, target=target, **extra
        )

    def queue(self, key="k", channels=(), users=(), unit=None, **extra):
        return services.queue(
            topic=outbox_topic(),
            key=key,
            subject="【填报提醒】测试",
            body="正文 body",
            channels=channels,
            users=users,
            unit=unit or self.t.a_site_1,
            **extra,
        )

    def test_dingtalk_text_format_and_signature(self):
        with WebhookReceiver() as robot, time_machine.travel(NOW, tick=False):
            channel = self.channel(
                Channel.DINGTALK, robot.url("/robot/send?access_token=tok"), secret="SEC-ding"
            )
            self.assertEqual(self.queue(channels=[channel]), 1)
            result = services.deliver_due()
        self.assertEqual((result["claimed"], result["sent"]), (1, 1))
        [request] = robot.requests
        self.assertEqual(request.path, "/robot/send")
        self.assertEqual(
            request.json, {"msgtype": "text", "text": {"content": "【填报提醒】测试\n正文 body"}}
        )
        self.assertEqual(request.query["access_token"], "tok")
        timestamp = request.query["timestamp"]
        self.assertEqual(int(timestamp), int(NOW.timestamp() * 1000))
        self.assertEqual(
            request.query["sign"], expected_sign(b"SEC-ding", f"{timestamp}\nSEC-ding".encode())
        )
        self.assertIn("application/json", request.headers["Content-Type"])
        message = Message.objects.get()
        self.assertEqual((message.state, message.attempts, message.sent_at), (State.SENT, 1, NOW))

    def test_wecom_text_format(self):
        with WebhookReceiver() as robot:
            channel = self.channel(Channel.WECOM, robot.url("/cgi-bin/webhook/send?key=K1"))
            self.queue(channels=[channel])
            services.deliver_due()
        [request] = robot.requests
        self.assertEqual(
            request.json, {"msgtype": "text", "text": {"content": "【填报提醒】测试\n正文 body"}}
        )
        self.assertEqual(request.query, {"key": "K1"})
        self.assertEqual(Message.objects.get().state, State.SENT)

    def test_feishu_text_format_and_signature(self):
        with WebhookReceiver() as robot, time_machine.travel(NOW, tick=False):
            channel = self.channel(
                Channel.FEISHU, robot.url("/open-apis/bot/v2/hook/abc"), secret="SEC-fs"
            )
            self.queue(channels=[channel])
            services.deliver_due()
        body = robot.requests[0].json
        self.assertEqual(body["msg_type"], "text")
        self.assertEqual(body["content"], {"text": "【填报提醒】测试\n正文 body"})
        self.assertEqual(body["timestamp"], str(int(NOW.timestamp())))
        self.assertEqual(body["sign"], expected_sign(f"{body['timestamp']}\nSEC-fs".encode(), b""))
        self.assertEqual(robot.requests[0].query, {})

    def test_unsigned_feishu_has_no_signature(self):
        with WebhookReceiver() as robot:
            self.queue(channels=[self.channel(Channel.FEISHU, robot.url("/hook/x"))])
            services.deliver_due()
        self.assertNotIn("sign", robot.requests[0].json)

    def test_robot_that_refuses_in_its_answer_is_a_failure(self):
        with WebhookReceiver(mode="refuse") as robot:
            self.queue(channels=[self.channel(Channel.DINGTALK, robot.url("/robot/send"))])
            services.deliver_due()
        message = Message.objects.get()
        self.assertEqual((message.state, message.attempts), (State.FAILED, 1))
        self.assertIn("310000", message.last_error)

    @override_settings(NOTIFY_MAX_ATTEMPTS=3, NOTIFY_BACKOFF_SECONDS=30)
    def test_server_error_is_retried_with_back_off_then_dead_then_retried_by_an_admin(self):
        with WebhookReceiver(mode="error") as robot:
            with time_machine.travel(NOW, tick=False):
                self.queue(channels=[self.channel(Channel.WECOM, robot.url("/hook"))])
                services.deliver_due()
            message = Message.objects.get()
            self.assertEqual((message.state, message.attempts), (State.FAILED, 1))
            self.assertEqual(message.next_attempt_at, NOW + timedelta(seconds=30))
            self.assertEqual(message.last_error, "HTTP 500")
            with time_machine.travel(NOW + timedelta(seconds=29), tick=False):
                self.assertEqual(services.deliver_due(), {"claimed": 0})  # backing off
            with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
                services.deliver_due()
            message.refresh_from_db()
            self.assertEqual((message.state, message.attempts), (State.FAILED, 2))
            self.assertEqual(message.next_attempt_at, NOW + timedelta(seconds=90))  # 60 s later
            with time_machine.travel(NOW + timedelta(seconds=90), tick=False):
                self.assertEqual(services.deliver_due()["dead"], 1)
            with time_machine.travel(NOW + timedelta(days=1), tick=False):
                self.assertEqual(services.deliver_due(), {"claimed": 0})  # dead stays dead
            self.assertEqual(len(robot.requests), 3)
            message.refresh_from_db()
            self.assertEqual((message.state, message.attempts), (State.DEAD, 3))

            robot.mode = "ok"
            services.retry_message(actor=self.t.root, message_id=message.pk)
            self.assertEqual(services.deliver_due()["sent"], 1)
        message.refresh_from_db()
        self.assertEqual((message.state, message.attempts, message.last_error), (State.SENT, 1, ""))
        self.assertEqual(len(robot.requests), 4)
        self.assertTrue(AuditEntry.objects.filter(action="retry_message").exists())
        with self.assertRaises(Conflict):
            services.retry_message(actor=self.t.root, message_id=message.pk)

    @override_settings(NOTIFY_TIMEOUT=0.5)
    def test_hanging_receiver_times_out_and_the_sweep_moves_on(self):
        with WebhookReceiver(mode="hang") as stuck, WebhookReceiver() as good:
            hanging = self.channel(Channel.DINGTALK, stuck.url("/robot/send"))
            working = self.channel(Channel.WECOM, good.url("/hook"), unit=self.t.group_b)
            for key in ("a", "b", "c"):
                self.queue(key=key, channels=[hanging])
            self.queue(key="d", channels=[working], users=[self.t.bob])
            started = time.monotonic()
            result = services.deliver_due()
            elapsed = time.monotonic() - started
            self.assertEqual(len(stuck.requests), 1)  # one timeout, not one per message
            self.assertEqual(len(good.requests), 1)
        self.assertLess(elapsed, 1.5)
        self.assertEqual(result, {"claimed": 5, "sent": 2, "failed": 1, "deferred": 2})
        failed = Message.objects.get(state=State.FAILED)
        self.assertIn("timed out", failed.last_error)
        waiting = Message.objects.filter(endpoint=hanging, state=State.QUEUED)
        self.assertEqual(waiting.count(), 2)
        for message in waiting:  # they wait as long as the failed one, no attempt counted
            self.assertEqual(
                (message.attempts, message.next_attempt_at), (0, failed.next_attempt_at)
            )

    def test_a_killed_worker_s_claim_is_taken_again_when_its_lease_ends(self):
        with WebhookReceiver() as robot:
            with time_machine.travel(NOW, tick=False):
                self.queue(channels=[self.channel(Channel.DINGTALK, robot.url("/robot/send"))])
                token, claimed = services.claim()  # …and the worker dies before sending
            self.assertEqual(Message.objects.get().state, State.SENDING)
            lease = timedelta(seconds=services.lease_seconds(claimed[0].urgent))
            with time_machine.travel(NOW + lease - timedelta(seconds=1), tick=False):
                self.assertEqual(services.deliver_due(), {"claimed": 0})
            with time_machine.travel(NOW + lease, tick=False):
                self.assertEqual(services.deliver_due()["sent"], 1)
        self.assertEqual(len(robot.requests), 1)
        # Had the first worker lived on, its result no longer counts: the claim is not its.
        outcome = services._Outcome(error=None)
        self.assertEqual(services._record(claimed, {claimed[0].pk: outcome}, token)["lost"], 1)
        self.assertEqual(Message.objects.get().state, State.SENT)

    def test_in_app_messages_are_delivered_by_marking_them_sent(self):
        self.queue(users=[self.t.bob, self.t.olga.pk])
        self.assertEqual(queries.count_unread(self.t.bob), 0)  # not delivered yet
        self.assertEqual(services.deliver_due()["sent"], 2)
        self.assertEqual(queries.count_unread(self.t.bob), 1)
        self.assertEqual(services.mark_read(user=self.t.bob), 1)
        self.assertEqual(
            (queries.count_unread(self.t.bob), queries.count_unread(self.t.olga)), (0, 1)
        )

    def test_queue_is_idempotent_per_target(self):
        channel = self.channel(
            Channel.WECOM, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"
        )
        self.assertEqual(self.queue(channels=[channel], users=[self.t.bob]), 2)
        self.assertEqual(self.queue(channels=[channel], users=[self.t.bob, self.t.olga]), 1)
        self.assertEqual(Message.objects.count(), 3)
        self.assertEqual(
            set(Message.objects.values_list("dedupe_key", flat=True)),
            {f"k|u{self.t.bob.pk}", f"k|u{self.t.olga.pk}", f"k|c{channel.pk}"},
        )

    def test_deactivated_channel_and_missing_address_are_given_up_at_once(self):
        channel = self.channel(Channel.DINGTALK, "http://127.0.0.1:9/robot/send")
        self.queue(channels=[channel])
        channel.is_active = False
        channel.save()
        Message.objects.create(
            channel=Channel.EMAIL,
            recipient=self.t.bob,
            subject="s",
            body="b",
            dedupe_key="no-address",
        )
        self.assertEqual(services.deliver_due()["dead"], 2)
        self.assertEqual(Message.objects.filter(state=State.DEAD, attempts=1).count(), 2)

    def test_email_through_django_mail(self):  # the test runner's locmem backend
        channel = self.channel(Channel.EMAIL, "office@example.org")
        self.queue(channels=[channel])
        services.deliver_due()
        [sent] = mail.outbox
        self.assertEqual(
            (sent.to, sent.subject, sent.body),
            (["office@example.org"], "【填报提醒】测试", "正文 body"),
        )

    def test_email_to_a_real_smtp_server(self):
        with (
            SmtpSink() as smtp,
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=smtp.port,
                EMAIL_USE_TLS=False,
                DEFAULT_FROM_EMAIL="fk@example.org",
            ),
        ):
            self.queue(channels=[self.channel(Channel.EMAIL, "office@example.org")])
            self.assertEqual(services.deliver_due()["sent"], 1)
        [(sender, recipients, message)] = smtp.messages
        self.assertEqual((sender, recipients), ("<fk@example.org>", ["office@example.org"]))
        self.assertEqual(message["Subject"], "【填报提醒】测试")
        self.assertEqual(message.get_content().strip(), "正文 body")

    @override_settings(NOTIFY_TIMEOUT=0.5)
    def test_unreachable_smtp_server_is_a_failure(self):
        with SmtpSink() as smtp:
            port = smtp.port  # closed when the block ends: nothing listens there any more
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
        ):
            self.queue(channels=[self.channel(Channel.EMAIL, "office@example.org")])
            services.deliver_due()
        self.assertEqual(Message.objects.get().state, State.FAILED)

    def test_channel_validation(self):
        bad = [
            UnitChannel(unit=self.t.group_a, kind=Channel.EMAIL, target="not-an-address"),
            UnitChannel(unit=self.t.group_a, kind=Channel.DINGTALK, target="file:///etc/passwd"),
            UnitChannel(unit=self.t.group_a, kind=Channel.WECOM, target="https://x/y", secret="s"),
        ]
        for channel in bad:
            with self.assertRaises(ValidationError):
                channel.full_clean()
        channel = self.channel(
            Channel.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=SECRET"
        )
        self.assertEqual(channel.display_target, "oapi.dingtalk.com")
        self.assertNotIn("SECRET", str(channel))


class RoutingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_province()

    def test_nearest_configured_unit_wins(self):
        t = self.t
        group = UnitChannel.objects.create(unit=t.group_a, kind=Channel.WECOM, target="https://g/x")
        sub = UnitChannel.objects.create(unit=t.a_sub, kind=Channel.DINGTALK, target="https://s/x")
        UnitChannel.objects.create(
            unit=t.a_sub, kind=Channel.FEISHU, target="https://s/y", is_active=False
        )
        with self.assertNumQueries(1):
            found = queries.list_channels_for_units([t.a_site_1, t.a_hq, t.a_sub, t.b_sub])
        self.assertEqual(found[t.a_site_1.pk], [sub])
        self.assertEqual(found[t.a_sub.pk], [sub])
        self.assertEqual(found[t.a_hq.pk], [group])
        self.assertEqual(found[t.b_sub.pk], [])

    def test_nearest_role_holders(self):
        t = self.t
        with self.assertNumQueries(1):
            found = nearest_role_holders([t.a_site_1, t.group_a, t.b_sub], "office", strict=True)
        self.assertEqual(found[t.a_site_1.pk], (t.group_a.pk, [t.olga.pk]))
        self.assertEqual(found[t.group_a.pk], (t.province.pk, [t.sasac.pk]))
        self.assertEqual(found[t.b_sub.pk], (t.province.pk, [t.sasac.pk]))
        not_strict = nearest_role_holders([t.group_a], "office")
        self.assertEqual(not_strict[t.group_a.pk], (t.group_a.pk, [t.olga.pk]))
