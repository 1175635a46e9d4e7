"""Scoped reads of teams. A team is seen within the reader's scope of its unit; a
deployment by whoever sees the team or the unit it serves (a community's liaison sees the
vanguard members at the community). Hours served are computed from the deployments at each
read (days served so far × hours a day), never typed."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from fangkong.core.fields import subtree_q
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of
from fangkong.orgs.models import Person, Unit

from .models import Deployed, Deployment, Member, Team


def list_teams(user, *, unit: Unit | None = None) -> QuerySet[Team]:
    rows = (
        Team.objects.visible_to(user)
        .select_related("unit")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("unit_path", "name", "pk")
    )
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    return rows


def get_team_for(user, team_id) -> Team:
    try:
        team_id = int(team_id)
    except (TypeError, ValueError):
        raise Http404 from None
    team = list_teams(user).filter(pk=team_id).first()
    if team is None:
        raise Http404
    return team


def list_members(team: Team) -> list[Member]:
    return list(team.members.select_related("person__unit").order_by("role", "person__employee_no"))


def _visible_deployments(user) -> QuerySet[Deployment]:
    scope = scope_of(user, CorePerm.VIEW)
    rows = Deployment.objects.select_related("team", "unit")
    if not scope.everything:
        rows = rows.filter(scope.q("unit_path") | scope.q("team_path"))
    return rows


def list_deployments(user, team: Team) -> QuerySet[Deployment]:
    return (
        _visible_deployments(user)
        .filter(team=team)
        .annotate(people_count=Count("people"))
        .order_by("-starts_on", "unit__path")
    )


def get_deployment_for(user, deployment_id) -> Deployment:
    try:
        deployment_id = int(deployment_id)
    except (TypeError, ValueError):
        raise Http404 from None
    deployment = _visible_deployments(user).filter(pk=deployment_id).first()
    if deployment is None:
        raise Http404
    return deployment


@dataclass
class Post:
    """Where one deployment's people are on a day."""

    deployment: Deployment
    people: list[Person] = field(default_factory=list)


def who_is_where(user, unit: Unit, day: date) -> list[Post]:
    """The deployments serving `unit`'s subtree on `day`, with their people, by unit: one
    query for the deployments and one for their people."""
    rows = (
        _visible_deployments(user)
        .filter(subtree_q("unit_path", unit.path), starts_on__lte=day, ends_on__gte=day)
        .order_by("unit__path", "team__name")
        .prefetch_related(
            Prefetch(
                "people",
                queryset=Deployed.objects.select_related("person").order_by("person__employee_no"),
            )
        )
    )
    return [Post(d, [x.person for x in d.people.all()]) for d in rows]


def deployed_at(unit: Unit, day: date) -> list[tuple[Person, Deployment]]:
    """The people deployed to `unit` itself on `day` (for the checkpoints of a site: the
    caller has checked the reader's scope of the unit)."""
    rows = (
        Deployed.objects.filter(
            deployment__unit=unit,
            deployment__starts_on__lte=day,
            deployment__ends_on__gte=day,
        )
        .select_related("person", "deployment__team")
        .order_by("person__employee_no")
    )
    return [(x.person, x.deployment) for x in rows]


@dataclass
class Hours:
    person: Person
    days: int = 0
    hours: int = 0
    deployments: int = 0


def hours_served(user, team: Team, until: date) -> list[Hours]:
    """Hours served by each person in `team`'s deployments up to `until` (most first), for
    the commendations (seed 003: 及时通过会议通报形式给予表扬)."""
    by_person: dict[int, Hours] = {}
    rows = Deployed.objects.filter(
        deployment__in=list_deployments(user, team).filter(starts_on__lte=until).order_by()
    ).select_related("person", "deployment")
    for row in rows:
        days = row.deployment.days_served(until)
        entry = by_person.setdefault(row.person_id, Hours(row.person))
        entry.days += days
        entry.hours += days * row.deployment.hours_per_day
        entry.deployments += 1
    return sorted(by_person.values(), key=lambda h: (-h.hours, h.person.employee_no))


def find_people(user, unit: Unit, numbers: list[str]) -> dict[str, Person]:
    """People of `unit`'s group by employee number, as the reader sees the roster."""
    from fangkong.orgs.services import group_of

    rows = Person.objects.visible_to(user).filter(group=group_of(unit), employee_no__in=numbers)
    return {p.employee_no: p for p in rows}


def find_person(user, team: Team, number: str) -> Person | None:
    """A person of the team's group by employee number, as the reader sees the roster."""
    number = (number or "").strip()
    if not number:
        return None
    from fangkong.orgs.services import group_of

    return (
        Person.objects.visible_to(user)
        .filter(group=group_of(team.unit), employee_no=number)
        .select_related("unit")
        .first()
    )


def deployed_count(user, unit: Unit, day: date) -> int:
    return (
        Deployed.objects.filter(
            deployment__in=_visible_deployments(user)
            .filter(subtree_q("unit_path", unit.path), starts_on__lte=day, ends_on__gte=day)
            .order_by()
        )
        .values("person")
        .distinct()
        .count()
    )


def sites_below(unit: Unit, site_kind: str = "") -> list[Unit]:
    """The sites (of `site_kind`, or all) of `unit`'s subtree (the 12 communities of the
    property company), for sharing a team out among them."""
    from fangkong.orgs.choices import UnitKind

    rows = Unit.objects.filter(subtree_q("path", unit.path), kind=UnitKind.SITE)
    if site_kind:
        rows = rows.filter(site_kind=site_kind)
    return list(rows.order_by("code"))
