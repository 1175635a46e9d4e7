"""Teams over JSON: teams with their members, deployments. Scoped like everything else: a
team or unit outside the reader's scope is a 404 (or `unknown_unit` in a body)."""

from datetime import date

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Int, Items, Line, Text
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import get_unit_for

from . import queries, services
from .choices import MemberRole, TeamKind
from .models import Deployment, Member, Team

router = Router(tags=["teams"])


class MemberIn(Schema):
    person: Line(32) = Field(description="the person's employee number in the team's group")
    role: Line(8) = Field(MemberRole.MEMBER, description="leader or member")
    skills: Line(200) = ""


class MemberOut(Schema):
    person: str = Field(description="employee number")
    name: str
    unit: str
    role: str
    skills: str


class TeamIn(Schema):
    unit: Code = Field(description="the unit forming the team")
    name: Line(100)
    kind: Line(12) = Field(description="emergency, squad or vanguard")
    description: Text(2000) = ""
    members: Items(MemberIn, services.MAX_MEMBERS) = []


class TeamOut(Schema):
    id: int
    unit: str
    unit_name: str
    name: str
    kind: str
    description: str
    members: list[MemberOut]


class TeamListQuery(PageQuery):
    unit: Code | None = Field(None, description="only the teams of this unit's subtree")


class DeploymentIn(Schema):
    unit: Code = Field(description="the unit the people go to (inside the team's units)")
    task: Line(12) = Field(description="temperature, disinfection, duty or other")
    starts_on: Day
    ends_on: Day
    people: Items(Line(32), services.MAX_MEMBERS) | None = Field(
        None, description="employee numbers of the members sent; none for the whole team"
    )
    hours_per_day: Int(1, 24) = 8
    note: Line(200) = ""


class DeploymentOut(Schema):
    id: int
    team: int
    unit: str
    unit_name: str
    task: str
    starts_on: date
    ends_on: date
    hours_per_day: int
    people: list[str] = Field(description="employee numbers")


def _team_out(team: Team) -> dict:
    return {
        "id": team.pk,
        "unit": team.unit.code,
        "unit_name": team.unit.name,
        "name": team.name,
        "kind": team.kind,
        "description": team.description,
        "members": [
            {
                "person": m.person.employee_no,
                "name": m.person.name,
                "unit": m.person.unit.code,
                "role": m.role,
                "skills": m.skills,
            }
            for m in sorted(team.members.all(), key=lambda m: (m.role, m.person.employee_no))
        ],
    }


def _deployment_out(d: Deployment) -> dict:
    return {
        "id": d.pk,
        "team": d.team_id,
        "unit": d.unit.code,
        "unit_name": d.unit.name,
        "task": d.task,
        "starts_on": d.starts_on,
        "ends_on": d.ends_on,
        "hours_per_day": d.hours_per_day,
        "people": sorted(x.person.employee_no for x in d.people.select_related("person")),
    }


def _unit(user, code: str, field: str = "unit") -> Unit:
    try:
        return get_unit_for(user, code)
    except Http404:
        raise InvalidInput({field: _("Unknown unit code.")}, code="unknown_unit") from None


@router.get("/teams", response=Page[TeamOut], summary="Emergency teams I can see")
def list_teams(request, query: Query[TeamListQuery]):
    unit = get_unit_for(request.user, query.unit) if query.unit else None
    rows = queries.list_teams(request.user, unit=unit).prefetch_related(
        Prefetch("members", queryset=Member.objects.select_related("person__unit"))
    )
    return paginate(rows, query, out=_team_out)


@router.post("/teams", response={201: TeamOut}, summary="Form an emergency team")
@idempotent
def post_team(request, payload: TeamIn):
    """A team of a unit with its members from the roster of the unit's group."""
    unit = _unit(request.user, payload.unit)
    if payload.kind not in TeamKind.values:
        raise InvalidInput({"kind": _("Choose the kind of team.")})
    found = queries.find_people(request.user, unit, [m.person.strip() for m in payload.members])
    members = []
    for m in payload.members:
        person = found.get(m.person.strip())
        if person is None:
            raise InvalidInput(
                {
                    "members": _("No one with the employee number %(no)s in the group.")
                    % {"no": m.person}
                },
                code="unknown_person",
            )
        members.append((person, m.role, m.skills))
    team = services.create_team(
        actor=request.user,
        unit=unit,
        name=payload.name,
        kind=payload.kind,
        description=payload.description,
        members=members,
    )
    return 201, _team_out(Team.objects.select_related("unit").get(pk=team.pk))


@router.post(
    "/teams/{team_id}/deployments",
    response={201: DeploymentOut},
    summary="Send a team, or some of its members, to a unit",
)
@idempotent
def post_deployment(request, team_id: Id, payload: DeploymentIn):
    team = queries.get_team_for(request.user, team_id)
    unit = _unit(request.user, payload.unit)
    people = None
    if payload.people is not None:
        found = queries.find_people(request.user, team.unit, [n.strip() for n in payload.people])
        people = []
        for number in payload.people:
            person = found.get(number.strip())
            if person is None:
                raise InvalidInput(
                    {
                        "people": _("No one with the employee number %(no)s in the group.")
                        % {"no": number}
                    },
                    code="unknown_person",
                )
            people.append(person)
    deployment = services.deploy(
        actor=request.user,
        team=team,
        unit=unit,
        task=payload.task,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        people=people,
        hours_per_day=payload.hours_per_day,
        note=payload.note,
    )
    return 201, _deployment_out(Deployment.objects.select_related("unit").get(pk=deployment.pk))
