"""The routing-rule pages (unit admins and system admins, scoped; outsiders get 404) and
retrying every given-up message of a delivery-log page."""

from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.errors import PermissionDeniedInScope
from fangkong.core.models import AuditEntry
from fangkong.notify import services
from fangkong.notify.choices import State
from fangkong.notify.models import Message, RoutingRule
from fangkong.notify.testing import outbox_topic
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user


@override_settings(LANGUAGE_CODE="en")
class RuleViewTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        cls.rule_a = services.create_routing_rule(
            actor=t.alice, unit=t.a_sub, topic="incident", role=Role.LIAISON, channels=["sms"]
        )
        cls.rule_b = services.create_routing_rule(
            actor=t.charlie, unit=t.b_sub, topic="*", role=Role.OFFICE, channels=["email"]
        )

    def test_list_shows_the_scope_only(self):
        page = self.login(self.t.alice).get(reverse("notify:rule_list")).content.decode()
        self.assertEqual(page.count('data-testid="rule-row"'), 1)
        self.assertIn("Unit a-sub", page)
        self.assertNotIn("Unit b-sub", page)
        self.assertIn(reverse("notify:rule_list"), self.client.get("/").content.decode())  # nav

    def test_create_edit_deactivate(self):
        client = self.login(self.t.alice)
        response = client.post(
            reverse("notify:rule_create"),
            {
                "unit": "a-site-1",
                "topic": "health_case",
                "role": Role.UNIT_ADMIN,
                "channels": ["inapp", "email"],
                "applies_to_subtree": "on",
            },
        )
        self.assertRedirects(response, reverse("notify:rule_list"))
        rule = RoutingRule.objects.get(unit=self.t.a_site_1)
        self.assertEqual(
            (rule.topic, rule.channels, rule.applies_to_subtree),
            ("health_case", ["inapp", "email"], True),
        )
        edit = reverse("notify:rule_edit", args=[rule.pk])
        self.assertContains(client.get(edit), 'value="email" id="channel-email" checked')
        client.post(edit, {"topic": "health_case", "role": Role.UNIT_ADMIN, "channels": ["sms"]})
        rule.refresh_from_db()
        self.assertEqual((rule.channels, rule.applies_to_subtree), (["sms"], False))
        client.post(reverse("notify:rule_deactivate", args=[rule.pk]))
        rule.refresh_from_db()
        self.assertFalse(rule.is_active)
        actions = set(AuditEntry.objects.values_list("action", flat=True))
        self.assertLessEqual(
            {"create_routing_rule", "update_routing_rule", "deactivate_routing_rule"}, actions
        )
        # Topics by their label: once in the list of topics, once more for the rule.
        self.assertContains(client.get(reverse("notify:rule_list")), "<td>Health cases</td>", 1)
        self.assertContains(
            client.get(reverse("notify:rule_list") + "?all=1"), "<td>Health cases</td>", 2
        )

    def test_form_errors(self):
        client = self.login(self.t.alice)
        data = {"unit": "b-sub", "topic": "incident", "role": Role.LIAISON, "channels": ["sms"]}
        self.assertContains(
            client.post(reverse("notify:rule_create"), data), "No such unit in your scope."
        )
        data["unit"] = "a-sub"  # the same (unit, topic, role) as rule_a
        self.assertContains(
            client.post(reverse("notify:rule_create"), data),
            "already has a rule for this topic and role",
        )
        data["channels"] = []
        response = client.post(reverse("notify:rule_create"), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(RoutingRule.objects.count(), 2)

    def test_outsiders_get_404(self):
        for user in (self.t.charlie, self.t.bob, self.t.olga):  # bob, olga: no admin role
            client = self.login(user)
            self.assertEqual(
                client.get(reverse("notify:rule_edit", args=[self.rule_a.pk])).status_code, 404
            )
            deactivate = client.post(reverse("notify:rule_deactivate", args=[self.rule_a.pk]))
            self.assertEqual(deactivate.status_code, 404)
        for user in (self.t.bob, self.t.olga):
            client = self.login(user)
            self.assertEqual(client.get(reverse("notify:rule_list")).status_code, 404)
            self.assertEqual(client.get(reverse("notify:rule_create")).status_code, 404)
        self.rule_a.refresh_from_db()
        self.assertTrue(self.rule_a.is_active)

    def test_service_refuses_a_unit_outside_the_scope(self):
        with self.assertRaises(PermissionDeniedInScope):
            services.create_routing_rule(
                actor=self.t.charlie,
                unit=self.t.a_sub,
                topic="*",
                role=Role.OFFICE,
                channels=["inapp"],
            )


class RetryDeadTests(ProvinceMixin, TestCase):
    def test_retry_every_dead_message_of_the_page(self):
        t = self.t
        for i in range(3):
            services.queue(
                topic=outbox_topic(), key=f"a{i}", subject=f"a{i}", users=[t.bob], unit=t.a_site_1
            )
        services.queue(topic=outbox_topic(), key="b", subject="b", users=[t.charlie], unit=t.b_sub)
        Message.objects.update(state=State.DEAD, attempts=6)
        other = Message.objects.get(unit=t.b_sub)
        admin = make_user("admin-a")
        grant(admin, t.group_a, Role.SYSTEM_ADMIN)
        client = self.login(admin)
        page = client.get(reverse("notify:log") + "?state=dead").content.decode()
        self.assertIn('data-testid="retry-dead"', page)
        ids = list(Message.objects.values_list("pk", flat=True))  # one outside the scope
        response = client.post(
            reverse("notify:retry_dead"),
            {"message": ids, "next": reverse("notify:log") + "?state=dead"},
        )
        self.assertRedirects(response, reverse("notify:log") + "?state=dead")
        self.assertEqual(Message.objects.filter(state=State.QUEUED, attempts=0).count(), 3)
        other.refresh_from_db()
        self.assertEqual(other.state, State.DEAD)
        self.assertEqual(AuditEntry.objects.filter(action="retry_message").count(), 3)
        self.assertEqual(
            self.login(t.bob).post(reverse("notify:retry_dead"), {"message": ids}).status_code, 404
        )
