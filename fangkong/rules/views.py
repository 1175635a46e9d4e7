"""Pages of rules and plans: the library of a subtree, a new rule, one rule (its current
version, the earlier ones, per version the units' acknowledgement from its notice's
receipts and the confirmations of reading per unit, with who still owes them), a person's
own rules with 我已阅读 (htmx); the contingency plans with their roles, drills and the
rectification items their findings became."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.audit import log_access
from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of
from fangkong.duty.models import DutyRoom
from fangkong.inspections.choices import Severity
from fangkong.notices.models import Attachment
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import get_unit_for, list_root_units
from fangkong.teams.queries import list_teams

from . import queries, services
from .choices import Category, Confirm
from .permissions import RulePerm

ROLE_ROWS = 6
FINDING_ROWS = 3
SHOWN = 30


def _message(exc: ServiceError) -> str:
    if exc.fields:
        return "；".join(
            str(m) for v in exc.fields.values() for m in (v if isinstance(v, list) else [v])
        )
    return str(exc.message)


def _unit_param(request, perm=RulePerm.VIEW_RULES) -> Unit | None:
    code = (request.GET.get("unit") or "").strip()
    if code:
        return get_unit_for(request.user, code, perm)
    return list_root_units(request.user, perm).order_by("depth", "path").first()


# --- rules --------------------------------------------------------------------------------


@login_required
@require_GET
def rule_list(request):
    user = request.user
    person = queries.person_of(user)
    if scope_of(user, RulePerm.VIEW_RULES).empty:
        if person is not None:
            return redirect("rules:mine")
        raise Http404
    unit = _unit_param(request)
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    rules = list(queries.list_rules(user, unit=unit, category=category)[:200])
    current = queries.current_versions(rules)
    rows = [(r, current.get(r.pk)) for r in rules]
    return render(
        request,
        "rules/rule_list.html",
        {
            "unit": unit,
            "rows": rows,
            "category": category,
            "categories": Category.choices,
            "can_publish": not scope_of(user, RulePerm.PUBLISH_RULES).empty,
            "person": person,
        },
    )


def _codes(request, *names) -> list[str]:
    return [c for name in names for c in request.POST.getlist(name) if c]


@login_required
@require_http_methods(["GET", "POST"])
def rule_new(request):
    user = request.user
    if scope_of(user, RulePerm.PUBLISH_RULES).empty:
        raise Http404
    errors: dict = {}
    data = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            issuer = get_unit_for(user, data.get("issuer", ""), RulePerm.PUBLISH_RULES)
        except Http404:
            issuer = None
            errors = {"issuer": [_("Choose the issuing unit.")]}
        if issuer is not None:
            codes = _codes(request, "recipients", "recipients_2")
            try:
                rule = services.create_rule(
                    actor=user,
                    issuer=issuer,
                    title=data.get("title", ""),
                    category=data.get("category", ""),
                    confirm=data.get("confirm", ""),
                    body=data.get("body", ""),
                    note=data.get("note", ""),
                    recipients=list(Unit.objects.filter(code__in=codes)),
                    unit_kinds=request.POST.getlist("unit_kinds"),
                    site_kinds=request.POST.getlist("site_kinds"),
                    files=request.FILES.getlist("files"),
                )
            except ServiceError as exc:
                errors = {k: v if isinstance(v, list) else [v] for k, v in exc.fields.items()}
                if not errors:
                    errors = {"form": [exc.message]}
            else:
                messages.success(request, _("Published: every covered unit has it to acknowledge."))
                return redirect("rules:rule_detail", rule.pk)
    return render(
        request,
        "rules/rule_form.html",
        {
            "errors": errors,
            "data": data,
            "categories": Category.choices,
            "confirms": Confirm.choices,
            "unit_kinds": UnitKind.choices,
            "site_kinds": SiteKind.choices,
            "perm": RulePerm.PUBLISH_RULES,
        },
    )


def _version_context(request, rule, version, unit):
    user = request.user
    ack = queries.get_ack(user, version, unit)
    reading = queries.get_reading(user, version, unit) if rule.confirm != Confirm.NOBODY else None
    return {
        "ack": ack,
        "not_acked": queries.list_not_acked(user, version, unit, SHOWN) if ack else [],
        "reading": reading,
        "not_confirmed": queries.list_not_confirmed(user, version, unit, SHOWN)
        if reading and reading.missing
        else [],
    }


@login_required
@require_GET
def rule_detail(request, rule_id):
    user = request.user
    rule = queries.get_rule_for(user, rule_id)
    versions = queries.list_versions(rule)
    if not versions:
        raise Http404
    number = request.GET.get("v", "")
    version = next((v for v in versions if str(v.number) == number), versions[0])
    unit = None
    code = (request.GET.get("unit") or "").strip()
    if code:
        unit = get_unit_for(user, code, RulePerm.VIEW_RULES)
    elif queries.is_issuer_side(user, rule):
        unit = rule.issuer
    else:
        unit = list_root_units(user, RulePerm.VIEW_RULES).order_by("depth").first()
    person = queries.person_of(user)
    mine = None
    if person is not None and queries.covers_person(rule, person):
        mine = {
            "required": queries.must_confirm(rule, person),
            "confirmed": queries.confirmation_of(person, version),
        }
    return render(
        request,
        "rules/rule_detail.html",
        {
            "rule": rule,
            "version": version,
            "versions": versions,
            "is_current": version == versions[0],
            "unit": unit,
            "mine": mine,
            "attachments": list(
                Attachment.objects.filter(notice_id=version.notice_id, receipt__isnull=True)
            ),
            "can_publish": scope_of(user, RulePerm.PUBLISH_RULES).covers(rule.unit_path),
            "targets": [t.unit for t in rule.targets.select_related("unit")],
            **_version_context(request, rule, version, unit),
        },
    )


@login_required
@require_POST
def rule_publish(request, rule_id):
    rule = queries.get_rule_for(request.user, rule_id)
    try:
        version = services.publish_version(
            actor=request.user,
            rule=rule,
            body=request.POST.get("body", ""),
            note=request.POST.get("note", ""),
            files=request.FILES.getlist("files"),
        )
    except ServiceError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(
            request,
            _("Version %(n)s published: every covered unit has it to acknowledge.")
            % {"n": version.number},
        )
    return redirect("rules:rule_detail", rule.pk)


@login_required
@require_GET
def version_detail(request, version_id):
    version = queries.get_version_for(request.user, version_id)
    if queries.visible_rules(request.user).filter(pk=version.rule_id).exists():
        return redirect(f"/rules/{version.rule_id}/?v={version.number}")
    person = queries.person_of(request.user)
    return render(
        request,
        "rules/version.html",
        {
            "version": version,
            "rule": version.rule,
            "required": person is not None and queries.must_confirm(version.rule, person),
            "confirmed": queries.confirmation_of(person, version),
            "attachments": list(
                Attachment.objects.filter(notice_id=version.notice_id, receipt__isnull=True)
            ),
        },
    )


@login_required
@require_POST
def confirm(request, version_id):
    """我已阅读 (htmx: the button's own fragment; without htmx back to the page)."""
    version = queries.get_version_for(request.user, version_id)
    error = ""
    try:
        row, _created = services.confirm_reading(user=request.user, version=version)
    except ServiceError as exc:
        row, error = None, _message(exc)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "rules/_confirm.html",
            {"version": version, "confirmed": row, "required": True, "error": error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Confirmed: you have read it."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "rules:mine"
    return redirect(target or "rules:mine")


@login_required
@require_GET
def mine(request):
    person = queries.person_of(request.user)
    rows = queries.list_my_rules(person) if person is not None else []
    return render(request, "rules/mine.html", {"person": person, "rows": rows})


@login_required
@require_GET
def attachment(request, version_id, file_id):
    version = queries.get_version_for(request.user, version_id)
    item = Attachment.objects.filter(
        pk=file_id, notice_id=version.notice_id, receipt__isnull=True
    ).first()
    if item is None:
        raise Http404
    log_access(request, "export", "rule", version.rule_id, version.rule.unit_path)
    try:
        return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)
    except FileNotFoundError:
        raise Http404 from None


# --- contingency plans --------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request):
    user = request.user
    if scope_of(user, RulePerm.VIEW_RULES).empty:
        raise Http404
    unit = _unit_param(request)
    return render(
        request,
        "rules/plan_list.html",
        {
            "unit": unit,
            "plans": list(
                queries.list_plans(user, unit=unit).prefetch_related("roles", "drills")[:200]
            ),
            "can_manage": not scope_of(user, RulePerm.MANAGE_PLANS).empty,
        },
    )


def _choices_for(user, unit: Unit):
    line = [*unit.ancestor_ids, unit.pk]
    teams = [
        t for t in list_teams(user).select_related("unit")
        if t.unit_id in line or t.unit_path.startswith(unit.path)
    ]  # fmt: skip
    rooms = list(
        DutyRoom.objects.filter(unit_id__in=line, active=True).select_related("unit")
    ) + list(
        DutyRoom.objects.filter(unit__path__startswith=unit.path, active=True)
        .exclude(unit_id__in=line)
        .select_related("unit")
    )
    return teams, rooms


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request):
    user = request.user
    if scope_of(user, RulePerm.MANAGE_PLANS).empty:
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    plan = None
    if data.get("plan"):
        plan = queries.get_plan_for(user, data.get("plan"))
        unit = plan.unit
    else:
        code = (data.get("unit") or "").strip()
        unit = get_unit_for(user, code, RulePerm.MANAGE_PLANS) if code else None
    errors: dict = {}
    teams, rooms = _choices_for(user, unit) if unit else ([], [])
    if request.method == "POST":
        if unit is None:
            errors = {"unit": [_("Choose the unit.")]}
        else:
            team_by = {str(t.pk): t for t in teams}
            room_by = {str(r.pk): r for r in rooms}
            roles = []
            for i in range(ROLE_ROWS):
                name = (data.get(f"role-{i}-name") or "").strip()
                if not name:
                    continue
                roles.append(
                    {
                        "name": name,
                        "team": team_by.get(data.get(f"role-{i}-team", "")),
                        "duty_room": room_by.get(data.get(f"role-{i}-room", "")),
                        "duties": data.get(f"role-{i}-duties", ""),
                    }
                )
            rules = {str(r.pk): r for r in queries.contingency_rules(user, unit)}
            try:
                plan = services.save_plan(
                    actor=user, unit=unit, title=data.get("title", ""),
                    scenario=data.get("scenario", ""), rule=rules.get(data.get("rule", "")),
                    roles=roles, plan=plan,
                )  # fmt: skip
            except ServiceError as exc:
                errors = {k: v if isinstance(v, list) else [v] for k, v in exc.fields.items()}
            else:
                messages.success(request, _("The contingency plan is saved."))
                return redirect("rules:plan_detail", plan.pk)
    existing = queries.list_roles(plan) if plan else []
    rows = []
    for i in range(ROLE_ROWS):
        r = existing[i] if i < len(existing) else None
        rows.append(
            {
                "i": i,
                "name": data.get(f"role-{i}-name") or (r.name if r else ""),
                "team": data.get(f"role-{i}-team") or (str(r.team_id) if r and r.team_id else ""),
                "room": data.get(f"role-{i}-room")
                or (str(r.duty_room_id) if r and r.duty_room_id else ""),
                "duties": data.get(f"role-{i}-duties") or (r.duties if r else ""),
            }
        )
    return render(
        request,
        "rules/plan_form.html",
        {
            "unit": unit,
            "plan": plan,
            "errors": errors,
            "title": data.get("title", plan.title if plan else ""),
            "scenario": data.get("scenario", plan.scenario if plan else ""),
            "rule_id": data.get("rule", str(plan.rule_id) if plan and plan.rule_id else ""),
            "rules": queries.contingency_rules(user, unit) if unit else [],
            "teams": teams,
            "rooms": rooms,
            "roles": rows,
            "perm": RulePerm.MANAGE_PLANS,
        },
    )


