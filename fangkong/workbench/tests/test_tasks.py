"""The to-do list: computed from the facts (core.tasks), on the home page, in the
navigation bar's count and at GET /api/v1/me/tasks; done items go at once."""

import logging
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.test import TestCase
from django.urls import reverse

from fangkong.core import tasks as core_tasks
from fangkong.core.tasks import Task, register_task_source, tasks_for
from fangkong.incidents import services as incidents
from fangkong.reporting import services as reporting
from fangkong.reporting.testing import daily_values, make_reporting_province

DAY = date(2020, 2, 3)
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai, the cut-off at 09:00
AFTER = datetime(2020, 2, 3, 2, 30, tzinfo=UTC)  # 10:30


class TaskListTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        reporting.sync_expected(cls.t.daily, DAY)

    def kinds(self, user, now):
        return [task.kind for task in tasks_for(user, now)]

    @time_machine.travel(BEFORE, tick=False)
    def test_a_liaison_sees_the_report_due_and_it_goes_when_filed(self):
        t = self.t
        mine = [x for x in tasks_for(t.bob, BEFORE) if x.kind == "reporting.report_due"]
        self.assertEqual(len(mine), 1)
        self.assertIn("09:00", mine[0].title)  # Shanghai's cut-off, not UTC's 01:00
        self.assertFalse(mine[0].urgent)
        self.client.force_login(t.bob)
        page = self.client.get(reverse("home"))
        self.assertContains(page, mine[0].title)
        self.assertContains(page, "还剩 1 小时 0 分")
        reporting.file_report(
            actor=t.bob, form=t.daily, unit=t.a_site_1, day=DAY, values=daily_values()
        )
        self.assertNotIn("reporting.report_due", self.kinds(t.bob, BEFORE))
        page = self.client.get(reverse("workbench:tasks"))
        self.assertNotContains(page, mine[0].title)

    def test_after_the_cut_off_the_report_is_urgent_and_officers_see_who_is_missing(self):
        t = self.t
        late = [x for x in tasks_for(t.bob, AFTER) if x.kind == "reporting.report_due"]
        self.assertTrue(late[0].urgent)
        self.assertIn("已过 09:00 截止时间", late[0].title)
        missing = [x for x in tasks_for(t.olga, AFTER) if x.kind == "reporting.units_missing"]
        self.assertEqual(len(missing), 1)
        self.assertEqual(missing[0].count, 4)  # the 4 units below group A
        self.assertIn("#missing", missing[0].url)
        before_cut_off = tasks_for(t.charlie, BEFORE + timedelta(minutes=1))
        self.assertEqual([x for x in before_cut_off if x.kind.startswith("reporting.")], [])
        # The units of group B have no liaison: reminders there reach nobody.
        gap = [x for x in before_cut_off if x.kind == "orgs.no_liaison"]
        self.assertEqual([(x.unit, x.count) for x in gap], [(t.group_b, 2)])

    def test_an_incident_to_sign_is_urgent_first_and_signing_from_the_list_removes_it(self):
        t = self.t
        incident = incidents.file_incident(
            actor=t.bob,
            unit=t.a_site_1,
            kind="suspected",
            title="发热伴咳嗽",
            discovered_at=AFTER - timedelta(minutes=5),
            now=AFTER,
        )
        with time_machine.travel(AFTER + timedelta(minutes=1), tick=False):
            first = tasks_for(t.olga)[0]
            self.assertEqual(first.kind, "incidents.ack")
            self.assertTrue(first.urgent)
            self.assertEqual(first.unit, t.group_a)
            self.client.force_login(t.olga)
            count = self.client.get(reverse("workbench:task_count"))
            before = int(count.content.decode().rsplit(">", 2)[-2].split("<")[0])
            response = self.client.post(
                first.action, {"next": reverse("home")}, headers={"HX-Request": "true"}
            )
            self.assertRedirects(response, reverse("home"))
            self.assertNotIn("incidents.ack", self.kinds(t.olga, AFTER + timedelta(minutes=2)))
            count = self.client.get(reverse("workbench:task_count"))
            after = int(count.content.decode().rsplit(">", 2)[-2].split("<")[0])
            self.assertEqual(after, before - 1)
        incident.refresh_from_db()
        self.assertIsNotNone(incident.receipts.get(unit=t.group_a).acknowledged_at)
        # The reporting unit owes its phone and written reports, with their clocks.
        owed = {x.kind for x in tasks_for(t.bob, AFTER + timedelta(minutes=2))}
        self.assertTrue({"incidents.phone", "incidents.written"} <= owed)

    def test_next_must_stay_on_the_site(self):
        t = self.t
        incident = incidents.file_incident(
            actor=t.bob,
            unit=t.a_site_1,
            kind="suspected",
            title="发热",
            discovered_at=AFTER - timedelta(minutes=5),
            now=AFTER,
        )
        self.client.force_login(t.olga)
        response = self.client.post(
            reverse("incidents:ack", args=[incident.pk]), {"next": "https://evil.example/"}
        )
        self.assertRedirects(
            response, reverse("incidents:detail", args=[incident.pk]), fetch_redirect_response=False
        )

    @time_machine.travel(BEFORE, tick=False)
    def test_the_api_lists_the_same_items(self):
        self.client.force_login(self.t.bob)
        answer = self.client.get("/api/v1/me/tasks").json()
        self.assertEqual(
            [(a["kind"], a["unit"], a["urgent"]) for a in answer],
            [
                ("reporting.report_due", "a-site-1", False),
                ("health.checkins_missing", "a-site-1", False),  # nobody has checked in
            ],
        )
        self.assertEqual(answer[0]["due_at"], "2020-02-03T01:00:00Z")
        self.assertTrue(answer[0]["url"].startswith("/reports/daily/a-site-1/"))
        self.client.force_login(self.t.nobody)
        self.assertEqual(self.client.get("/api/v1/me/tasks").json(), [])

    def test_a_failing_source_is_skipped_and_logged(self):
        def broken(user, now):
            raise RuntimeError("boom")

        def one(user, now):
            yield Task(kind="test.one", title="一件事", url="/")

        saved = dict(core_tasks._sources)
        try:
            register_task_source("test.broken", broken)
            register_task_source("test.one", one)
            with self.assertLogs("fangkong.core.tasks", logging.ERROR):
                found = tasks_for(self.t.nobody, BEFORE)
        finally:
            core_tasks._sources.clear()
            core_tasks._sources.update(saved)
        self.assertEqual([x.kind for x in found], ["test.one"])

    def test_the_empty_list_says_so(self):
        self.client.force_login(self.t.nobody)
        self.assertContains(self.client.get(reverse("home")), "目前没有待办事项")


class MoreSourcesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()

    def test_a_follow_up_due_today_and_a_roster_gap_are_on_the_list(self):
        from fangkong.duty.services import roster
        from fangkong.health.services import observation

        t = self.t
        observation.start_observation(
            actor=t.bob, person=t.p_site_1, reason="close_contact", place="home"
        )
        due = [x for x in tasks_for(t.bob) if x.kind == "health.follow_up"]
        self.assertEqual([x.count for x in due], [1])
        roster.save_room(actor=t.root, unit=t.group_a, name="A 值班室", phone="010-12345678")
        gaps = [x for x in tasks_for(t.alice) if x.kind == "duty.gaps"]
        self.assertEqual(len(gaps), 1)
        self.assertIn("A 值班室", gaps[0].title)
        self.assertEqual([x for x in tasks_for(t.charlie) if x.kind == "duty.gaps"], [])
