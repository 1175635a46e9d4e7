"""The command view (一张图): the same figures as the pages they come from, scoped, as of a
chosen moment, with panels from the registry, a wall screen that refreshes itself, and a
number of queries that does not grow with the number of child units."""

import re
from datetime import UTC, date, datetime, time, timedelta

import time_machine
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.core.command import register_command_panel, unregister_command_panel
from fangkong.duty.models import DutyRoom
from fangkong.health.services import cases as health_cases
from fangkong.incidents import services as incidents
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import UnitKind
from fangkong.reporting import services as reporting
from fangkong.reporting.models import Assignment
from fangkong.reporting.testing import daily_values, make_reporting_province

DAY = date(2020, 2, 3)
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai, the cut-off at 09:00
AFTER = datetime(2020, 2, 3, 2, 30, tzinfo=UTC)  # 10:30
URL = reverse("workbench:command")
FIGURES = ("expected", "filed", "zero", "missing")


def figures(page, keys=FIGURES) -> dict:
    html = page.content.decode()
    found = {}
    for key in keys:
        match = re.search(rf'data-testid="{key}">\s*([0-9—]+)', html)
        found[key] = match.group(1) if match else None
    return found


@time_machine.travel(AFTER, tick=False)
class CommandViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        t = cls.t = make_reporting_province()
        reporting.sync_expected(t.daily, DAY)
        reporting.sync_expected(t.daily, DAY - timedelta(days=1))
        reporting.file_report(
            actor=t.root,
            form=t.daily,
            unit=t.a_site_1,
            day=DAY,
            values=daily_values(confirmed=2, close_contacts=5),
            now=BEFORE,
        )
        reporting.file_report(
            actor=t.root,
            form=t.daily,
            unit=t.a_site_1,
            day=DAY - timedelta(days=1),
            values=daily_values(confirmed=1),
            now=BEFORE - timedelta(days=1),
        )
        reporting.file_zero_report(
            actor=t.root, form=t.daily, unit=t.a_hq, day=DAY, values=daily_values(), now=AFTER
        )

    def test_the_figures_are_the_completeness_pages_for_the_same_unit_and_day(self):
        self.client.force_login(self.t.sasac)
        for unit in ("province", "group-a", "a-sub"):
            with self.subTest(unit=unit):
                command = self.client.get(URL, {"unit": unit})
                overview = self.client.get(
                    reverse("reporting:overview"), {"unit": unit, "day": DAY.isoformat()}
                )
                self.assertEqual(command.status_code, 200)
                self.assertEqual(figures(command), figures(overview))
                self.assertNotIn(None, figures(command).values())
        page = self.client.get(URL, {"unit": "province"})
        self.assertEqual(
            figures(page), {"expected": "5", "filed": "2", "zero": "1", "missing": "3"}
        )
        html = page.content.decode()
        self.assertIn("#missing", html)  # the count links to the overview's missing list
        self.assertIn(reverse("incidents:board") + "?unit=province&amp;state=overdue", html)
        self.assertIn(reverse("duty:now") + "?unit=province", html)
        self.assertIn("tab=missing", html)  # the check-ins' 未晨检 tab
        # The reported cases and their change since yesterday: 2 confirmed, one more.
        self.assertRegex(html, r'data-testid="reported-confirmed"><div class="fk-figure">2<')
        self.assertIn("+1", html)
        self.assertContains(page, "一张图")

    def test_the_trend_is_fetched_by_the_page_in_a_request_of_its_own(self):
        self.client.force_login(self.t.sasac)
        page = self.client.get(URL, {"unit": "province"}).content.decode()
        self.assertNotIn("command-trend-data", page)
        match = re.search(r'hx-get="([^"]*panel=reporting.trend)" hx-trigger="load"', page)
        self.assertIsNotNone(match)
        panel = self.client.get(match.group(1).replace("&amp;", "&"))
        self.assertContains(panel, 'data-testid="panel-reporting.trend"')
        self.assertContains(panel, "command-trend-data")
        self.assertContains(panel, '"filed_rate": [')
        self.assertNotContains(panel, "<html")
        self.assertEqual(self.client.get(URL, {"panel": "no.such"}).status_code, 404)

    def test_without_a_unit_it_shows_the_top_of_the_scope(self):
        self.client.force_login(self.t.olga)
        page = self.client.get(URL)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page.context["unit"], self.t.group_a)

    def test_outsiders_get_404(self):
        t = self.t
        self.client.force_login(t.charlie)  # unit admin of group B
        self.assertEqual(self.client.get(URL, {"unit": "group-a"}).status_code, 404)
        self.assertEqual(self.client.get(URL, {"unit": "no-such-unit"}).status_code, 404)
        self.assertEqual(self.client.get(URL, {"unit": "group-b"}).status_code, 200)
        for user in (t.bob, t.nobody):  # a liaison has no command view; nobody no scope
            self.client.force_login(user)
            self.assertEqual(self.client.get(URL).status_code, 404)
            self.assertEqual(self.client.get(URL, {"unit": "a-site-1"}).status_code, 404)
        self.client.force_login(t.sasac)
        self.assertEqual(self.client.get(URL, {"at": "yesterday"}).status_code, 404)

    def test_the_navigation_offers_it_to_officers_only(self):
        self.client.force_login(self.t.sasac)
        self.assertContains(self.client.get(reverse("home")), f'href="{URL}"')
        self.client.force_login(self.t.bob)
        self.assertNotContains(self.client.get(reverse("home")), f'href="{URL}"')

    def test_a_panel_registered_by_another_app_shows(self):
        def supplies(user, unit, now):
            if unit.code != "group-a":
                return None
            return {
                "title": "Masks below safety",
                "url": "/supplies/?below=1",
                "figures": [{"label": "sites", "value": 7, "url": "/supplies/?below=1"}],
                "source": "the stock ledger",
            }

        register_command_panel("test.supplies", supplies, order=1)
        self.addCleanup(unregister_command_panel, "test.supplies")
        self.client.force_login(self.t.olga)
        page = self.client.get(URL, {"unit": "group-a"})
        self.assertContains(page, 'data-testid="panel-test.supplies"')
        self.assertContains(page, "Masks below safety")
        self.assertNotContains(self.client.get(URL, {"unit": "a-sub"}), "Masks below safety")

    def test_a_failing_panel_is_left_out_and_the_rest_shows(self):
        def broken(user, unit, now):
            raise RuntimeError("boom")

        register_command_panel("test.broken", broken)
        self.addCleanup(unregister_command_panel, "test.broken")
        self.client.force_login(self.t.sasac)
        with self.assertLogs("fangkong.core.command", "ERROR"):
            page = self.client.get(URL, {"unit": "province"})
        self.assertEqual(figures(page)["expected"], "5")

    def test_at_shows_the_state_at_that_moment(self):
        t = self.t
        incident = incidents.file_incident(
            actor=t.bob,
            unit=t.a_site_1,
            kind="suspected",
            title="发热伴咳嗽",
            discovered_at=AFTER - timedelta(minutes=5),
            now=AFTER,
        )
        health_cases.report_case(actor=t.root, person=t.p_site_1, temperature="38.5", now=AFTER)
        self.client.force_login(t.sasac)
        later = AFTER + timedelta(hours=1)  # the acknowledgement clocks are overdue then
        with time_machine.travel(later, tick=False):
            now = self.client.get(URL, {"unit": "province"})
            earlier = self.client.get(URL, {"unit": "province", "at": "2020-02-03T10:00"})
            day_before = self.client.get(URL, {"unit": "province", "at": "2020-02-02T12:00"})
        keys = ("incidents-open", "incidents-overdue")
        self.assertEqual(figures(now, keys), {"incidents-open": "1", "incidents-overdue": "1"})
        self.assertEqual(figures(earlier, keys), {"incidents-open": "0", "incidents-overdue": "0"})
        self.assertContains(now, 'data-testid="unsigned"')
        self.assertNotContains(earlier, 'data-testid="unsigned"')
        self.assertRegex(
            now.content.decode(), r'data-testid="cases-open"><div class="fk-figure">1<'
        )
        self.assertRegex(
            earlier.content.decode(), r'data-testid="cases-open"><div class="fk-figure">0<'
        )
        self.assertContains(earlier, "02-03 10:00")
        # The day before: that day's reports (one filed of five), as the overview shows them.
        overview = self.client.get(
            reverse("reporting:overview"), {"unit": "province", "day": "2020-02-02"}
        )
        self.assertEqual(figures(day_before), figures(overview))
        self.assertEqual(figures(day_before)["filed"], "1")
        incident.refresh_from_db()

    def test_the_wall_screen_refreshes_its_panels_every_minute_without_the_navigation(self):
        self.client.force_login(self.t.sasac)
        page = self.client.get(URL, {"unit": "province", "wall": "1"})
        html = page.content.decode()
        self.assertIn('hx-trigger="every 60s"', html)
        self.assertIn('hx-select="#command-panels"', html)
        self.assertRegex(
            html, r'id="command-panels"[^>]*hx-get="/workbench/command/\?unit=province'
        )
        self.assertNotIn("fk-navbar", html)
        self.assertIn("fk-wall", html)
        normal = self.client.get(URL, {"unit": "province"}).content.decode()
        self.assertIn("fk-navbar", normal)
        self.assertNotIn('hx-trigger="every 60s"', normal)
        # What htmx fetches: the panels alone, with the same attributes (polling goes on).
        partial = self.client.get(
            URL, {"unit": "province", "wall": "1"}, headers={"HX-Request": "true"}
        )
        self.assertNotContains(partial, "<html")
        self.assertContains(partial, 'hx-trigger="every 60s"')
        self.assertEqual(figures(partial)["expected"], "5")


