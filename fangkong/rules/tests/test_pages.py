"""Pages of rules and plans: the library, a new rule, a rule with its acknowledgement and
confirmation figures, a person's own rules with 我已阅读 (htmx, idempotent), the plans
and a drill; every page is a 404 for the outsider."""

from django.test import TestCase, override_settings

from fangkong.duty.services import roster
from fangkong.inspections.models import Rectification
from fangkong.orgs.testing import ProvinceMixin
from fangkong.rules import queries, services
from fangkong.rules.models import ReadConfirmation, Rule
from fangkong.rules.testing import link_bob, make_rule
from fangkong.teams.models import Team


@override_settings(MEDIA_ROOT="/tmp/fk-rules-media")
class RulePageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        link_bob(cls.t)
        cls.rule = make_rule(cls.t)
        cls.version = queries.current_version(cls.rule)
        team = Team.objects.create(
            unit=cls.t.group_a, unit_path=cls.t.group_a.path, name="集团应急队伍", kind="emergency"
        )
        room = roster.save_room(actor=cls.t.root, unit=cls.t.group_a, name="集团总值班室")
        cls.plan = services.save_plan(
            actor=cls.t.alice, unit=cls.t.a_sub, title="应急预案",
            roles=[{"name": "现场处置组", "team": team, "duty_room": room}],
        )  # fmt: skip
        cls.drill = services.record_drill(
            actor=cls.t.alice, plan=cls.plan, day=cls.t.a_sub.local_date(), scenario="发热处置",
            findings=[{"title": "隔离室未备消毒液"}],
        )  # fmt: skip

    def test_library_and_rule_page(self):
        self.client.force_login(self.t.olga)
        page = self.client.get("/rules/?unit=group-a")
        self.assertContains(page, "十六不准")
        page = self.client.get(f"/rules/{self.rule.pk}/")
        self.assertContains(page, "不准隐瞒疫情")
        self.assertContains(page, 'data-testid="ack-rate">0%')
        self.assertContains(page, "Person A001")  # not confirmed yet
        drill_down = self.client.get(f"/rules/{self.rule.pk}/?unit=a-sub")
        self.assertContains(drill_down, 'data-testid="unconfirmed">2<')

    def test_new_rule_and_version(self):
        self.client.force_login(self.t.olga)
        self.assertEqual(self.client.get("/rules/new/").status_code, 200)
        answer = self.client.post(
            "/rules/new/",
            {"issuer": "group-a", "title": "九项规定", "category": "nine_rules",
             "confirm": "nobody", "body": "一、严格执行", "recipients": "a-sub"},
        )  # fmt: skip
        rule = Rule.objects.get(title="九项规定")
        self.assertRedirects(answer, f"/rules/{rule.pk}/")
        self.client.post(f"/rules/{rule.pk}/publish/", {"body": "二、修订", "note": "修订"})
        self.assertEqual(queries.current_version(rule).number, 2)
        self.client.force_login(self.t.bob)  # no right to publish: the page does not exist
        self.assertEqual(self.client.get("/rules/new/").status_code, 404)

    def test_mine_and_confirm_with_htmx_twice(self):
        self.client.force_login(self.t.bob)
        page = self.client.get("/rules/mine/")
        self.assertContains(page, 'data-testid="confirm-read"')
        url = f"/rules/versions/{self.version.pk}/confirm/"
        for _ in range(2):
            answer = self.client.post(url, headers={"HX-Request": "true"})
            self.assertContains(answer, 'data-testid="confirmed"')
        self.assertEqual(ReadConfirmation.objects.count(), 1)
        self.assertNotContains(self.client.get("/rules/mine/"), 'data-testid="confirm-read"')
        plain = self.client.post(url, {"next": "https://elsewhere.example/"})
        self.assertRedirects(plain, "/rules/mine/")

    def test_older_version_viewable_by_the_person(self):
        services.publish_version(actor=self.t.olga, rule=self.rule, body="第二版全文")
        self.client.force_login(self.t.bob)
        page = self.client.get("/rules/mine/")
        self.assertContains(page, "第二版全文")
        self.assertContains(page, f"/rules/versions/{self.version.pk}/")

    def test_plans_and_drill(self):
        self.client.force_login(self.t.alice)
        self.assertContains(self.client.get("/rules/plans/?unit=group-a"), "应急预案")
        page = self.client.get(f"/rules/plans/{self.plan.pk}/")
        self.assertContains(page, "集团应急队伍")
        self.assertContains(page, "集团总值班室")
        rect = Rectification.objects.get()
        page = self.client.get(f"/rules/drills/{self.drill.pk}/")
        self.assertContains(page, f"/inspections/rectifications/{rect.pk}/")
        self.assertContains(self.client.get(f"/inspections/rectifications/{rect.pk}/"), "应急演练")
        answer = self.client.post(
            f"/rules/plans/{self.plan.pk}/drill/",
            {"day": str(self.t.a_sub.local_date()), "scenario": "第二次", "participants": "8",
             "finding-0-title": "通讯录未更新", "finding-0-severity": "minor"},
        )  # fmt: skip
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(Rectification.objects.count(), 2)
        self.assertEqual(self.client.get("/rules/plans/edit/?unit=a-sub").status_code, 200)

    def test_queries_do_not_grow_with_the_rules(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def count(user, url):
            self.client.force_login(user)
            with CaptureQueriesContext(connection) as queries_:
                self.assertEqual(self.client.get(url).status_code, 200)
            return len(queries_)

        before = (count(self.t.bob, "/rules/mine/"), count(self.t.olga, "/rules/"))
        for title in ("九项规定", "12项措施", "应急预案"):
            make_rule(self.t, title=title)
        after = (count(self.t.bob, "/rules/mine/"), count(self.t.olga, "/rules/"))
        self.assertEqual(before, after)

    def test_outsider_gets_404_everywhere(self):
        self.client.force_login(self.t.charlie)
        for url in (
            f"/rules/{self.rule.pk}/",
            f"/rules/versions/{self.version.pk}/",
            f"/rules/plans/{self.plan.pk}/",
            f"/rules/drills/{self.drill.pk}/",
            "/rules/?unit=group-a",
            "/rules/plans/?unit=group-a",
            f"/rules/plans/edit/?plan={self.plan.pk}",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        for url in (
            f"/rules/versions/{self.version.pk}/confirm/",
            f"/rules/{self.rule.pk}/publish/",
            f"/rules/plans/{self.plan.pk}/drill/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url).status_code, 404)
        self.assertFalse(ReadConfirmation.objects.exists())
