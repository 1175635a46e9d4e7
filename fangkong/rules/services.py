"""Writes of rules and plans. Each service runs in one transaction, checks the actor's
right on the unit it acts for (`RulePerm`), validates (a clear error naming the field,
nothing half-written) and records an audit entry.

Guarantees:
- a rule is created with its first version; a version is numbered 1, 2, 3… under the
  rule's row lock, never changed after (publish a new one: `RuleVersion.save` refuses);
- publishing a version issues a notice of the issuer to the rule's subtrees and kinds
  through `notices.services.issue_notice`, in the same transaction: the notice's receipts
  are each covered unit's read and acknowledgement (签收), its messages go out as every
  notice's do; a rule covering nobody is refused (400 `no_recipients`) with nothing kept;
- confirming one's reading is the person's own act, once per version (a second time
  answers the first confirmation), and only where the rule asks it of them;
- a contingency plan's roles are linked to teams and duty rooms of the plan's line; a
  drill's findings become rectification items through `inspections.services.record_finding`
  in the drill's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.permissions import require
from fangkong.duty.models import DutyRoom
from fangkong.inspections.choices import Severity
from fangkong.inspections.services import record_finding
from fangkong.notices import html
from fangkong.notices.services import issue_notice
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Person, Unit
from fangkong.teams.models import Team

from . import queries
from .choices import Category, Confirm
from .models import (
    ContingencyPlan,
    Drill,
    DrillFinding,
    PlanRole,
    ReadConfirmation,
    Rule,
    RuleTarget,
    RuleVersion,
)
from .permissions import RulePerm

MAX_BODY = 100_000
MAX_ROLES = 30
MAX_FINDINGS = 30


def _text(value, field: str, limit: int, errors: dict, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > limit:
        errors[field] = _("At most %(n)s characters.") % {"n": limit}
    return value


def _kinds(values, allowed, field: str, errors: dict) -> list[str]:
    values = list(dict.fromkeys(v for v in (values or ()) if v))
    if any(v not in allowed for v in values):
        errors[field] = _("Unknown kind.")
    return values


# --- rules and their versions -------------------------------------------------------------


@transaction.atomic
def create_rule(
    *,
    actor,
    issuer: Unit,
    title: str,
    category: str,
    body: str,
    recipients: Iterable[Unit],
    confirm: str = Confirm.NOBODY,
    unit_kinds: Iterable[str] = (),
    site_kinds: Iterable[str] = (),
    note: str = "",
    files: Iterable = (),
    now: datetime | None = None,
) -> Rule:
    """A rule of `issuer` covering `recipients` (subtrees, optionally only units of some
    kinds), published at once as version 1 (a notice to the covered units)."""
    require(actor, RulePerm.PUBLISH_RULES, issuer.path)
    errors: dict = {}
    title = _text(title, "title", 180, errors, required=True)
    if category not in Category.values:
        errors["category"] = _("Choose the category.")
    if confirm not in Confirm.values:
        errors["confirm"] = _("Choose who confirms reading it.")
    unit_kinds = _kinds(unit_kinds, UnitKind.values, "unit_kinds", errors)
    site_kinds = _kinds(site_kinds, SiteKind.values, "site_kinds", errors)
    units = list(dict.fromkeys(recipients or ()))
    if not units:
        errors["recipients"] = _("Choose the units it covers.")
    if not (body or "").strip():
        errors["body"] = _("A rule needs its text.")
    if errors:
        raise InvalidInput(errors)
    rule = Rule.objects.create(
        issuer=issuer,
        unit_path=issuer.path,
        title=title,
        category=category,
        confirm=confirm,
        unit_kinds=unit_kinds,
        site_kinds=site_kinds,
        created_by=actor,
        created_at=now or timezone.now(),
    )
    RuleTarget.objects.bulk_create([RuleTarget(rule=rule, unit=u) for u in units])
    record_change(actor, "create", rule, issuer.path, {"title": title, "category": category})
    publish_version(actor=actor, rule=rule, body=body, note=note, files=files, now=now)
    return rule


def notice_title(rule: Rule, number: int) -> str:
    # Stored text, in the documents' own style (关于印发《…》的通知).
    title = rule.title[:170]
    if number == 1:
        return f"关于印发《{title}》的通知"
    return f"关于印发《{title}》（第{number}版）的通知"


@transaction.atomic
def publish_version(
    *,
    actor,
    rule: Rule,
    body: str,
    note: str = "",
    files: Iterable = (),
    now: datetime | None = None,
) -> RuleVersion:
    """The next version of `rule`, published: its text sanitized (notices.html), issued as
    a notice of the issuer to the covered units with a link back to the rule, so every
    covered unit gets a receipt to read and acknowledge."""
    require(actor, RulePerm.PUBLISH_RULES, rule.unit_path)
    errors: dict = {}
    note = _text(note, "note", 200, errors)
    if len(body or "") > MAX_BODY:
        errors["body"] = _("At most %(n)s characters.") % {"n": MAX_BODY}
    text = html.plain_to_html(body or "")
    if not text and "body" not in errors:
        errors["body"] = _("A rule needs its text.")
    if errors:
        raise InvalidInput(errors)
    now = now or timezone.now()
    rule = Rule.objects.select_for_update().select_related("issuer").get(pk=rule.pk)
    number = (rule.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = RuleVersion.objects.create(
        rule=rule, number=number, body=text, note=note, published_at=now, published_by=actor
    )
    link = reverse("rules:rule_detail", args=[rule.pk])
    notice = issue_notice(
        actor=actor,
        issuer=rule.issuer,
        title=notice_title(rule, number),
        body=f'{text}<p><a href="{link}">查看规章制度全文及阅读确认</a></p>',
        recipients=[t.unit for t in rule.targets.select_related("unit")],
        unit_kinds=rule.unit_kinds,
        site_kinds=rule.site_kinds,
        files=files,
        now=now,
    )
    version.notice = notice
    version.save(update_fields=["notice"])
    record_change(actor, "publish", rule, rule.unit_path, {"version": number})
    return version


def confirm_reading(*, user, version: RuleVersion, now: datetime | None = None):
    """我已阅读: the user's own person confirms reading `version`. Returns (confirmation,
    created); a second confirmation answers the first. Refused: a login with no person on
    the roster or one the rule does not cover (403), a rule that asks nobody to confirm
    or not this person (409 `not_required`)."""
    person = Person.objects.filter(user=user, is_active=True).first() if user.pk else None
    if person is None:
        raise PermissionDeniedInScope(_("Your login is not linked to a person on the roster."))
    rule = version.rule
    if not queries.covers_person(rule, person):
        raise PermissionDeniedInScope(_("This rule does not cover your unit."))
    if not queries.must_confirm(rule, person):
        raise Conflict("not_required", _("This rule asks no confirmation of reading from you."))
    found = ReadConfirmation.objects.filter(version=version, person=person).first()
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            row = ReadConfirmation.objects.create(
                version=version,
                person=person,
                unit_path=person.unit_path,
                at=now or timezone.now(),
                by=user,
            )
            record_change(user, "confirm_reading", version.rule, person.unit_path,
                          {"version": version.number})  # fmt: skip
    except IntegrityError:  # a double tap: the first one counts
        return ReadConfirmation.objects.get(version=version, person=person), False
    return row, True


# --- contingency plans and drills ---------------------------------------------------------


def _on_line(path: str, of: str) -> bool:
    """`path` is on the line of `of`: an ancestor of it, itself, or below it."""
    return of.startswith(path) or path.startswith(of)


@transaction.atomic
def save_plan(
    *,
    actor,
    unit: Unit,
    title: str,
    scenario: str = "",
    rule: Rule | None = None,
    roles: list[dict] | None = None,
    plan: ContingencyPlan | None = None,
) -> ContingencyPlan:
    """A unit's contingency plan, created or changed, with its roles (each a dict of name,
    team, duty_room, duties) replaced when given. The rule, if any, is a 应急预案 issued on
    the unit's line; each team and duty room is of the unit's line (above it or below)."""
    require(actor, RulePerm.MANAGE_PLANS, unit.path)
    errors: dict = {}
    title = _text(title, "title", 200, errors, required=True)
    scenario = _text(scenario, "scenario", 4000, errors)
    if rule is not None and (
        rule.category != Category.CONTINGENCY or not unit.path.startswith(rule.unit_path)
    ):
        errors["rule"] = _("Choose a contingency plan (应急预案) issued on the unit's line.")
    rows = []
    if roles is not None and len(roles) > MAX_ROLES:
        errors["roles"] = _("At most %(n)s roles.") % {"n": MAX_ROLES}
    for i, r in enumerate((roles or [])[:MAX_ROLES]):
        name = _text(r.get("name"), f"roles.{i}.name", 60, errors, required=True)
        team, room = r.get("team"), r.get("duty_room")
        if team is not None and not (
            isinstance(team, Team) and _on_line(team.unit_path, unit.path)
        ):
            errors[f"roles.{i}.team"] = _("Choose a team of the unit's line.")
        if room is not None and not (
            isinstance(room, DutyRoom) and _on_line(room.unit.path, unit.path)
        ):
            errors[f"roles.{i}.duty_room"] = _("Choose a duty room of the unit's line.")
        duties = _text(r.get("duties"), f"roles.{i}.duties", 2000, errors)
        rows.append(PlanRole(name=name, team=team, duty_room=room, duties=duties, order=i))
    if errors:
        raise InvalidInput(errors)
    if plan is None:
        plan = ContingencyPlan.objects.create(
            unit=unit, unit_path=unit.path, title=title, scenario=scenario, rule=rule,
            created_by=actor,
        )  # fmt: skip
        record_change(actor, "create", plan, unit.path, {"title": title})
    else:
        plan = ContingencyPlan.objects.select_for_update().get(pk=plan.pk)
        plan.title, plan.scenario, plan.rule = title, scenario, rule
        plan.save(update_fields=["title", "scenario", "rule"])
        record_change(actor, "update", plan, unit.path, {"title": title})
    if roles is not None:
        plan.roles.all().delete()
        for row in rows:
            row.plan = plan
        PlanRole.objects.bulk_create(rows)
    return plan


def _day(value, field: str, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[field] = _("A day such as 2020-02-10, please.")
        return None


@transaction.atomic
def record_drill(
    *,
    actor,
    plan: ContingencyPlan,
    day,
    scenario: str,
    participants=0,
    summary: str = "",
    findings: list[dict] | None = None,
    now: datetime | None = None,
) -> Drill:
    """A drill of the plan (not a future day), and each of its findings (a dict of title,
    detail, severity, unit: the plan's unit or one below it, by default the plan's unit)
    a rectification item of that unit, owned by its liaison and due by severity."""
    require(actor, RulePerm.MANAGE_PLANS, plan.unit_path)
    now = now or timezone.now()
    errors: dict = {}
    unit = plan.unit
    day = _day(day, "day", errors)
    if day is not None and day > unit.local_date(now):
        errors["day"] = _("A drill is recorded after it took place.")
    scenario = _text(scenario, "scenario", 200, errors, required=True)
    summary = _text(summary, "summary", 4000, errors)
    text = str(participants if participants is not None else "0").strip() or "0"
    if not text.isdigit() or int(text) > 100_000:
        errors["participants"] = _("A whole number, please.")
    findings = findings or []
    if len(findings) > MAX_FINDINGS:
        errors["findings"] = _("At most %(n)s findings.") % {"n": MAX_FINDINGS}
    clean = []
    for i, f in enumerate(findings[:MAX_FINDINGS]):
        title = _text(f.get("title"), f"findings.{i}.title", 200, errors, required=True)
        detail = _text(f.get("detail"), f"findings.{i}.detail", 500, errors)
        severity = f.get("severity") or Severity.NORMAL
        if severity not in Severity.values:
            errors[f"findings.{i}.severity"] = _("Choose the severity.")
        where = f.get("unit") or unit
        if not where.path.startswith(unit.path):
            errors[f"findings.{i}.unit"] = _("Choose the plan's unit or a unit below it.")
        clean.append((title, detail, severity, where))
    if errors:
        raise InvalidInput(errors)
    drill = Drill.objects.create(
        plan=plan, unit_path=plan.unit_path, day=day, scenario=scenario,
        participants=int(text), summary=summary, created_by=actor, created_at=now,
    )  # fmt: skip
    source = f"应急演练：{plan.title}（{day:%Y-%m-%d}）"[:200]
    url = reverse("rules:drill_detail", args=[drill.pk])
    for title, detail, severity, where in clean:
        rect = record_finding(
            actor=actor, unit=where, title=title, detail=detail, severity=severity,
            source=source, source_url=url, item_code=f"drill-{plan.pk}", now=now,
        )  # fmt: skip
        DrillFinding.objects.create(
            drill=drill, title=title, detail=detail, severity=severity, unit=where,
            rectification=rect,
        )  # fmt: skip
    record_change(actor, "drill", plan, plan.unit_path, {"day": str(day), "findings": len(clean)})
    return drill
