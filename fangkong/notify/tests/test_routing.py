"""Routing rules, `notify.services.queue` (rules, unit channels, people on duty), quiet hours, the
recipient's language and absolute links; delivered to a real local webhook server and
SMTP server."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase, override_settings
from django.utils.translation import gettext_lazy

from fangkong.core.models import UserProfile
from fangkong.notify import queries, recipients, services
from fangkong.notify.choices import Channel, State
from fangkong.notify.models import Message, RoutingRule, UnitChannel
from fangkong.notify.testing import SmtpSink, WebhookReceiver, outbox_topic
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Person
from fangkong.orgs.testing import grant, make_user

from .test_sms import SmsMixin

# 2020-02-03 10:00 in Asia/Shanghai (UTC+8): daytime; 23:30 local is 15:30 UTC.
DAY = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)
NIGHT = datetime(2020, 2, 3, 15, 30, tzinfo=UTC)
MORNING = datetime(2020, 2, 3, 23, 0, tzinfo=UTC)  # 07:00 on the 4th, local


def rule(unit, topic, role, channels, **extra):
    return RoutingRule.objects.create(unit=unit, topic=topic, role=role, channels=channels, **extra)


class RouteTests(SmsMixin, TestCase):
    def test_no_rules_no_one(self):
        self.assertEqual(queries.route(topic="incident", unit=self.t.a_site_1), {})

    def test_a_group_rule_reaches_the_nearest_holders_up_the_message_s_line(self):
        t = self.t
        rule(t.group_a, "incident", Role.LIAISON, ["sms"])
        rule(t.group_a, "incident", Role.OFFICE, ["email", "inapp"])
        rule(t.group_a, "reminder", Role.UNIT_ADMIN, ["email"])
        with self.assertNumQueries(2):
            found = queries.route(topic="incident", unit=t.a_site_1)
        self.assertEqual(found, {t.bob.pk: {"sms"}, t.olga.pk: {"email", "inapp"}})
        # a-site-2 has no liaison on its line: only the office.
        self.assertEqual(
            queries.route(topic="incident", unit=t.a_site_2), {t.olga.pk: {"email", "inapp"}}
        )
        self.assertEqual(queries.route(topic="incident", unit=t.b_sub), {})  # another group

    def test_the_nearest_unit_with_rules_for_the_topic_or_every_topic_wins(self):
        t = self.t
        rule(t.group_a, "incident", Role.OFFICE, ["email"])
        rule(t.a_sub, "*", Role.LIAISON, ["inapp"])
        self.assertEqual(queries.route(topic="incident", unit=t.a_site_1), {t.bob.pk: {"inapp"}})
        self.assertEqual(queries.route(topic="incident", unit=t.a_hq), {t.olga.pk: {"email"}})

    def test_own_unit_only_rules_and_inactive_rules_and_users(self):
        t = self.t
        rule(t.group_a, "incident", Role.OFFICE, ["email"])
        rule(t.a_sub, "incident", Role.LIAISON, ["sms"], applies_to_subtree=False)
        rule(t.a_site_1, "incident", Role.UNIT_ADMIN, ["sms"], is_active=False)
        self.assertEqual(queries.route(topic="incident", unit=t.a_site_1), {t.olga.pk: {"email"}})
        self.assertEqual(queries.route(topic="incident", unit=t.a_sub), {})  # no liaison there
        t.olga.is_active = False  # the nearest *active* office: the province's
        t.olga.save()
        self.assertEqual(queries.route(topic="incident", unit=t.a_site_1), {t.sasac.pk: {"email"}})


@override_settings(LANGUAGE_CODE="en", NOTIFY_QUIET_HOURS="22:00-07:00")
class QueueRoutedTests(SmsMixin, TestCase):
    def setUp(self):
        self.on_duty: set[int] = set()
        resolver = recipients.register_on_duty_resolver(lambda unit, at, roles: self.on_duty)
        self.addCleanup(recipients._resolvers.remove, resolver)

    def queue(self, key="inc:1", **extra):
        return services.queue(
            key=key,
            topic=extra.pop("topic", "incident"),
            unit=extra.pop("unit", self.t.a_site_1),
            subject=extra.pop("subject", "Incident at the heat station"),
            body=extra.pop("body", "Two people with fever."),
            **extra,
        )

    def targets(self):
        return {(m.channel, m.recipient_id, m.endpoint_id) for m in Message.objects.all()}

    def test_users_rules_on_duty_and_unit_channels_one_row_each(self):
        t = self.t
        self.give_phone(t.bob, "13800000001")
        t.olga.email = "olga@example.org"
        t.olga.save()
        duty = make_user("duty")
        self.give_phone(duty, "13900000002")
        self.on_duty = {duty.pk}
        robot = UnitChannel.objects.create(unit=t.a_sub, kind=Channel.WECOM, target="https://x/y")
        rule(t.group_a, "incident", Role.LIAISON, ["sms", "inapp"])
        rule(t.group_a, "incident", Role.OFFICE, ["email", "sms"])  # olga has no phone
        with time_machine.travel(DAY, tick=False):
            count = self.queue(users=[t.alice, t.bob])  # "incident": urgent, with on-duty
        expected = {
            ("inapp", t.alice.pk, None),
            ("inapp", t.bob.pk, None),
            ("sms", t.bob.pk, None),
            ("email", t.olga.pk, None),
            ("inapp", duty.pk, None),
            ("sms", duty.pk, None),
            (Channel.WECOM, None, robot.pk),
        }
        self.assertEqual(count, len(expected))
        self.assertEqual(self.targets(), expected)
        self.assertEqual(set(Message.objects.values_list("next_attempt_at", flat=True)), {DAY})
        self.assertEqual(
            set(Message.objects.values_list("topic", "unit_id")), {("incident", t.a_site_1.pk)}
        )
        with time_machine.travel(DAY, tick=False):  # the same key again: nothing new
            self.assertEqual(self.queue(users=[t.alice, t.bob]), 0)
        keys = set(Message.objects.values_list("dedupe_key", flat=True))
        self.assertLessEqual(
            {
                f"inc:1|u{t.bob.pk}",
                f"inc:1|s{t.bob.pk}",
                f"inc:1|e{t.olga.pk}",
                f"inc:1|c{robot.pk}",
            },
            keys,
        )

    def test_on_duty_only_for_topics_that_ask(self):
        self.on_duty = {self.t.charlie.pk}
        self.queue(users=[self.t.bob], topic="reminder")
        self.assertEqual(self.targets(), {("inapp", self.t.bob.pk, None)})

    def test_quiet_hours_hold_sms_and_email_but_not_in_app_nor_urgent(self):
        t = self.t
        self.give_phone(t.bob, "13800000001")
        rule(t.group_a, "reminder", Role.LIAISON, ["sms", "inapp"])
        UnitChannel.objects.create(unit=t.group_a, kind=Channel.EMAIL, target="office@example.org")
        UnitChannel.objects.create(unit=t.group_a, kind=Channel.DINGTALK, target="https://d/x")
        with time_machine.travel(NIGHT, tick=False):
            self.queue(key="r", topic="reminder")
            self.queue(key="u", topic="incident")  # an urgent topic
        held = dict(
            Message.objects.filter(dedupe_key__startswith="r|").values_list(
                "channel", "next_attempt_at"
            )
        )
        self.assertEqual(
            held, {"sms": MORNING, "email": MORNING, "inapp": NIGHT, "dingtalk": NIGHT}
        )
        urgent = Message.objects.filter(dedupe_key__startswith="u|")
        self.assertEqual(set(urgent.values_list("next_attempt_at", flat=True)), {NIGHT})
        with time_machine.travel(NIGHT + timedelta(minutes=1), tick=False):
            result = services.deliver_due()
        # All but the two held ones: r's inbox and robot, u's (no rule: the unit's) two.
        self.assertEqual(result["claimed"], 4)
        held = Message.objects.filter(state=State.QUEUED, next_attempt_at=MORNING)
        self.assertEqual(set(held.values_list("channel", flat=True)), {"sms", "email"})

    def test_quiet_until(self):
        unit = self.t.a_site_1
        local = unit.timezone  # Asia/Shanghai
        self.assertEqual(local, "Asia/Shanghai")
        self.assertEqual(services.quiet_until(unit, DAY), DAY)
        self.assertEqual(services.quiet_until(unit, NIGHT), MORNING)
        early = datetime(2020, 2, 3, 20, 0, tzinfo=UTC)  # 04:00 on the 4th, local
        self.assertEqual(services.quiet_until(unit, early), MORNING)
        self.assertEqual(services.quiet_until(unit, MORNING), MORNING)  # 07:00 is past them
        with override_settings(NOTIFY_QUIET_HOURS="off"):
            self.assertEqual(services.quiet_until(unit, NIGHT), NIGHT)
        with override_settings(NOTIFY_QUIET_HOURS="12:00-14:00"):
            noon = datetime(2020, 2, 3, 4, 30, tzinfo=UTC)  # 12:30 local
            self.assertEqual(
                services.quiet_until(unit, noon), datetime(2020, 2, 3, 6, 0, tzinfo=UTC)
            )
        unit.timezone = "Europe/Berlin"  # 23:30 UTC+8 is 16:30 in Berlin
        self.assertEqual(services.quiet_until(unit, NIGHT), NIGHT)

    def test_each_recipient_gets_their_own_language(self):
        t = self.t
        UserProfile.objects.create(user=t.bob, language="en")
        UserProfile.objects.create(user=t.alice, language="zh-hans")
        with override_settings(LANGUAGE_CODE="zh-hans"):
            self.queue(
                users=[t.bob, t.alice, t.olga],
                subject=gettext_lazy("Inbox"),
                body=lambda: str(gettext_lazy("Delivery log")),
            )
        texts = {m.recipient_id: (m.subject, m.body) for m in Message.objects.all()}
        self.assertEqual(texts[t.bob.pk], ("Inbox", "Delivery log"))
        self.assertNotEqual(texts[t.alice.pk][0], "Inbox")  # the Chinese catalogue's
        self.assertEqual(texts[t.olga.pk], texts[t.alice.pk])  # no choice: the site's

    def test_inactive_and_unknown_users_get_nothing(self):
        self.t.bob.is_active = False
        self.t.bob.save()
        self.assertEqual(self.queue(users=[self.t.bob, 999999]), 0)

    @override_settings(NOTIFY_BASE_URL="https://fk.example.org")
    def test_delivered_to_robot_and_mail_with_absolute_links(self):
        t = self.t
        t.olga.email = "olga@example.org"
        t.olga.save()
        rule(t.group_a, "incident", Role.OFFICE, ["email"])
        with (
            WebhookReceiver() as robot,
            SmtpSink() as smtp,
            override_settings(
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=smtp.port,
                EMAIL_USE_TLS=False,
            ),
        ):
            UnitChannel.objects.create(
                unit=t.group_a, kind=Channel.FEISHU, target=robot.url("/open-apis/bot/v2/hook/x")
            )
            self.queue(url="/incidents/7/")
            self.assertEqual(services.deliver_due()["sent"], 2)
        [request] = robot.requests
        self.assertEqual(
            request.json["content"]["text"],
            "Incident at the heat station\n"
            "Two people with fever.\nhttps://fk.example.org/incidents/7/",
        )
        self.assertEqual(len(request.headers["X-Fangkong-Message"]), 32)
        [(_sender, recipients_, mail)] = smtp.messages
        self.assertEqual(recipients_, ["olga@example.org"])
        self.assertIn("https://fk.example.org/incidents/7/", mail.get_content())
        self.assertEqual(Message.objects.get(channel="email").url, "/incidents/7/")


@override_settings(LANGUAGE_CODE="en")
class NoBaseUrlTests(SmsMixin, TestCase):
    def test_without_a_base_url_texts_carry_no_relative_link(self):
        with WebhookReceiver() as robot:
            channel = UnitChannel.objects.create(
                unit=self.t.group_a, kind=Channel.WECOM, target=robot.url("/hook")
            )
            services.queue(
                topic=outbox_topic(), key="k", subject="s", body="b", channels=[channel], url="/x/"
            )
            services.deliver_due()
        self.assertEqual(robot.requests[0].json["text"]["content"], "s\nb")


class OnDutyNeedsAPhoneTests(SmsMixin, TestCase):
    def test_person_link(self):
        duty = make_user("duty2")
        grant(duty, self.t.a_site_1, Role.VIEWER)
        self.give_phone(duty, "")
        self.assertEqual(queries.recipient_details([duty.pk])[duty.pk][1], "")
        Person.objects.filter(user=duty).update(phone="13900000003")
        self.assertEqual(queries.recipient_details([duty.pk])[duty.pk][1], "13900000003")


class SettingsCheckTests(TestCase):
    def test_bad_quiet_hours_and_gateway_are_reported_and_hold_nothing(self):
        from fangkong.notify.checks import check_notify_settings

        self.assertEqual(check_notify_settings(), [])
        with override_settings(NOTIFY_QUIET_HOURS="22-7", SMS_GATEWAY="no.such.Gateway"):
            ids = [e.id for e in check_notify_settings()]
            self.assertEqual(ids, ["notify.E001", "notify.E002"])
            with self.assertLogs("fangkong.notify.services", "ERROR"):
                self.assertIsNone(services.quiet_window())
