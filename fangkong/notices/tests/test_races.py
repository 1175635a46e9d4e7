"""Two notices of one issuer issued at the same moment (PostgreSQL, a thread and a
connection each): two numbers, never the same one; two re-reminder clicks at once: one
reminder, the other refused."""

from unittest import skipIf

from django.db import connection
from django.test import TransactionTestCase

from fangkong.core.errors import TooManyRequests
from fangkong.core.testing import run_in_threads
from fangkong.notices import services
from fangkong.notices.models import Notice, Reminder
from fangkong.notices.testing import make_leaders
from fangkong.orgs.testing import make_province

race = skipIf(
    connection.vendor == "sqlite",
    "SQLite's writers never run at the same moment",
)


@race
class NoticeRaceTests(TransactionTestCase):
    def setUp(self):
        self.t = make_province()
        make_leaders(self.t)

    def test_numbers_are_never_shared(self):
        t = self.t

        def issue(n):
            services.draft_notice(
                actor=t.leo, issuer=t.group_a, kind="notice", title=f"通知{n}", recipients=[t.a_sub]
            )

        run_in_threads(issue, count=4)
        self.assertEqual(sorted(Notice.objects.values_list("seq", flat=True)), [1, 2, 3, 4])

    def test_two_reminder_clicks_at_once_send_one(self):
        t = self.t
        notice = services.draft_notice(
            actor=t.leo, issuer=t.group_a, kind="notice", title="x", recipients=[t.a_sub]
        )
        refused = []

        def click(n):
            try:
                services.remind(actor=t.olga, notice=notice)
            except TooManyRequests:
                refused.append(n)

        run_in_threads(click, count=2)
        self.assertEqual(Reminder.objects.count(), 1)
        self.assertEqual(len(refused), 1)
