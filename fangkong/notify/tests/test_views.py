from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.notify import services
from fangkong.notify.choices import Channel, State
from fangkong.notify.models import Message, UnitChannel
from fangkong.notify.testing import outbox_topic
from fangkong.orgs import services as org_services
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user


class InboxTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        services.queue(
            topic=outbox_topic(),
            key="one",
            subject="第一条提醒",
            body="正文一",
            users=[t.bob, t.charlie],
            unit=t.a_site_1,
            url="/reports/",
        )
        services.queue(
            topic=outbox_topic(), key="two", subject="第二条提醒", users=[t.bob], unit=t.a_site_1
        )
        services.queue(
            topic=outbox_topic(), key="later", subject="未投递", users=[t.bob], unit=t.a_site_1
        )
        services.deliver_due(batch=3)  # "later" is not delivered yet

    def test_inbox_lists_own_delivered_messages(self):
        page = self.login(self.t.bob).get(reverse("notify:inbox")).content.decode()
        self.assertIn("第一条提醒", page)
        self.assertIn("第二条提醒", page)
        self.assertNotIn("未投递", page)
        self.assertIn('data-testid="inbox-unread">2<', page)
        charlie = self.login(self.t.charlie).get(reverse("notify:inbox")).content.decode()
        self.assertNotIn("第二条提醒", charlie)

    def test_unread_badge_in_the_navbar(self):
        client = self.login(self.t.bob)
        home = client.get("/").content.decode()
        self.assertIn(f'hx-get="{reverse("notify:unread")}"', home)
        self.assertEqual(client.get(reverse("notify:unread")).content, b"2")
        services.mark_read(user=self.t.bob)
        self.assertEqual(client.get(reverse("notify:unread")).content, b"")
        self.client.logout()
        self.assertEqual(self.client.get(reverse("notify:unread")).content, b"")

    def test_mark_one_and_all_read(self):
        client = self.login(self.t.bob)
        first = Message.objects.get(recipient=self.t.bob, dedupe_key__startswith="one")
        response = client.post(reverse("notify:mark_read"), {"message": first.pk})
        self.assertRedirects(response, reverse("notify:inbox"))
        self.assertEqual(client.get(reverse("notify:unread")).content, b"1")
        unread = client.get(reverse("notify:inbox") + "?unread=1").content.decode()
        self.assertNotIn("第一条提醒", unread)
        client.post(reverse("notify:mark_read"))
        self.assertEqual(client.get(reverse("notify:unread")).content, b"")

    def test_someone_else_s_message_is_a_404(self):
        bobs = Message.objects.get(recipient=self.t.bob, dedupe_key__startswith="two")
        client = self.login(self.t.charlie)
        response = client.post(reverse("notify:mark_read"), {"message": bobs.pk})
        self.assertEqual(response.status_code, 404)
        self.assertIsNone(Message.objects.get(pk=bobs.pk).read_at)

    def test_anonymous_is_sent_to_login(self):
        self.assertRedirects(
            self.client.get(reverse("notify:inbox")), "/login/?next=/notify/inbox/"
        )


class DeliveryLogTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        cls.admin_a = make_user("admin-a")
        grant(cls.admin_a, t.group_a, Role.SYSTEM_ADMIN)
        robot = UnitChannel.objects.create(
            unit=t.group_a,
            kind=Channel.DINGTALK,
            target="http://127.0.0.1:9/robot/send?access_token=TOKEN",
        )
        for i in range(5):
            services.queue(
                topic=outbox_topic(),
                key=f"a{i}",
                subject=f"A 单位消息 {i}",
                channels=[robot],
                unit=t.a_site_1,
            )
        services.queue(
            topic=outbox_topic(), key="b", subject="B 单位消息", users=[t.charlie], unit=t.b_sub
        )
        cls.dead = Message.objects.filter(unit=t.a_site_1).first()
        Message.objects.filter(unit=t.a_site_1).update(
            state=State.DEAD, attempts=6, last_error="HTTP 500"
        )
        cls.other = Message.objects.get(unit=t.b_sub)
        Message.objects.filter(pk=cls.other.pk).update(state=State.DEAD)

    def test_system_admin_sees_the_log_of_the_scope(self):
        client = self.login(self.admin_a)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("notify:log")).content.decode()
        self.assertLessEqual(len(queries), 12)
        self.assertIn("A 单位消息 0", page)
        self.assertIn("HTTP 500", page)
        self.assertNotIn("B 单位消息", page)
        self.assertNotIn("TOKEN", page)  # the robot's token is a credential
        self.assertEqual(page.count('data-testid="retry"'), 5)
        filtered = client.get(reverse("notify:log") + "?state=sent&channel=dingtalk")
        self.assertNotIn("A 单位消息", filtered.content.decode())
        everything = self.login(self.t.root).get(reverse("notify:log")).content.decode()
        self.assertIn("B 单位消息", everything)

    def test_the_recipient_column_is_named_and_shows_a_name(self):
        # Its header was "To", in Chinese 止 (until); its cells the login (issue 10).
        self.t.charlie.first_name = "陈查理"
        self.t.charlie.save(update_fields=["first_name"])
        page = self.login(self.t.root).get(reverse("notify:log")).content.decode()
        self.assertIn("<th>接收人</th>", page)
        self.assertNotIn("<th>止</th>", page)
        self.assertIn(">陈查理<", page)
        self.assertNotIn(">charlie<", page)

    def test_retry_a_dead_message(self):
        client = self.login(self.admin_a)
        url = reverse("notify:message_retry", args=[self.dead.pk])
        response = client.post(url, {"next": reverse("notify:log") + "?state=dead"})
        self.assertRedirects(response, reverse("notify:log") + "?state=dead")
        self.dead.refresh_from_db()
        self.assertEqual((self.dead.state, self.dead.attempts), (State.QUEUED, 0))
        response = client.post(url, {"next": "https://evil.example/"}, follow=True)
        self.assertRedirects(response, reverse("notify:log"))
        self.assertContains(response, "alert-danger")  # no longer dead: a conflict

    def test_others_get_404(self):
        for user in (self.t.alice, self.t.charlie, self.t.bob):  # no system-admin role
            client = self.login(user)
            self.assertEqual(client.get(reverse("notify:log")).status_code, 404)
            retry = client.post(reverse("notify:message_retry", args=[self.dead.pk]))
            self.assertEqual(retry.status_code, 404)
        self.assertEqual(Message.objects.get(pk=self.dead.pk).state, State.DEAD)
        client = self.login(self.admin_a)
        retry = client.post(reverse("notify:message_retry", args=[self.other.pk]))
        self.assertEqual(retry.status_code, 404)  # outside admin-a's subtree
        self.assertEqual(Message.objects.get(pk=self.other.pk).state, State.DEAD)


class UnitMoveTests(ProvinceMixin, TestCase):
    def test_the_log_scope_follows_a_moved_unit(self):
        t = self.t
        services.queue(topic=outbox_topic(), key="x", subject="s", users=[t.bob], unit=t.a_site_1)
        org_services.move_unit(actor=t.root, unit=t.a_sub, new_parent=t.group_b)
        t.a_site_1.refresh_from_db()
        self.assertEqual(Message.objects.get().unit_path, t.a_site_1.path)
