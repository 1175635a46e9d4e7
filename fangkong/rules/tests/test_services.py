"""Rules and plans: publishing a version issues a notice with a receipt per covered unit
(the notices' machinery), the acknowledgement rate from those receipts, versions numbered
and immutable, confirming one's reading once, the people who still owe it per unit, the
scope of a rule, a drill's findings as rectification items, the restart checklist item."""

from django.test import TestCase, override_settings

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.inspections.models import Rectification
from fangkong.inspections.services import may_verify
from fangkong.notices import services as notices
from fangkong.notices.models import Notice, Receipt
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.testing import ProvinceMixin
from fangkong.rules import queries, services
from fangkong.rules.choices import Category, Confirm
from fangkong.rules.models import ImmutableVersion, ReadConfirmation, Rule, RuleVersion
from fangkong.rules.testing import link_bob, make_rule
from fangkong.teams.models import Team


@override_settings(MEDIA_ROOT="/tmp/fk-rules-media")
class RuleServiceTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        link_bob(cls.t)

    def test_publishing_issues_a_notice_with_receipts(self):
        rule = make_rule(self.t)
        v1 = queries.current_version(rule)
        self.assertEqual(v1.number, 1)
        notice = v1.notice
        self.assertEqual(notice.state, "issued")
        self.assertEqual(notice.issuer, self.t.group_a)
        self.assertIn("十六不准", notice.title)
        self.assertIn(f"/rules/{rule.pk}/", notice.body)
        # every covered unit but the issuer: a-hq, a-sub, a-site-1, a-site-2
        units = set(Receipt.objects.filter(notice=notice).values_list("unit__code", flat=True))
        self.assertEqual(units, {"a-hq", "a-sub", "a-site-1", "a-site-2"})
        ack = queries.get_ack(self.t.olga, v1, self.t.group_a)
        self.assertEqual((ack.total, ack.acked, ack.ack_rate), (4, 0, 0))
        notices.acknowledge(actor=self.t.bob, notice=notice)
        ack = queries.get_ack(self.t.olga, v1, self.t.group_a)
        self.assertEqual((ack.acked, ack.ack_rate), (1, 25))
        self.assertEqual(
            {r.unit.code for r in queries.list_not_acked(self.t.olga, v1, self.t.group_a)},
            {"a-hq", "a-sub", "a-site-2"},
        )

    def test_kinds_filter_and_a_rule_covering_nobody(self):
        rule = make_rule(self.t, unit_kinds=[UnitKind.SUBSIDIARY])
        notice = queries.current_version(rule).notice
        self.assertEqual(
            list(Receipt.objects.filter(notice=notice).values_list("unit__code", flat=True)),
            ["a-sub"],
        )
        # people of the subsidiary and below it must read it; not a-hq's
        self.assertEqual(
            set(queries.readers(rule).values_list("employee_no", flat=True)), {"A002", "A003"}
        )
        with self.assertRaises(InvalidInput) as caught:
            make_rule(self.t, title="空", recipients=[self.t.a_site_1], issuer=self.t.a_site_1)
        self.assertEqual(caught.exception.code, "no_recipients")
        self.assertEqual(Rule.objects.count(), 1)  # nothing half-written

    def test_new_versions_numbered_and_published_ones_immutable(self):
        rule = make_rule(self.t)
        v2 = services.publish_version(actor=self.t.olga, rule=rule, body="第二版", note="增补")
        self.assertEqual(v2.number, 2)
        self.assertEqual(Notice.objects.count(), 2)
        self.assertEqual(queries.current_version(rule), v2)
        v1 = RuleVersion.objects.get(rule=rule, number=1)
        v1.body = "<p>改过</p>"
        with self.assertRaises(ImmutableVersion):
            v1.save()
        with self.assertRaises(ImmutableVersion):
            v1.save(update_fields=["body"])
        v1.refresh_from_db()
        self.assertIn("不准隐瞒疫情", v1.body)
        with self.assertRaises(PermissionDeniedInScope):
            services.publish_version(actor=self.t.bob, rule=rule, body="x")
        with self.assertRaises(PermissionDeniedInScope):
            services.publish_version(actor=self.t.charlie, rule=rule, body="x")

    def test_body_sanitized(self):
        rule = make_rule(self.t, body='<h2>一</h2><script>alert(1)</script><p onclick="x">文</p>')
        body = queries.current_version(rule).body
        self.assertNotIn("script", body)
        self.assertNotIn("onclick", body)
        self.assertIn("<h2>一</h2>", body)

    def test_confirm_reading_is_idempotent_and_counted(self):
        rule = make_rule(self.t)
        v1 = queries.current_version(rule)
        first, created = services.confirm_reading(user=self.t.bob, version=v1)
        again, created_again = services.confirm_reading(user=self.t.bob, version=v1)
        self.assertTrue(created)
        self.assertFalse(created_again)
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(ReadConfirmation.objects.count(), 1)
        reading = queries.get_reading(self.t.olga, v1, self.t.group_a)
        self.assertEqual((reading.total, reading.confirmed, reading.rate), (3, 1, 33))
        by_child = {c.unit.code: (c.total, c.confirmed) for c in reading.children}
        self.assertEqual(by_child, {"a-hq": (1, 0), "a-sub": (2, 1)})
        missing = queries.list_not_confirmed(self.t.olga, v1, self.t.group_a)
        self.assertEqual([p.employee_no for p in missing], ["A001", "A003"])
        # a new version asks again
        v2 = services.publish_version(actor=self.t.olga, rule=rule, body="第二版")
        self.assertEqual(queries.get_reading(self.t.olga, v2).confirmed, 0)
        mine = queries.list_my_rules(self.t.p_site_1)
        self.assertEqual([(m.version.number, m.confirmed) for m in mine], [(2, None)])
        self.assertEqual([o.number for o in mine[0].older], [1])

    def test_who_must_confirm(self):
        nobody = make_rule(self.t, title="九项规定", category=Category.NINE_RULES,
                           confirm=Confirm.NOBODY)  # fmt: skip
        with self.assertRaises(Conflict):
            services.confirm_reading(user=self.t.bob, version=queries.current_version(nobody))
        cadres = make_rule(self.t, confirm=Confirm.CADRES)
        self.assertEqual(
            list(queries.readers(cadres).values_list("employee_no", flat=True)), ["A001"]
        )
        with self.assertRaises(Conflict):  # bob's person is no party member
            services.confirm_reading(user=self.t.bob, version=queries.current_version(cadres))
        with self.assertRaises(PermissionDeniedInScope):  # no person on the roster
            services.confirm_reading(user=self.t.alice, version=queries.current_version(cadres))

    def test_scope_of_a_rule(self):
        rule = make_rule(self.t)
        self.assertEqual(list(queries.visible_rules(self.t.bob)), [rule])  # covered below
        self.assertEqual(list(queries.visible_rules(self.t.charlie)), [])
        self.assertEqual(list(queries.visible_rules(self.t.sasac)), [rule])  # issuer below
        v1 = queries.current_version(rule)
        # the liaison sees only his subtree's people and receipts
        self.assertEqual(queries.get_reading(self.t.bob, v1).total, 1)
        self.assertEqual(queries.get_ack(self.t.bob, v1).total, 1)


