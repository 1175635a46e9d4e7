"""The notices' services: numbering, recipients, approval, reading, acknowledging,
chasing with its 5-minute rule, forwarding with the roll-up, the missing replies swept
into the ledger."""

from datetime import timedelta

import time_machine
from django.test import TestCase
from django.utils import timezone

from fangkong.accountability.models import Entry
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope, TooManyRequests
from fangkong.notices import queries, services
from fangkong.notices.choices import NoticeKind, NoticeState
from fangkong.notices.models import Receipt
from fangkong.notices.testing import make_leaders, sasac_notice
from fangkong.notify.models import Message
from fangkong.orgs.choices import Role, SiteKind
from fangkong.orgs.testing import ProvinceMixin


class NoticeServiceTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_leaders(cls.t)

    def test_pending_until_a_leader_approves_then_numbered_with_a_receipt_per_group(self):
        t = self.t
        notice = services.draft_notice(
            actor=t.sasac,
            issuer=t.province,
            kind=NoticeKind.NOTICE,
            title="通知",
            recipients=[t.province],
            unit_kinds=["group"],
        )
        self.assertEqual(notice.state, NoticeState.PENDING)
        self.assertFalse(Receipt.objects.filter(notice=notice).exists())
        notice = services.approve_notice(actor=t.lena, notice=notice)
        self.assertEqual(notice.state, NoticeState.ISSUED)
        year = t.province.local_date(notice.issued_at).year
        self.assertEqual(notice.number, f"Un防控发〔{year}〕1号")
        self.assertEqual(
            sorted(Receipt.objects.filter(notice=notice).values_list("unit__code", flat=True)),
            ["group-a", "group-b"],
        )
        second = sasac_notice(t)
        self.assertEqual(second.seq, 2)
        self.assertTrue(Message.objects.filter(topic="notice").exists())

    def test_body_is_sanitized(self):
        notice = sasac_notice(
            self.t,
            body='<h2>要求</h2><script>alert(1)</script><a href="javascript:x">x</a><table><tr><td onclick="x">1</td></tr></table>',
        )
        self.assertIn("<h2>要求</h2>", notice.body)
        self.assertIn("<td>1</td>", notice.body)
        self.assertNotIn("script", notice.body)
        self.assertNotIn("javascript", notice.body)
        self.assertNotIn("onclick", notice.body)

    def test_a_notice_to_no_one_is_refused_and_nothing_written(self):
        t = self.t
        from fangkong.notices.models import Notice

        with self.assertRaises(InvalidInput) as caught:
            services.draft_notice(
                actor=t.olga, issuer=t.group_a, kind="notice", title="x", recipients=[]
            )
        self.assertIn("recipients", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            services.draft_notice(
                actor=t.olga,
                issuer=t.group_a,
                kind="notice",
                title="x",
                recipients=[t.a_sub],
                site_kinds=[SiteKind.CANTEEN],
            )
        self.assertEqual(caught.exception.code, "no_recipients")
        with self.assertRaises(InvalidInput) as caught:
            services.draft_notice(
                actor=t.olga, issuer=t.group_a, kind="notice", title="x", recipients=[t.b_sub]
            )
        self.assertIn("recipients", caught.exception.fields)
        self.assertFalse(Notice.objects.exists())

    def test_role_addressed_notice_has_a_receipt_per_person(self):
        t = self.t
        notice = services.draft_notice(
            actor=t.leo,  # a leader of the issuer: issued at once
            issuer=t.group_a,
            kind=NoticeKind.ORDER,
            title="各热力站联络员",
            recipients=[t.group_a],
            site_kinds=[SiteKind.HEAT_STATION],
            role=Role.LIAISON,
        )
        self.assertEqual(notice.state, NoticeState.ISSUED)
        self.assertIn("防控令", notice.number)
        rows = list(Receipt.objects.filter(notice=notice).values_list("unit__code", "person_id"))
        self.assertEqual(rows, [("a-site-1", t.bob.pk)])

    def test_read_ack_reply_and_withdrawal(self):
        t = self.t
        notice = services.draft_notice(
            actor=t.leo, issuer=t.group_a, kind="notice", title="x", recipients=[t.a_sub]
        )
        self.assertEqual(services.mark_read(user=t.bob, notice=notice), 1)
        receipt = Receipt.objects.get(notice=notice, unit=t.a_site_1)
        self.assertEqual(receipt.read_by, t.bob)
        self.assertIsNone(receipt.acked_at)
        services.acknowledge(actor=t.bob, notice=notice, reply="已落实", done=True)
        receipt.refresh_from_db()
        self.assertTrue(receipt.acked_at and receipt.done and receipt.replied_at)
        with self.assertRaises(PermissionDeniedInScope):
            services.acknowledge(actor=t.alice, notice=notice)  # group-a itself got none
        services.withdraw_notice(actor=t.olga, notice=notice)
        with self.assertRaises(Conflict) as caught:
            services.acknowledge(actor=t.bob, notice=notice, reply="again")
        self.assertEqual(caught.exception.code, "withdrawn")

    def test_remind_at_most_every_five_minutes_escalating(self):
        t = self.t
        notice = sasac_notice(t)
        with time_machine.travel(timezone.now(), tick=False) as clock:
            first = services.remind(actor=t.sasac, notice=notice)
            self.assertEqual((first.level, first.units), (1, 2))
            with self.assertRaises(TooManyRequests) as caught:
                services.remind(actor=t.sasac, notice=notice)
            self.assertEqual(caught.exception.code, "too_soon")
            clock.shift(timedelta(minutes=5, seconds=1))
            self.assertEqual(services.remind(actor=t.sasac, notice=notice).level, 2)
            clock.shift(timedelta(minutes=6))
            self.assertEqual(services.remind(actor=t.sasac, notice=notice).level, 3)
        self.assertTrue(Message.objects.filter(topic="notice_chase").exists())

    def test_forward_rolls_up_to_the_original(self):
        t = self.t
        notice = sasac_notice(t)
        forward = services.forward_notice(
            actor=t.olga, notice=notice, issuer=t.group_a, cover_note="请认真贯彻落实"
        )
        self.assertEqual(
            (forward.kind, forward.original, forward.root), ("forwarded", notice, notice)
        )
        self.assertIn("防控转", forward.number)
        own = Receipt.objects.get(notice=notice, unit=t.group_a)
        self.assertTrue(own.acked_at)
        services.acknowledge(actor=t.bob, notice=forward)
        tally = queries.get_tally(t.sasac, notice, t.province)
        # the two groups, plus a-hq, a-sub, a-site-1, a-site-2 by the forward
        self.assertEqual((tally.total, tally.acked), (6, 2))
        by_child = {c.unit.code: (c.total, c.acked) for c in tally.children}
        self.assertEqual(by_child, {"group-a": (5, 2), "group-b": (1, 0)})
        # charlie (group B) cannot forward group A's copy
        with self.assertRaises(PermissionDeniedInScope):
            services.forward_notice(actor=t.charlie, notice=forward, issuer=t.group_b)

    def test_missing_replies_go_to_the_ledger_once(self):
        t = self.t
        deadline = timezone.now() + timedelta(hours=2)
        notice = services.draft_notice(
            actor=t.leo,
            issuer=t.group_a,
            kind="notice",
            title="报送落实情况",
            recipients=[t.a_sub],
            reply_by=deadline,
        )
        services.acknowledge(actor=t.bob, notice=notice, reply="已报送")
        self.assertEqual(
            services.record_missing_replies(deadline - timedelta(minutes=1))["notices"], 0
        )
        outcome = services.record_missing_replies(deadline + timedelta(minutes=1))
        self.assertEqual(outcome["entries"], 2)  # a-sub and a-site-2
        self.assertEqual(
            services.record_missing_replies(deadline + timedelta(minutes=2))["notices"], 0
        )
        self.assertEqual(
            sorted(
                Entry.objects.filter(kind="notice_reply_missing").values_list(
                    "unit__code", flat=True
                )
            ),
            ["a-site-2", "a-sub"],
        )

    def test_issue_notice_for_other_apps_goes_up_to_the_superior(self):
        t = self.t
        notice = services.issue_notice(
            actor=t.olga, issuer=t.group_a, title="疫情防控工作动态", recipients=[t.province]
        )
        self.assertEqual(notice.state, NoticeState.ISSUED)
        self.assertEqual(
            list(Receipt.objects.filter(notice=notice).values_list("unit__code", flat=True)),
            ["province"],
        )


class NoticeSideTests(ProvinceMixin, TestCase):
    """The to-do items, the command panel and the approval setting."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_leaders(cls.t)

    def test_todo_items_follow_the_receipt(self):
        from fangkong.notices.tasks import notices_waiting

        t = self.t
        notice = services.draft_notice(
            actor=t.leo,
            issuer=t.group_a,
            kind="notice",
            title="通知",
            recipients=[t.a_sub],
            reply_by=timezone.now() + timedelta(days=1),
        )
        kinds = [task.kind for task in notices_waiting(t.bob, timezone.now())]
        self.assertEqual(kinds, ["notices.read"])
        services.mark_read(user=t.bob, notice=notice)
        self.assertEqual([x.kind for x in notices_waiting(t.bob, timezone.now())], ["notices.ack"])
        services.acknowledge(actor=t.bob, notice=notice)
        self.assertEqual(
            [x.kind for x in notices_waiting(t.bob, timezone.now())], ["notices.reply"]
        )
        services.acknowledge(actor=t.bob, notice=notice, reply="已落实")
        self.assertEqual(list(notices_waiting(t.bob, timezone.now())), [])
        self.assertEqual(list(notices_waiting(t.charlie, timezone.now())), [])

    def test_command_panel_counts_this_weeks_notices(self):
        from fangkong.notices.command import ack_panel

        t = self.t
        self.assertIsNone(ack_panel(t.sasac, t.province, timezone.now()))
        notice = sasac_notice(t)
        services.acknowledge(actor=t.alice, notice=notice)
        panel = ack_panel(t.sasac, t.province, timezone.now() + timedelta(seconds=1))
        values = {str(f["label"]): f["value"] for f in panel["figures"]}
        self.assertEqual(list(values.values()), [1, 2, 1, "50%"])
        self.assertIsNone(ack_panel(t.charlie, t.province, timezone.now()))

    def test_an_issuer_without_approval_issues_at_once(self):
        t = self.t
        services.set_issuer_setting(actor=t.leo, unit=t.group_a, prefix="甲", approval="none")
        notice = services.draft_notice(
            actor=t.olga, issuer=t.a_sub, kind="notice", title="x", recipients=[t.a_sub]
        )
        self.assertEqual(notice.state, NoticeState.ISSUED)
        self.assertTrue(notice.number.startswith("Un防控发"))  # a-sub's own prefix: its name
        other = services.draft_notice(
            actor=t.olga, issuer=t.group_a, kind="notice", title="x", recipients=[t.a_sub]
        )
        self.assertTrue(other.number.startswith("甲防控发〔"))
