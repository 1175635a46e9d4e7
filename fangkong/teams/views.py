"""Pages of teams: the list, a team with its members, deployments and hours served, forming
a team, sending it (or some members) to units, and who is where on a day."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.errors import ServiceError
from fangkong.core.forms import parse_day, service_errors
from fangkong.core.scope import scope_of
from fangkong.orgs.choices import SiteKind
from fangkong.orgs.queries import get_unit_for, list_root_units

from . import queries, services
from .choices import MemberRole, Task, TeamKind


def _numbers(value: str) -> list[str]:
    return [n.strip() for n in (value or "").replace("，", ",").split(",") if n.strip()]


@login_required
@require_GET
def team_list(request):
    user = request.user
    root = list_root_units(user).first()
    today = root.local_date() if root else timezone.localdate()
    teams = list(queries.list_teams(user))
    deployed: dict[int, int] = {}
    for post in queries.who_is_where(user, root, today) if root else []:
        deployed[post.deployment.team_id] = deployed.get(post.deployment.team_id, 0) + len(
            post.people
        )
    return render(
        request,
        "teams/team_list.html",
        {
            "rows": [(t, deployed.get(t.pk, 0)) for t in teams],
            "today": today,
            "root": root,
            "can_create": not scope_of(user, services.MANAGE).empty,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request):
    user = request.user
    if scope_of(user, services.MANAGE).empty:
        raise Http404
    errors, data = {}, request.POST if request.method == "POST" else {}
    if request.method == "POST":
        code = (request.POST.get("unit") or "").strip()
        try:
            unit = get_unit_for(user, code, services.MANAGE) if code else None
        except Http404:
            unit = None
        if unit is None:
            errors = {"unit": [_("Choose the unit that forms the team.")]}
        else:
            leader_no = (request.POST.get("leader") or "").strip()
            numbers = _numbers(request.POST.get("members", ""))
            wanted = ([leader_no] if leader_no else []) + numbers
            found = queries.find_people(user, unit, wanted)
            missing = [n for n in wanted if n not in found]
            if missing:
                errors = {
                    "members": [
                        _("No one with the employee number %(no)s in the group.")
                        % {"no": missing[0]}
                    ]
                }
            else:
                members = []
                if leader_no:
                    members.append((found[leader_no], MemberRole.LEADER, ""))
                members += [(found[n], MemberRole.MEMBER, "") for n in numbers]
                try:
                    team = services.create_team(
                        actor=user,
                        unit=unit,
                        name=request.POST.get("name", ""),
                        kind=request.POST.get("kind", ""),
                        description=request.POST.get("description", ""),
                        members=members,
                    )
                except ServiceError as exc:
                    errors = service_errors(request, exc)
                else:
                    messages.success(request, _("The team is formed."))
                    return redirect("teams:team_detail", team.pk)
    return render(
        request,
        "teams/team_new.html",
        {
            "errors": errors,
            "data": data,
            "kinds": TeamKind.choices,
            "default_unit": data.get("unit") or list_root_units(user, services.MANAGE).first(),
            "perm": services.MANAGE,
        },
    )


@login_required
@require_GET
def team_detail(request, team_id: int):
    user = request.user
    team = queries.get_team_for(user, team_id)
    today = team.unit.local_date()
    deployments = list(queries.list_deployments(user, team))
    return render(
        request,
        "teams/team_detail.html",
        {
            "team": team,
            "members": queries.list_members(team),
            "deployments": deployments,
            "hours": queries.hours_served(user, team, today),
            "today": today,
            "roles": MemberRole.choices,
            "can_manage": scope_of(user, services.MANAGE).covers(team.unit_path),
        },
    )


def _managed_team(request, team_id):
    team = queries.get_team_for(request.user, team_id)
    if not scope_of(request.user, services.MANAGE).covers(team.unit_path):
        raise Http404
    return team


@login_required
@require_POST
def member_save(request, team_id: int):
    team = _managed_team(request, team_id)
    person = queries.find_person(request.user, team, request.POST.get("person", ""))
    if person is None:
        messages.error(request, _("Choose a person of the group's roster."))
        return redirect("teams:team_detail", team.pk)
    try:
        services.add_member(
            actor=request.user,
            team=team,
            person=person,
            role=request.POST.get("role") or MemberRole.MEMBER,
            skills=request.POST.get("skills", ""),
        )
    except ServiceError as exc:
        for msgs in exc.fields.values():
            for m in msgs:
                messages.error(request, str(m))
        if not exc.fields:
            messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(name)s is in the team.") % {"name": person.name})
    return redirect("teams:team_detail", team.pk)


@login_required
@require_POST
def member_remove(request, team_id: int):
    team = _managed_team(request, team_id)
    person = queries.find_person(request.user, team, request.POST.get("person", ""))
    if person is None:
        raise Http404
    try:
        services.remove_member(actor=request.user, team=team, person=person)
    except ServiceError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("%(name)s has left the team.") % {"name": person.name})
    return redirect("teams:team_detail", team.pk)


@login_required
@require_http_methods(["GET", "POST"])
def deployment_new(request, team_id: int):
    user = request.user
    team = _managed_team(request, team_id)
    members = queries.list_members(team)
    errors, data = {}, request.POST if request.method == "POST" else {}
    today = team.unit.local_date()
    chosen = set(request.POST.getlist("people")) if request.method == "POST" else None
    if request.method == "POST":
        code = (request.POST.get("unit") or "").strip()
        try:
            unit = get_unit_for(user, code) if code else None
        except Http404:
            unit = None
        units = [unit] if unit is not None else []
        spread = request.POST.get("spread") or ""
        if unit is not None and spread:
            units = queries.sites_below(unit, "" if spread == "all" else spread)
        people = [m.person for m in members if m.person.employee_no in (chosen or set())]
        if not units:
            errors = {"unit": [_("Choose the unit the team goes to.")]}
        elif not people:
            errors = {"people": [_("Choose who goes.")]}
        else:
            try:
                hours = int(request.POST.get("hours_per_day") or 8)
            except ValueError:
                hours = -1
            try:
                made = services.deploy_to_units(
                    actor=user,
                    team=team,
                    units=units,
                    people=people,
                    task=request.POST.get("task", ""),
                    starts_on=parse_day(request.POST.get("starts_on", "")),
                    ends_on=parse_day(request.POST.get("ends_on", "")),
                    hours_per_day=hours,
                    note=request.POST.get("note", ""),
                )
            except ServiceError as exc:
                errors = service_errors(request, exc)
            else:
                messages.success(
                    request,
                    _("%(people)s people sent to %(units)s units.")
                    % {"people": len(people), "units": len(made)},
                )
                return redirect("teams:team_detail", team.pk)
    return render(
        request,
        "teams/deployment_new.html",
        {
            "team": team,
            "members": members,
            "chosen": chosen,
            "errors": errors,
            "data": data,
            "tasks": Task.choices,
            "site_kinds": SiteKind.choices,
            "today": today.isoformat(),
        },
    )


@login_required
@require_POST
def deployment_end(request, deployment_id: int):
    deployment = queries.get_deployment_for(request.user, deployment_id)
    if not scope_of(request.user, services.MANAGE).covers(deployment.team_path):
        raise Http404
    try:
        services.end_deployment(
            actor=request.user,
            deployment=deployment,
            last_day=parse_day(request.POST.get("last_day", "")) or deployment.unit.local_date(),
        )
    except ServiceError as exc:
        messages.error(request, str(exc.message))
        for msgs in exc.fields.values():
            for m in msgs:
                messages.error(request, str(m))
    else:
        messages.success(
            request, _("The deployment ends on %(day)s.") % {"day": deployment.ends_on}
        )
    return redirect("teams:team_detail", deployment.team_id)


@login_required
@require_GET
def today(request):
    user = request.user
    code = (request.GET.get("unit") or "").strip()
    unit = get_unit_for(user, code) if code else list_root_units(user).first()
    if unit is None:
        raise Http404
    day = parse_day(request.GET.get("day", "")) or unit.local_date()
    posts = queries.who_is_where(user, unit, day)
    return render(
        request,
        "teams/today.html",
        {
            "unit": unit,
            "day": day,
            "posts": posts,
            "people": sum(len(p.people) for p in posts),
        },
    )
