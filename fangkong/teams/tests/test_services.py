"""Team services: forming a team from the roster, members, deployments (inside the team's
units, members only, nobody in two places on a day), who is where, hours served."""

from datetime import date

from django.test import TestCase

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.orgs.testing import ProvinceMixin
from fangkong.teams import queries, services
from fangkong.teams.choices import MemberRole, Task, TeamKind
from fangkong.teams.models import Deployment, Team
from fangkong.teams.testing import make_team

D1, D5 = date(2020, 2, 1), date(2020, 2, 5)


class TeamServiceTests(ProvinceMixin, TestCase):
    def test_form_a_team_with_members_from_the_roster(self):
        t = self.t
        team = make_team(t)
        self.assertEqual(
            [(m.person, m.role) for m in queries.list_members(team)],
            [(t.p_site_1, MemberRole.LEADER), (t.p_site_2, MemberRole.MEMBER)],
        )
        with self.assertRaises(InvalidInput) as caught:
            make_team(t)  # the same name at the same unit
        self.assertIn("name", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            make_team(t, name="B", members=[(t.p_b, MemberRole.MEMBER, "")])
        self.assertIn("members", caught.exception.fields)  # another group's person
        with self.assertRaises(InvalidInput) as caught:
            make_team(t, name="C", kind="army")
        self.assertIn("kind", caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            make_team(t, actor=t.bob, name="D", unit=t.a_site_1)  # a liaison forms none
        with self.assertRaises(PermissionDeniedInScope):
            make_team(t, actor=t.charlie, name="E")
        self.assertEqual(Team.objects.count(), 1)

    def test_members_join_change_and_leave(self):
        t = self.t
        team = make_team(t, members=[])
        services.add_member(actor=t.alice, team=team, person=t.p_hq, skills="驾驶")
        services.add_member(actor=t.alice, team=team, person=t.p_hq, role=MemberRole.LEADER)
        (member,) = queries.list_members(team)
        self.assertEqual(member.role, MemberRole.LEADER)
        with self.assertRaises(InvalidInput):
            services.add_member(actor=t.alice, team=team, person=t.p_site_1, role="boss")
        services.remove_member(actor=t.alice, team=team, person=t.p_hq)
        with self.assertRaises(InvalidInput):
            services.remove_member(actor=t.alice, team=team, person=t.p_hq)
        self.assertEqual(queries.list_members(team), [])

    def test_deploy_whole_team_or_some_members(self):
        t = self.t
        team = make_team(t)
        d = services.deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=D1, ends_on=D5,
        )  # fmt: skip
        self.assertEqual(d.people.count(), 2)
        self.assertEqual(d.team_path, t.a_sub.path)
        posts = queries.who_is_where(t.olga, t.group_a, date(2020, 2, 3))
        self.assertEqual([p.deployment for p in posts], [d])
        self.assertEqual(queries.who_is_where(t.olga, t.group_a, date(2020, 2, 6)), [])
        # The liaison of the site sees who serves there; the outsider sees nothing.
        self.assertEqual(len(queries.who_is_where(t.bob, t.a_site_1, D1)[0].people), 2)
        self.assertEqual(queries.deployed_at(t.a_site_1, D5)[0][0], t.p_site_1)

    def test_deployment_refusals_name_the_field_and_write_nothing(self):
        t = self.t
        team = make_team(t)
        base = dict(actor=t.alice, team=team, task=Task.DISINFECTION, starts_on=D1, ends_on=D5)
        cases = [
            ({"unit": t.a_hq}, "unit"),  # outside the team's unit
            ({"unit": t.a_site_1, "task": "sing"}, "task"),
            ({"unit": t.a_site_1, "ends_on": date(2020, 1, 31)}, "ends_on"),
            ({"unit": t.a_site_1, "ends_on": date(2020, 12, 31)}, "ends_on"),
            ({"unit": t.a_site_1, "hours_per_day": 25}, "hours_per_day"),
            ({"unit": t.a_site_1, "people": [t.p_hq]}, "people"),  # not a member
        ]
        for extra, field in cases:
            with self.subTest(field=field), self.assertRaises(InvalidInput) as caught:
                services.deploy(**{**base, **extra})
            self.assertIn(field, caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            services.deploy(**{**base, "actor": t.bob, "unit": t.a_site_1})
        self.assertEqual(Deployment.objects.count(), 0)

    def test_nobody_is_in_two_places_on_a_day(self):
        t = self.t
        team = make_team(t)
        services.deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=D1, ends_on=D5, people=[t.p_site_1],
        )  # fmt: skip
        with self.assertRaises(Conflict) as caught:
            services.deploy(
                actor=t.alice, team=team, unit=t.a_site_2, task=Task.DUTY,
                starts_on=D5, ends_on=date(2020, 2, 9),
            )  # fmt: skip
        self.assertEqual(caught.exception.code, "already_deployed")
        self.assertIn("people", caught.exception.fields)
        self.assertEqual(Deployment.objects.count(), 1)
        services.deploy(
            actor=t.alice, team=team, unit=t.a_site_2, task=Task.DUTY,
            starts_on=date(2020, 2, 6), ends_on=date(2020, 2, 9),
        )  # fmt: skip

    def test_share_out_among_sites_all_or_nothing(self):
        t = self.t
        team = make_team(t)
        sites = queries.sites_below(t.a_sub)
        made = services.deploy_to_units(
            actor=t.alice, team=team, units=sites, people=[t.p_site_1, t.p_site_2],
            task=Task.TEMPERATURE, starts_on=D1, ends_on=D5,
        )  # fmt: skip
        self.assertEqual([d.people.get().person for d in made], [t.p_site_1, t.p_site_2])
        with self.assertRaises(InvalidInput):
            services.deploy_to_units(
                actor=t.alice, team=team, units=sites, people=[t.p_site_1],
                task=Task.TEMPERATURE, starts_on=D1, ends_on=D5,
            )  # fmt: skip

    def test_hours_served_count_days_so_far(self):
        t = self.t
        team = make_team(t)
        services.deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=D1, ends_on=D5, people=[t.p_site_1], hours_per_day=6,
        )  # fmt: skip
        d = services.deploy(
            actor=t.alice, team=team, unit=t.a_site_2, task=Task.DISINFECTION,
            starts_on=date(2020, 2, 6), ends_on=date(2020, 2, 20), hours_per_day=4,
        )  # fmt: skip
        hours = queries.hours_served(t.olga, team, date(2020, 2, 7))
        self.assertEqual(
            [(h.person, h.days, h.hours) for h in hours],
            [(t.p_site_1, 7, 38), (t.p_site_2, 2, 8)],
        )
        services.end_deployment(actor=t.alice, deployment=d, last_day=date(2020, 2, 6))
        hours = queries.hours_served(t.olga, team, date(2020, 2, 28))
        self.assertEqual([h.hours for h in hours], [34, 4])
        with self.assertRaises(InvalidInput):
            services.end_deployment(actor=t.alice, deployment=d, last_day=date(2020, 3, 1))
        self.assertEqual(queries.hours_served(t.charlie, team, date(2020, 2, 28)), [])

    def test_kinds(self):
        self.assertEqual(set(TeamKind.values), {"emergency", "squad", "vanguard"})