@login_required
@require_GET
def plan_detail(request, plan_id):
    user = request.user
    plan = queries.get_plan_for(user, plan_id)
    return render(
        request,
        "rules/plan_detail.html",
        {
            "plan": plan,
            "roles": queries.list_roles(plan),
            "drills": queries.list_drills(plan),
            "can_manage": scope_of(user, RulePerm.MANAGE_PLANS).covers(plan.unit_path),
            "severities": Severity.choices,
            "finding_rows": range(FINDING_ROWS),
        },
    )


@login_required
@require_POST
def drill_new(request, plan_id):
    user = request.user
    plan = queries.get_plan_for(user, plan_id)
    data = request.POST
    findings = []
    for i in range(FINDING_ROWS):
        title = (data.get(f"finding-{i}-title") or "").strip()
        if title:
            findings.append(
                {
                    "title": title,
                    "detail": data.get(f"finding-{i}-detail", ""),
                    "severity": data.get(f"finding-{i}-severity", ""),
                }
            )
    try:
        drill = services.record_drill(
            actor=user, plan=plan, day=data.get("day", ""), scenario=data.get("scenario", ""),
            participants=data.get("participants", ""), summary=data.get("summary", ""),
            findings=findings,
        )  # fmt: skip
    except ServiceError as exc:
        messages.error(request, _message(exc))
        return redirect("rules:plan_detail", plan.pk)
    messages.success(
        request,
        _("The drill is recorded; %(n)s findings became rectification items.")
        % {"n": len(findings)},
    )
    return redirect("rules:drill_detail", drill.pk)


@login_required
@require_GET
def drill_detail(request, drill_id):
    drill = queries.get_drill_for(request.user, drill_id)
    return render(
        request,
        "rules/drill_detail.html",
        {
            "drill": drill,
            "plan": drill.plan,
            "findings": list(drill.findings.select_related("rectification", "unit")),
        },
    )