def _subtree(root_actor, province, code: str, children: int):
    """A group with `children` subsidiaries, each with a duty room, filing the daily form."""
    group = orgs.create_unit(
        actor=root_actor, parent=province, code=code, name=f"Unit {code}", kind=UnitKind.GROUP
    )
    for i in range(children):
        child = orgs.create_unit(
            actor=root_actor,
            parent=group,
            code=f"{code}-{i}",
            name=f"Unit {code}-{i}",
            kind=UnitKind.SUBSIDIARY,
        )
        DutyRoom.objects.create(unit=child, name=f"Room {i}", phone="0471-1234567")
    return group


@time_machine.travel(AFTER, tick=False)
class CommandQueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        t = cls.t = make_reporting_province()
        cls.small = _subtree(t.root, t.province, "g3", 3)
        cls.large = _subtree(t.root, t.province, "g12", 12)
        for group in (cls.small, cls.large):
            Assignment.objects.create(form=t.daily, root=group, deadline=time(9, 0))
        reporting.sync_expected(t.daily, DAY)

    def count(self, unit) -> int:
        self.client.force_login(self.t.sasac)
        self.client.get(URL, {"unit": unit.code})  # sessions, scopes: warm
        with CaptureQueriesContext(connection) as queries:
            page = self.client.get(URL, {"unit": unit.code})
        self.assertEqual(page.status_code, 200)
        return len(queries)

    def test_the_number_of_queries_does_not_grow_with_the_child_units(self):
        small, large = self.count(self.small), self.count(self.large)
        self.assertEqual(small, large)
        # About three a panel: 44 with the panels of issues 12–14 (funds, sites, teams,
        # checkpoints, inspections, notices, canteens, return to work).
        self.assertLess(large, 60)
