"""Rules and plans over JSON: the rules of a unit (issued in its subtree or covering it),
a rule created with its first version, a new version published (each a notice with a
receipt per covered unit), one's own reading confirmed (once), a rule's status — the
units' acknowledgement from the notice's receipts and the confirmations of reading, per
child unit, with who still owes them —, contingency plans with their roles, and drills
with findings that become rectification items. Outside the caller's scope: 404."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from fangkong.core.errors import InvalidInput
from fangkong.core.idempotency import idempotent
from fangkong.core.pagination import Page, PageQuery, paginate
from fangkong.core.schemas import Code, Day, Id, Int, Items, Line, Text
from fangkong.duty.models import DutyRoom
from fangkong.notices import services as notice_services
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import get_unit_for, list_root_units
from fangkong.teams.queries import list_teams

from . import queries, services
from .models import Rule
from .permissions import RulePerm

router = Router(tags=["rules"])


class RuleVersionOut(Schema):
    id: int
    number: int
    body: str = Field(description="sanitized HTML")
    note: str
    published_at: datetime
    notice: int | None = Field(description="the notice that carried it (its receipts)")


class RuleOut(Schema):
    id: int
    issuer: str = Field(description="the issuing unit's code")
    title: str
    category: str
    confirm: str = Field(description="nobody, everyone or cadres")
    covers: list[str] = Field(description="unit codes: each a subtree")
    unit_kinds: list[str]
    site_kinds: list[str]
    current: RuleVersionOut | None


class RuleQuery(PageQuery):
    unit: Code | None = Field(None, description="rules issued in its subtree or covering it")
    category: Line(16) = ""


class RuleIn(Schema):
    issuer: Code | None = Field(None, description="the issuing unit (default: the caller's)")
    title: Line(180)
    category: Line(16) = Field(
        description="nine_rules, sixteen_bans, measures, contingency, funds or other"
    )
    confirm: Line(10) = Field("nobody", description="nobody, everyone or cadres")
    recipients: Items(Code, 100) = Field(description="the units it covers: each a subtree")
    unit_kinds: Items(Line(20), 10) = []
    site_kinds: Items(Line(20), 20) = []
    body: Text(services.MAX_BODY)
    note: Line(200) = ""


class VersionIn(Schema):
    body: Text(services.MAX_BODY)
    note: Line(200) = ""


class ConfirmOut(Schema):
    version: int
    person: str
    confirmed_at: datetime
    created: bool = Field(description="false when it was confirmed already")


class RuleAckIn(Schema):
    reply: Text(4000) = ""  # an optional written reply (e.g. 已传达学习)
    done: bool = Field(False, description="reported as carried out (已落实)")


class RuleAckOut(Schema):
    rule: int
    version: int
    units: list[str] = Field(description="codes of the caller's units that acknowledged")
    acked_at: datetime | None


class AckRow(Schema):
    unit: str | None
    name: str
    recipients: int
    acknowledged: int
    rate: int


class ReadRow(Schema):
    unit: str | None
    name: str
    people: int
    confirmed: int
    rate: int


class PersonRow(Schema):
    name: str
    unit: str
    unit_name: str


class StatusOut(Schema):
    rule: int
    version: int
    acknowledgement: AckRow | None
    acknowledgement_children: list[AckRow]
    not_acknowledged: list[str] = Field(description="unit codes, at most 100")
    reading: ReadRow | None = Field(description="none when nobody must confirm reading")
    reading_children: list[ReadRow]
    not_confirmed: list[PersonRow] = Field(description="at most 100")


class StatusQuery(Schema):
    unit: Code | None = None
    version: Int(1, 100_000) | None = Field(None, description="default: the current one")


class PlanRoleIn(Schema):
    name: Line(60)
    team: Id | None = None
    duty_room: Code | None = Field(None, description="the code of the duty room's unit")
    duties: Text(2000) = ""


class PlanIn(Schema):
    unit: Code
    title: Line(200)
    scenario: Text(4000) = ""
    rule: Id | None = Field(None, description="a rule of category contingency")
    roles: Items(PlanRoleIn, services.MAX_ROLES) = []


class PlanRoleOut(Schema):
    name: str
    team: int | None
    team_name: str
    duty_room: str | None
    duty_room_name: str
    duties: str


class PlanOut(Schema):
    id: int
    unit: str
    title: str
    scenario: str
    rule: int | None
    roles: list[PlanRoleOut]
    drills: int


class PlanQuery(PageQuery):
    unit: Code | None = None


class FindingIn(Schema):
    title: Line(200)
    detail: Line(500) = ""
    severity: Line(10) = Field("normal", description="serious, normal or minor")
    unit: Code | None = Field(None, description="the plan's unit (default) or one below it")


class DrillIn(Schema):
    day: Day
    scenario: Line(200)
    participants: Int(0, 100_000) = 0
    summary: Text(4000) = ""
    findings: Items(FindingIn, services.MAX_FINDINGS) = []


class FindingOut(Schema):
    title: str
    unit: str
    severity: str
    rectification: int


class DrillOut(Schema):
    id: int
    plan: int
    day: date
    scenario: str
    participants: int
    summary: str
    findings: list[FindingOut]


def _version_out(v) -> dict | None:
    if v is None:
        return None
    return {
        "id": v.pk,
        "number": v.number,
        "body": v.body,
        "note": v.note,
        "published_at": v.published_at,
        "notice": v.notice_id,
    }


def _rule_out(rule, current=None) -> dict:
    return {
        "id": rule.pk,
        "issuer": rule.issuer.code,
        "title": rule.title,
        "category": rule.category,
        "confirm": rule.confirm,
        "covers": [t.unit.code for t in rule.targets.all()],
        "unit_kinds": rule.unit_kinds,
        "site_kinds": rule.site_kinds,
        "current": _version_out(
            current or max(rule.versions.all(), key=lambda v: v.number, default=None)
        ),
    }


def _units(user, codes) -> list[Unit]:
    found = []
    for code in codes:
        try:
            found.append(get_unit_for(user, code))
        except Http404:
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                raise InvalidInput(
                    {"recipients": _("No such unit: %(code)s") % {"code": code}},
                    code="unknown_unit",
                ) from None
            found.append(unit)  # the superior: notices decide whether it may be
    return found


def _own_unit(user, code, perm):
    if code:
        return get_unit_for(user, code, perm)
    unit = list_root_units(user, perm).order_by("depth", "path").first()
    if unit is None:
        raise InvalidInput({"issuer": _("Name the issuing unit.")})
    return unit


@router.get("/rules", response=Page[RuleOut], summary="Rules of a unit")
def list_rules(request, query: Query[RuleQuery]):
    unit = get_unit_for(request.user, query.unit) if query.unit else None
    rows = queries.list_rules(request.user, unit=unit, category=query.category)
    return paginate(rows.prefetch_related("targets__unit", "versions"), query, out=_rule_out)


@router.post("/rules", response={201: RuleOut}, summary="Create a rule (its version 1 published)")
@idempotent
def post_rule(request, payload: RuleIn):
    """Version 1 goes out at once as a notice of the issuer: a receipt per covered unit.
    Covering nobody: 400 `no_recipients`."""
    issuer = _own_unit(request.user, payload.issuer, RulePerm.PUBLISH_RULES)
    rule = services.create_rule(
        actor=request.user,
        issuer=issuer,
        title=payload.title,
        category=payload.category,
        confirm=payload.confirm,
        body=payload.body,
        note=payload.note,
        recipients=_units(request.user, payload.recipients),
        unit_kinds=payload.unit_kinds,
        site_kinds=payload.site_kinds,
    )
    return 201, _rule_out(
        Rule.objects.prefetch_related("targets__unit", "versions").get(pk=rule.pk)
    )


@router.post(
    "/rules/{rule_id}/versions", response={201: RuleVersionOut}, summary="Publish a new version"
)
@idempotent
def post_version(request, rule_id: Id, payload: VersionIn):
    """The earlier versions stay as they were; the new one is a notice of its own, so every
    covered unit acknowledges it again."""
    rule = queries.get_rule_for(request.user, rule_id)
    version = services.publish_version(
        actor=request.user, rule=rule, body=payload.body, note=payload.note
    )
    return 201, _version_out(version)


@router.post(
    "/rules/versions/{version_id}/confirm", response=ConfirmOut, summary="I have read it (我已阅读)"
)
@idempotent
def post_confirm(request, version_id: Id):
    """For the caller's own person on the roster; a second time answers the first
    (`created` false). Not asked of the caller: 409 `not_required`."""
    version = queries.get_version_for(request.user, version_id)
    row, created = services.confirm_reading(user=request.user, version=version)
    return {
        "version": version.pk,
        "person": row.person.name,
        "confirmed_at": row.at,
        "created": created,
    }


@router.post(
    "/rules/{rule_id}/ack", response=RuleAckOut, summary="Acknowledge the current version (签收)"
)
@idempotent
def post_ack(request, rule_id: Id, payload: RuleAckIn):
    """签收 of the rule's current version for the caller's covered units, through the
    receipts of the notice it went out as (the same as acknowledging that notice). Not a
    recipient: 403; a withdrawn notice: 409."""
    rule = queries.get_rule_for(request.user, rule_id)
    version = queries.current_version(rule)
    if version is None or version.notice is None:
        raise Http404
    receipts = notice_services.acknowledge(
        actor=request.user, notice=version.notice, reply=payload.reply, done=payload.done
    )
    return {
        "rule": rule.pk,
        "version": version.number,
        "units": sorted(r.unit.code for r in receipts if r.unit_id),
        "acked_at": max((r.acked_at for r in receipts if r.acked_at), default=None),
    }


def _ack_row(t) -> dict:
    return {
        "unit": t.unit.code if t.unit else None,
        "name": t.unit.name if t.unit else "",
        "recipients": t.total,
        "acknowledged": t.acked,
        "rate": t.ack_rate,
    }


def _read_row(r) -> dict:
    return {
        "unit": r.unit.code if r.unit else None,
        "name": r.unit.name if r.unit else "",
        "people": r.total,
        "confirmed": r.confirmed,
        "rate": r.rate,
    }


@router.get("/rules/{rule_id}/status", response=StatusOut, summary="Acknowledgement and reading")
def get_status(request, rule_id: Id, query: Query[StatusQuery]):
    """Of the current version (or `version`), in `unit`'s subtree (default: the issuer's,
    or the caller's own for a covered unit), per child unit."""
    user = request.user
    rule = queries.get_rule_for(user, rule_id)
    versions = queries.list_versions(rule)
    version = next((v for v in versions if v.number == query.version), None)
    if query.version and version is None:
        raise Http404
    version = version or versions[0]
    if query.unit:
        unit = get_unit_for(user, query.unit, RulePerm.VIEW_RULES)
    elif queries.is_issuer_side(user, rule):
        unit = rule.issuer
    else:
        unit = list_root_units(user, RulePerm.VIEW_RULES).order_by("depth").first()
    ack = queries.get_ack(user, version, unit)
    reading = queries.get_reading(user, version, unit) if rule.confirm != "nobody" else None
    missing = queries.list_not_confirmed(user, version, unit, 100) if reading else []
    return {
        "rule": rule.pk,
        "version": version.number,
        "acknowledgement": _ack_row(ack) if ack else None,
        "acknowledgement_children": [_ack_row(c) for c in ack.children] if ack else [],
        "not_acknowledged": [r.unit.code for r in queries.list_not_acked(user, version, unit)],
        "reading": _read_row(reading) if reading else None,
        "reading_children": [_read_row(c) for c in reading.children] if reading else [],
        "not_confirmed": [
            {"name": p.name, "unit": p.unit.code, "unit_name": p.unit.name} for p in missing
        ],
    }


