"""Writes of teams. Guarantees: each write runs in one transaction and checks the actor's
MANAGE_TEAMS on the team's unit; members come from the roster of the team's unit's group
(active people only); a deployment is sent to a unit inside the team's unit's subtree, for
a period of at most MAX_DAYS, with members of the team only, and never puts a person in two
places on the same day (409 naming who and where); nothing is half-written."""

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.permissions import require
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.services import group_of

from .choices import MemberRole, Task, TeamKind
from .models import Deployed, Deployment, Member, Team
from .permissions import TeamPerm

MANAGE = TeamPerm.MANAGE_TEAMS
MAX_DAYS = 180
MAX_MEMBERS = 500


def _line(value, field: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput({field: _("This field is required.")})
    if len(value) > max_length:
        raise InvalidInput({field: _("At most %(n)s characters.") % {"n": max_length}})
    return value


def _check_person(team: Team, person: Person, field: str = "person") -> None:
    if person.group_id != group_of(team.unit).pk:
        raise InvalidInput(
            {field: _("%(name)s is not on this group's roster.") % {"name": person.name}}
        )
    if not person.is_active:
        raise InvalidInput(
            {field: _("%(name)s is no longer on the roster.") % {"name": person.name}}
        )


@transaction.atomic
def create_team(
    *,
    actor,
    unit: Unit,
    name: str,
    kind: str,
    description: str = "",
    members: Iterable[tuple[Person, str, str]] = (),
) -> Team:
    """A team of `unit`, with its first members as (person, role, skills)."""
    require(actor, MANAGE, unit.path)
    name = _line(name, "name", 100, required=True)
    if kind not in TeamKind.values:
        raise InvalidInput({"kind": _("Choose the kind of team.")})
    if Team.objects.filter(unit=unit, name=name).exists():
        raise InvalidInput(
            {"name": _("%(unit)s already has a team of this name.") % {"unit": unit.name}},
            code="duplicate_name",
        )
    team = Team.objects.create(
        unit=unit,
        unit_path=unit.path,
        name=name,
        kind=kind,
        description=(description or "").strip()[:2000],
        created_by=actor,
    )
    seen: set[int] = set()
    for person, role, skills in members:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        _add(team, person, role, skills)
    record_change(actor, "create", team, unit.path, {"members": len(seen)})
    return team


def _add(team: Team, person: Person, role: str, skills: str) -> Member:
    _check_person(team, person, "members")
    if role not in MemberRole.values:
        raise InvalidInput({"role": _("A member is a team leader or a team member.")})
    if team.members.count() >= MAX_MEMBERS:
        raise InvalidInput({"members": _("At most %(n)s members.") % {"n": MAX_MEMBERS}})
    return Member.objects.create(
        team=team, person=person, role=role, skills=_line(skills, "skills", 200)
    )


@transaction.atomic
def add_member(
    *, actor, team: Team, person: Person, role: str = MemberRole.MEMBER, skills: str = ""
) -> Member:
    """`person` joins `team` (or, already in it, has role and skills changed)."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    require(actor, MANAGE, team.unit_path)
    member = Member.objects.filter(team=team, person=person).first()
    if member is None:
        member = _add(team, person, role, skills)
        record_change(actor, "add_member", team, team.unit_path, {"person": person.pk})
        return member
    if role not in MemberRole.values:
        raise InvalidInput({"role": _("A member is a team leader or a team member.")})
    member.role = role
    member.skills = _line(skills, "skills", 200)
    member.save(update_fields=["role", "skills"])
    record_change(actor, "change_member", team, team.unit_path, {"person": person.pk})
    return member


@transaction.atomic
def remove_member(*, actor, team: Team, person: Person) -> None:
    """`person` leaves `team`; deployments already made keep them (hours served stay)."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    require(actor, MANAGE, team.unit_path)
    deleted, _rows = Member.objects.filter(team=team, person=person).delete()
    if not deleted:
        raise InvalidInput({"person": _("%(name)s is not in this team.") % {"name": person.name}})
    record_change(actor, "remove_member", team, team.unit_path, {"person": person.pk})


def _clashes(people: list[Person], starts_on: date, ends_on: date) -> list[Deployed]:
    return list(
        Deployed.objects.filter(
            person__in=people,
            deployment__starts_on__lte=ends_on,
            deployment__ends_on__gte=starts_on,
        ).select_related("person", "deployment__unit")
    )


@transaction.atomic
def deploy(
    *,
    actor,
    team: Team,
    unit: Unit,
    task: str,
    starts_on: date,
    ends_on: date,
    people: Iterable[Person] | None = None,
    hours_per_day: int = 8,
    note: str = "",
) -> Deployment:
    """Send `team` (all its members, or only `people` of them) to `unit` from `starts_on`
    to `ends_on`. A person already deployed elsewhere on one of those days is a 409
    (`already_deployed`, with the field `people`)."""
    team = Team.objects.select_for_update().get(pk=team.pk)
    require(actor, MANAGE, team.unit_path)
    if not unit.path.startswith(team.unit_path):
        raise InvalidInput(
            {"unit": _("%(unit)s is outside this team's units.") % {"unit": unit.name}},
            code="unknown_unit",
        )
    if task not in Task.values:
        raise InvalidInput({"task": _("Choose the task.")})
    if not isinstance(starts_on, date):
        raise InvalidInput({"starts_on": _("Give the first day.")})
    if not isinstance(ends_on, date):
        raise InvalidInput({"ends_on": _("Give the last day.")})
    if ends_on < starts_on:
        raise InvalidInput({"ends_on": _("The last day comes after the first.")})
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise InvalidInput({"ends_on": _("At most %(n)s days at once.") % {"n": MAX_DAYS}})
    if isinstance(hours_per_day, bool) or not isinstance(hours_per_day, int):
        raise InvalidInput({"hours_per_day": _("Give whole hours, 1 to 24.")})
    if not 1 <= hours_per_day <= 24:
        raise InvalidInput({"hours_per_day": _("Give whole hours, 1 to 24.")})
    members = {m.person_id: m.person for m in team.members.select_related("person")}
    if people is None:
        chosen = list(members.values())
    else:
        chosen = []
        for person in people:
            if person.pk not in members:
                raise InvalidInput(
                    {"people": _("%(name)s is not in this team.") % {"name": person.name}}
                )
            if person not in chosen:
                chosen.append(person)
    if not chosen:
        raise InvalidInput({"people": _("Nobody to send: the team has no members yet.")})
    # Lock the people's rows so two deployments of the same person at once serialize.
    list(Person.objects.select_for_update().filter(pk__in=[p.pk for p in chosen]))
    clashes = _clashes(chosen, starts_on, ends_on)
    if clashes:
        first = clashes[0]
        message = _("%(name)s is already deployed to %(unit)s from %(start)s to %(end)s.") % {
            "name": first.person.name,
            "unit": first.deployment.unit.name,
            "start": first.deployment.starts_on,
            "end": first.deployment.ends_on,
        }
        raise Conflict("already_deployed", message, fields={"people": [message]})
    deployment = Deployment.objects.create(
        team=team,
        team_path=team.unit_path,
        unit=unit,
        unit_path=unit.path,
        task=task,
        starts_on=starts_on,
        ends_on=ends_on,
        hours_per_day=hours_per_day,
        note=_line(note, "note", 200),
        created_by=actor,
    )
    Deployed.objects.bulk_create([Deployed(deployment=deployment, person=p) for p in chosen])
    record_change(actor, "deploy", deployment, unit.path, {"team": team.pk, "people": len(chosen)})
    return deployment


@transaction.atomic
def end_deployment(*, actor, deployment: Deployment, last_day: date) -> Deployment:
    """Bring a deployment home early: its last day becomes `last_day` (not before its
    first day, not after its planned last day)."""
    deployment = Deployment.objects.select_for_update().get(pk=deployment.pk)
    require(actor, MANAGE, deployment.team_path)
    if not isinstance(last_day, date) or not (
        deployment.starts_on <= last_day <= deployment.ends_on
    ):
        raise InvalidInput(
            {"last_day": _("Give a day between the first and the planned last day.")}
        )
    deployment.ends_on = last_day
    deployment.save(update_fields=["ends_on"])
    record_change(actor, "end_deployment", deployment, deployment.unit_path)
    return deployment


@transaction.atomic
def deploy_to_units(
    *, actor, team: Team, units: list[Unit], people: list[Person], **values
) -> list[Deployment]:
    """One deployment per unit, the people shared out in turn (the vanguard's 50 to the
    12 communities: 4 or 5 at each); all or nothing."""
    if not units:
        raise InvalidInput({"unit": _("No sites below this unit to share the team among.")})
    if len(people) < len(units):
        raise InvalidInput({"people": _("Fewer people than units: choose more people.")})
    shares: list[list[Person]] = [[] for _unit in units]
    for i, person in enumerate(people):
        shares[i % len(units)].append(person)
    return [
        deploy(actor=actor, team=team, unit=unit, people=share, **values)
        for unit, share in zip(units, shares, strict=True)
    ]