@override_settings(MEDIA_ROOT="/tmp/fk-rules-media")
class PlanServiceTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from fangkong.duty.services import roster

        cls.team = Team.objects.create(
            unit=cls.t.group_a, unit_path=cls.t.group_a.path, name="应急队伍", kind="emergency"
        )
        cls.room = roster.save_room(actor=cls.t.root, unit=cls.t.group_a, name="总值班室")

    def plan(self, **extra):
        values = {
            "actor": self.t.alice,
            "unit": self.t.a_sub,
            "title": "疫情防控应急预案",
            "roles": [{"name": "现场处置组", "team": self.team, "duty_room": self.room}],
        } | extra
        return services.save_plan(**values)

    def test_plan_roles_linked_to_the_line(self):
        plan = self.plan()
        self.assertEqual([(r.team, r.duty_room) for r in plan.roles.all()],
                         [(self.team, self.room)])  # fmt: skip
        other = Team.objects.create(
            unit=self.t.group_b, unit_path=self.t.group_b.path, name="B队", kind="emergency"
        )
        with self.assertRaises(InvalidInput) as caught:
            self.plan(roles=[{"name": "组", "team": other}])
        self.assertIn("roles.0.team", caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            self.plan(actor=self.t.bob)

    def test_a_drill_finding_becomes_a_rectification_item(self):
        plan = self.plan()
        drill = services.record_drill(
            actor=self.t.alice, plan=plan, day=self.t.a_sub.local_date(), scenario="发热病例处置",
            participants=12, summary="流程基本顺畅",
            findings=[{"title": "隔离室消毒液不足", "severity": "serious"}],
        )  # fmt: skip
        rect = Rectification.objects.get()
        self.assertEqual(rect.unit, self.t.a_sub)
        self.assertIsNone(rect.visit_id)
        self.assertIn("应急演练", rect.source)
        self.assertEqual(rect.source_url, f"/rules/drills/{drill.pk}/")
        self.assertEqual(drill.findings.get().rectification, rect)
        self.assertTrue(may_verify(self.t.alice, rect))  # who recorded it, as an inspector
        with self.assertRaises(InvalidInput):  # not a day to come
            services.record_drill(
                actor=self.t.alice, plan=plan, day="2099-01-01", scenario="x",
                findings=[{"title": "y"}],
            )  # fmt: skip
        self.assertEqual(Rectification.objects.count(), 1)

    def test_contingency_for_the_restart_checklist(self):
        self.assertFalse(queries.get_contingency(self.t.a_sub).met)
        rule = make_rule(self.t, title="应急预案", category=Category.CONTINGENCY,
                         confirm=Confirm.NOBODY)  # fmt: skip
        found = queries.get_contingency(self.t.a_sub)
        self.assertEqual((found.rules, found.acked, found.met), (1, 0, False))
        notice = queries.current_version(rule).notice
        Receipt.objects.filter(notice=notice, unit=self.t.a_sub).update(acked_at=notice.issued_at)
        self.assertTrue(queries.get_contingency(self.t.a_sub).met)
        services.publish_version(actor=self.t.olga, rule=rule, body="修订")
        self.assertFalse(queries.get_contingency(self.t.a_sub).met)  # the current one counts
        self.plan()
        self.assertTrue(queries.get_contingency(self.t.a_sub).met)  # its own plan, linked