# --- contingency plans --------------------------------------------------------------------


def _plan_out(plan) -> dict:
    return {
        "id": plan.pk,
        "unit": plan.unit.code,
        "title": plan.title,
        "scenario": plan.scenario,
        "rule": plan.rule_id,
        "roles": [
            {
                "name": r.name,
                "team": r.team_id,
                "team_name": r.team.name if r.team else "",
                "duty_room": r.duty_room.unit.code if r.duty_room else None,
                "duty_room_name": r.duty_room.name if r.duty_room else "",
                "duties": r.duties,
            }
            for r in queries.list_roles(plan)
        ],
        "drills": plan.drills.count(),
    }


@router.get("/plans", response=Page[PlanOut], summary="Contingency plans of a subtree")
def list_plans(request, query: Query[PlanQuery]):
    unit = get_unit_for(request.user, query.unit) if query.unit else None
    return paginate(queries.list_plans(request.user, unit=unit), query, out=_plan_out)


@router.post("/plans", response={201: PlanOut}, summary="Create a contingency plan")
@idempotent
def post_plan(request, payload: PlanIn):
    user = request.user
    unit = get_unit_for(user, payload.unit)
    rule = None
    if payload.rule is not None:
        try:
            rule = queries.get_rule_for(user, payload.rule)
        except Http404:
            raise InvalidInput({"rule": _("No such rule.")}) from None
    teams = {t.pk: t for t in list_teams(user)}
    roles = []
    for i, r in enumerate(payload.roles):
        team = room = None
        if r.team is not None:
            team = teams.get(r.team)
            if team is None:
                raise InvalidInput({f"roles.{i}.team": _("No such team.")})
        if r.duty_room:
            room = (
                DutyRoom.objects.visible_to(user)
                .select_related("unit")
                .filter(unit__code=r.duty_room)
                .first()
            )
            if room is None:
                raise InvalidInput({f"roles.{i}.duty_room": _("No such duty room.")})
        roles.append({"name": r.name, "team": team, "duty_room": room, "duties": r.duties})
    plan = services.save_plan(
        actor=user, unit=unit, title=payload.title, scenario=payload.scenario, rule=rule,
        roles=roles,
    )  # fmt: skip
    return 201, _plan_out(plan)


