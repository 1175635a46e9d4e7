"""One notification path for every topic: each app's topic, under each kind of rule, reaches
the people the policy names on the channels it names (the table of docs/operations.md)."""

from datetime import UTC, date, datetime

import time_machine
from django.test import TestCase, override_settings

from fangkong.core.testing import run_followups
from fangkong.health.services import checkins
from fangkong.notify import recipients, services
from fangkong.notify.choices import Channel
from fangkong.notify.models import Message, RoutingRule
from fangkong.notify.testing import TEST_TOPIC
from fangkong.notify.topics import get_topic, list_topics, topic_choices
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import make_user
from fangkong.reporting import services as reporting
from fangkong.reporting.testing import daily_values, make_reporting_province

from .test_sms import SmsMixin

NIGHT = datetime(2020, 2, 3, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai: quiet hours
MORNING = datetime(2020, 2, 3, 23, 0, tzinfo=UTC)  # 07:00 local, when they end

# The policy of each app's topic: (urgent, the people on duty hear of it).
POLICY = {
    "incident": (True, True),
    "health_case": (True, False),
    "health": (False, False),
    "checkin_reminder": (False, False),
    "reminder": (False, False),
    "missing": (False, False),
    "mismatch": (False, False),
    "duty_gaps": (False, False),
    "duty_swap": (False, False),
    "duty_handover": (False, False),
    "chase": (False, False),
    "supply_shortfall": (False, False),
    "supply_request": (False, False),
    "supply_receipt": (False, False),
    "fund_proposal": (False, False),
    "site_slot_missed": (False, False),
    "rectification": (False, False),
    "notice": (False, False),
    "notice_chase": (False, True),
    "canteen_plan": (False, False),
    "restart_plan": (False, False),
}
# A rule on group A, and what Olga (its epidemic office, phone and mail on file) gets for
# a message about a-site-1 on topic T: the rule for T, for every topic, for another topic.
RULES = [
    (lambda topic: (topic, ["sms"]), {Channel.SMS}),
    (lambda topic: ("*", ["email", "inapp"]), {Channel.EMAIL, Channel.INAPP}),
    (lambda topic: ("reminder" if topic != "reminder" else "missing", ["sms"]), set()),
]


@override_settings(LANGUAGE_CODE="en", NOTIFY_QUIET_HOURS="22:00-07:00")
class TopicTableTests(SmsMixin, TestCase):
    def setUp(self):
        t = self.t
        self.give_phone(t.olga, "13800000009")
        t.olga.email = "olga@example.org"
        t.olga.save()
        self.duty = make_user("on-duty")
        self.give_phone(self.duty, "13900000002")
        resolver = recipients.register_on_duty_resolver(lambda unit, at, roles: {self.duty.pk})
        self.addCleanup(recipients._resolvers.remove, resolver)

    def test_every_app_topic_is_registered_with_its_policy_and_offered_to_rules(self):
        registered = {t.code: (t.urgent, t.on_duty) for t in list_topics() if t.code != TEST_TOPIC}
        self.assertEqual(registered, POLICY)
        self.assertEqual({code for code, _label in topic_choices()} - {TEST_TOPIC}, {"*", *POLICY})
        self.assertTrue(all(str(t.recipients) for t in list_topics() if t.code != TEST_TOPIC))
        with self.assertRaises(LookupError):
            services.queue(key="x", topic="no_such_topic", subject="s", unit=self.t.a_site_1)

    def test_topic_by_rule_who_gets_it_on_which_channel(self):
        t = self.t
        for topic, (urgent, on_duty) in POLICY.items():
            for make_rule, olga_gets in RULES:
                with self.subTest(topic=topic, rule=make_rule(topic)):
                    Message.objects.all().delete()
                    RoutingRule.objects.all().delete()
                    rule_topic, channels = make_rule(topic)
                    RoutingRule.objects.create(
                        unit=t.group_a, topic=rule_topic, role=Role.OFFICE, channels=channels
                    )
                    with time_machine.travel(NIGHT, tick=False):
                        services.queue(
                            key="k", topic=topic, unit=t.a_site_1, subject="s", users=[t.bob]
                        )
                    got = set(Message.objects.values_list("recipient_id", "channel"))
                    expected = {(t.bob.pk, Channel.INAPP)}  # the caller's default recipients
                    expected |= {(t.olga.pk, c) for c in olga_gets}
                    if on_duty:
                        expected |= {(self.duty.pk, Channel.INAPP), (self.duty.pk, Channel.SMS)}
                    self.assertEqual(got, expected)
                    held = set(
                        Message.objects.filter(next_attempt_at=MORNING).values_list(
                            "channel", flat=True
                        )
                    )
                    quiet = {c for _u, c in expected} & {Channel.SMS, Channel.EMAIL}
                    self.assertEqual(held, set() if urgent else quiet)


@override_settings(LANGUAGE_CODE="en", NOTIFY_QUIET_HOURS="22:00-07:00")
class RealPathTests(SmsMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()

    def test_send_health_cases_to_the_office_by_sms_really_sends_an_sms_at_night(self):
        t = self.t
        self.give_phone(t.olga, "13800000009")
        RoutingRule.objects.create(
            unit=t.group_a, topic="health_case", role=Role.OFFICE, channels=["sms"]
        )
        with time_machine.travel(NIGHT, tick=False):
            link = checkins.issue_links(actor=t.root, people=[t.p_site_1])[0]
            checkins.check_in_self(link=link, raw={"temperature": "38.6"})
        sms = Message.objects.get(topic="health_case", channel=Channel.SMS)
        self.assertEqual((sms.recipient, sms.next_attempt_at), (t.olga, NIGHT))  # urgent
        self.assertIn("38.6", sms.subject)
        # The liaison (the nearest on the person's line) hears of it in the inbox.
        self.assertTrue(
            Message.objects.filter(
                topic="health_case", recipient=t.bob, channel=Channel.INAPP
            ).exists()
        )
        self.assertTrue(get_topic("health_case").urgent)

    def test_a_rule_for_mismatches_reaches_the_office_by_sms_through_the_follow_up(self):
        t = self.t
        self.give_phone(t.olga, "13800000009")
        RoutingRule.objects.create(
            unit=t.group_a, topic="mismatch", role=Role.OFFICE, channels=["sms"]
        )
        link = checkins.issue_links(actor=t.root, people=[t.p_site_1])[0]
        with time_machine.travel(datetime(2020, 2, 3, 0, 30, tzinfo=UTC), tick=False):
            checkins.check_in_self(link=link, raw={"temperature": "38.6"})
            values = daily_values(
                staff_total=1,
                on_post=1,
                on_duty=0,
                party_on_post=0,
                volunteers_on_post=0,
                remote=0,
                fever_today=0,
            )
            reporting.file_report(
                actor=t.bob,
                form=t.daily,
                unit=t.a_site_1,
                day=date(2020, 2, 3),
                values=values,
                confirm=True,
                comment="ok",
            )
            self.assertFalse(Message.objects.filter(topic="mismatch").exists())
            run_followups()
        channels = set(
            Message.objects.filter(topic="mismatch", recipient=t.olga).values_list(
                "channel", flat=True
            )
        )
        self.assertEqual(channels, {Channel.INAPP, Channel.SMS})
