"""SMS through a pluggable gateway: the console gateway (masked number, no text in the
log) and the HTTP gateway against a real local HTTP server (a 500, a hang, a refusal)."""

import itertools
import time

from django.test import TestCase, override_settings

from fangkong.notify import services, sms
from fangkong.notify.choices import Channel, State
from fangkong.notify.models import Message
from fangkong.notify.testing import WebhookReceiver
from fangkong.orgs import services as org_services
from fangkong.orgs.models import Person
from fangkong.orgs.testing import ProvinceMixin

_numbers = itertools.count(1)
HTTP = "fangkong.notify.sms.HttpGateway"


class SmsMixin(ProvinceMixin):
    def give_phone(self, user, phone):
        """Link `user` to a new roster entry with `phone`."""
        person = org_services.create_person(
            actor=self.t.root,
            unit=self.t.a_site_1,
            employee_no=f"S{next(_numbers):04}",
            name=f"Person of {user.get_username()}",
            phone=phone,
        )
        Person.objects.filter(pk=person.pk).update(user=user)
        return person

    def queue_sms(self, key="k", user=None, **extra):
        """A message to the user's phone, as notify.services.queue's on-duty path writes it."""
        Message.objects.create(
            channel=Channel.SMS,
            recipient=user or self.t.bob,
            subject="【疫情】发热 2 人",
            body="a-site-1",
            dedupe_key=key,
            **extra,
        )


@override_settings(LANGUAGE_CODE="en", NOTIFY_BASE_URL="https://fk.example.org")
class SmsTests(SmsMixin, TestCase):
    def test_mask_phone(self):
        self.assertEqual(sms.mask_phone("13800000001"), "138****0001")
        self.assertEqual(sms.mask_phone("+86 138 0000 0001"), "+86*******0001")
        self.assertEqual(sms.mask_phone("12345"), "*****")

    def test_console_gateway_logs_the_masked_number_and_the_length_only(self):
        self.give_phone(self.t.bob, "13800000001")
        self.queue_sms(url="/incidents/1/")
        with self.assertLogs("fangkong.notify.sms", "INFO") as logs:
            self.assertEqual(services.deliver_due()["sent"], 1)
        [line] = logs.output
        text = "【疫情】发热 2 人\na-site-1\nhttps://fk.example.org/incidents/1/"
        self.assertIn(f"SMS to 138****0001: {len(text)} characters", line)
        self.assertNotIn("13800000001", line)
        self.assertNotIn("发热", line)

    def test_http_gateway_posts_json_with_the_token(self):
        self.give_phone(self.t.bob, "13800000001")
        with (
            WebhookReceiver() as gateway,
            override_settings(
                SMS_GATEWAY=HTTP, SMS_URL=gateway.url("/sms/send"), SMS_TOKEN="tok-1"
            ),
        ):
            self.queue_sms()
            self.assertEqual(services.deliver_due()["sent"], 1)
        [request] = gateway.requests
        self.assertEqual(request.path, "/sms/send")
        self.assertEqual(request.headers["Authorization"], "Bearer tok-1")
        self.assertEqual(request.json["phone"], "13800000001")
        self.assertEqual(request.json["text"], "【疫情】发热 2 人\na-site-1")
        self.assertEqual(request.json["key"], request.headers["Idempotency-Key"])
        self.assertEqual(Message.objects.get().state, State.SENT)

    @override_settings(NOTIFY_MAX_ATTEMPTS=2)
    def test_gateway_error_refusal_then_dead(self):
        self.give_phone(self.t.bob, "13800000001")
        with (
            WebhookReceiver(mode="error") as gateway,
            override_settings(SMS_GATEWAY=HTTP, SMS_URL=gateway.url("/sms")),
        ):
            self.queue_sms()
            services.deliver_due()
            message = Message.objects.get()
            self.assertEqual((message.state, message.last_error), (State.FAILED, "HTTP 500"))
            gateway.mode = "refuse"
            Message.objects.update(next_attempt_at=message.created_at)
            self.assertEqual(services.deliver_due()["dead"], 1)
        message.refresh_from_db()
        self.assertIn("310000", message.last_error)
        # the same key on each attempt: the gateway can tell a repeat
        self.assertEqual(len({r.json["key"] for r in gateway.requests}), 1)

    @override_settings(NOTIFY_TIMEOUT=0.5)
    def test_hanging_gateway_times_out(self):
        self.give_phone(self.t.bob, "13800000001")
        with (
            WebhookReceiver(mode="hang") as gateway,
            override_settings(SMS_GATEWAY=HTTP, SMS_URL=gateway.url("/sms")),
        ):
            self.queue_sms()
            started = time.monotonic()
            result = services.deliver_due()
            elapsed = time.monotonic() - started
        self.assertLess(elapsed, 1.5)
        self.assertEqual(result["failed"], 1)
        self.assertIn("timed out", Message.objects.get().last_error)

    def test_no_phone_is_given_up_at_once(self):
        self.queue_sms()  # bob has no roster entry
        self.assertEqual(services.deliver_due()["dead"], 1)
        self.assertEqual(Message.objects.get().last_error, "no phone number")

    def test_http_gateway_without_url_is_given_up(self):
        self.give_phone(self.t.bob, "13800000001")
        with override_settings(SMS_GATEWAY=HTTP, SMS_URL=""):
            self.queue_sms()
            self.assertEqual(services.deliver_due()["dead"], 1)

    def test_long_texts_are_cut(self):
        self.give_phone(self.t.bob, "13800000001")
        with (
            WebhookReceiver() as gateway,
            override_settings(SMS_GATEWAY=HTTP, SMS_URL=gateway.url("/sms")),
        ):
            Message.objects.create(
                channel=Channel.SMS,
                recipient=self.t.bob,
                subject="s",
                body="x" * 2000,
                dedupe_key="long",
            )
            services.deliver_due()
        text = gateway.requests[0].json["text"]
        self.assertEqual((len(text), text[-1]), (500, "…"))