@router.post("/plans/{plan_id}/drills", response={201: DrillOut}, summary="Record a drill")
@idempotent
def post_drill(request, plan_id: Id, payload: DrillIn):
    """Each finding becomes a rectification item of its unit (inspections), all or none."""
    user = request.user
    plan = queries.get_plan_for(user, plan_id)
    findings = []
    for i, f in enumerate(payload.findings):
        where = None
        if f.unit:
            try:
                where = get_unit_for(user, f.unit)
            except Http404:
                raise InvalidInput({f"findings.{i}.unit": _("No such unit.")}) from None
        findings.append(
            {"title": f.title, "detail": f.detail, "severity": f.severity, "unit": where}
        )
    drill = services.record_drill(
        actor=user, plan=plan, day=payload.day, scenario=payload.scenario,
        participants=payload.participants, summary=payload.summary, findings=findings,
    )  # fmt: skip
    return 201, {
        "id": drill.pk,
        "plan": plan.pk,
        "day": drill.day,
        "scenario": drill.scenario,
        "participants": drill.participants,
        "summary": drill.summary,
        "findings": [
            {
                "title": d.title,
                "unit": d.unit.code,
                "severity": d.severity,
                "rectification": d.rectification_id,
            }
            for d in drill.findings.select_related("unit")
        ],
    }
