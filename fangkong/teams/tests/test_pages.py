"""Team pages: the list, forming a team with the person picker's numbers, a team's members,
deployments and hours, sending it out (shared among the sites below a unit), who is where
today; the outsider gets 404 everywhere."""

from datetime import timedelta

from django.test import TestCase

from fangkong.orgs.testing import ProvinceMixin
from fangkong.teams.choices import Task
from fangkong.teams.models import Deployment, Team
from fangkong.teams.services import deploy
from fangkong.teams.testing import make_team


class TeamPageTests(ProvinceMixin, TestCase):
    def test_list_and_detail_and_outsider(self):
        t = self.t
        team = make_team(t)
        today = t.a_sub.local_date()
        deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=3),
        )  # fmt: skip
        client = self.login(t.olga)
        page = client.get("/teams/")
        self.assertContains(page, "应急处置分队")
        self.assertContains(page, 'data-testid="deployed-count">2<')
        detail = client.get(f"/teams/{team.pk}/")
        self.assertContains(detail, t.p_site_1.name)
        self.assertContains(detail, 'data-testid="person-hours">16<')  # 2 days × 8 h
        today_page = client.get(f"/teams/today/?unit={t.group_a.code}")
        self.assertContains(today_page, 'data-testid="people-total">2<')
        self.login(t.charlie)
        self.assertNotContains(self.client.get("/teams/"), f'data-team="{team.pk}"')
        self.assertEqual(self.client.get(f"/teams/{team.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/teams/{team.pk}/deploy/").status_code, 404)
        self.assertEqual(self.client.get("/teams/today/?unit=a-sub").status_code, 404)
        self.assertEqual(
            self.client.post(f"/teams/{team.pk}/members/", {"person": "B001"}).status_code, 404
        )

    def test_the_lists_cost_the_same_queries_whatever_their_length(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        t = self.t
        client = self.login(t.olga)
        today = t.a_sub.local_date()
        team = make_team(t)
        deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=today, ends_on=today, people=[t.p_site_1],
        )  # fmt: skip
        counted = {}
        for n in (1, 2):
            if n == 2:
                for i in range(4):
                    other = make_team(t, name=f"分队{i}", members=[(t.p_hq, "member", "")])
                    deploy(
                        actor=t.alice, team=other, unit=t.a_site_2, task=Task.DUTY,
                        starts_on=today + timedelta(days=i * 2 + 1),
                        ends_on=today + timedelta(days=i * 2 + 1),
                    )  # fmt: skip
                deploy(
                    actor=t.alice, team=team, unit=t.a_site_2, task=Task.TEMPERATURE,
                    starts_on=today, ends_on=today, people=[t.p_site_2],
                )  # fmt: skip
            for url in ("/teams/", f"/teams/{team.pk}/", "/teams/today/?unit=group-a"):
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                counted.setdefault(url, []).append(len(queries))
        for url, (few, more) in counted.items():
            self.assertEqual(few, more, url)

    def test_form_a_team_and_refusals(self):
        t = self.t
        client = self.login(t.alice)
        self.assertEqual(client.get("/teams/new/").status_code, 200)
        made = client.post(
            "/teams/new/",
            {"unit": "group-a", "kind": "vanguard", "name": "先锋突击队", "leader": "A001",
             "members": "A002,A003"},
        )  # fmt: skip
        team = Team.objects.get(name="先锋突击队")
        self.assertRedirects(made, f"/teams/{team.pk}/")
        self.assertEqual(team.members.count(), 3)
        bad = client.post(
            "/teams/new/", {"unit": "group-a", "kind": "squad", "name": "X", "members": "B001"}
        )
        self.assertContains(bad, 'data-field="members"')
        bad = client.post("/teams/new/", {"unit": "group-a", "kind": "squad", "name": ""})
        self.assertContains(bad, 'data-field="name"')
        self.assertEqual(Team.objects.count(), 1)
        self.login(t.bob)
        self.assertEqual(self.client.get("/teams/new/").status_code, 404)

    def test_members_and_deployment_pages(self):
        t = self.t
        team = make_team(t, members=[])
        client = self.login(t.alice)
        client.post(f"/teams/{team.pk}/members/", {"person": "A002", "role": "leader"})
        client.post(f"/teams/{team.pk}/members/", {"person": "A003", "skills": "消杀"})
        self.assertEqual(team.members.count(), 2)
        client.post(f"/teams/{team.pk}/members/remove/", {"person": "A003"})
        client.post(f"/teams/{team.pk}/members/", {"person": "A003"})
        self.assertEqual(client.get(f"/teams/{team.pk}/deploy/").status_code, 200)
        today = t.a_sub.local_date().isoformat()
        sent = client.post(
            f"/teams/{team.pk}/deploy/",
            {"unit": "a-sub", "spread": "all", "task": "temperature", "hours_per_day": "8",
             "starts_on": today, "ends_on": today, "people": ["A002", "A003"]},
        )  # fmt: skip
        self.assertRedirects(sent, f"/teams/{team.pk}/")
        self.assertEqual(
            sorted(Deployment.objects.values_list("unit__code", flat=True)),
            ["a-site-1", "a-site-2"],
        )
        again = client.post(
            f"/teams/{team.pk}/deploy/",
            {"unit": "a-site-1", "task": "duty", "starts_on": today, "ends_on": today,
             "people": ["A002"]},
        )  # fmt: skip
        self.assertContains(again, 'data-field="people"', status_code=200)
        none = client.post(
            f"/teams/{team.pk}/deploy/",
            {"unit": "a-site-1", "task": "duty", "starts_on": today, "ends_on": today},
        )
        self.assertContains(none, 'data-field="people"')
        self.assertEqual(Deployment.objects.count(), 2)
