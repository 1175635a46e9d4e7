"""Reads of rules and plans, scoped: a rule is seen by those who see its issuer and by
those who see a unit one of its versions' notices reached; a plan or drill by those who
see its unit; anyone else gets a 404. The acknowledgement of a version is its notice's
receipts, counted by the notices' own queries (`get_tally`, `list_receipts`); the
confirmations of reading are counted here, per child unit, in one grouped query."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from fangkong.core.audit import log_read
from fangkong.core.fields import subtree_q
from fangkong.core.scope import scope_of
from fangkong.notices import queries as notices
from fangkong.notices.models import Receipt
from fangkong.orgs.models import Person, Unit

from .choices import Category, Confirm
from .models import ContingencyPlan, Drill, PlanRole, ReadConfirmation, Rule, RuleVersion
from .permissions import RulePerm

NOT_CONFIRMED_SHOWN = 100


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc


# --- rules --------------------------------------------------------------------------------


def visible_rules(user) -> QuerySet[Rule]:
    scope = scope_of(user, RulePerm.VIEW_RULES)
    if scope.everything:
        return Rule.objects.all()
    if scope.empty:
        return Rule.objects.none()
    reached = Receipt.objects.filter(notice__rule_version__rule=OuterRef("pk")).filter(
        scope.q("unit_path")
    )
    return Rule.objects.filter(scope.q("unit_path") | Q(Exists(reached)))


def list_rules(user, *, unit: Unit | None = None, category: str = "") -> QuerySet[Rule]:
    """The rules the user sees; for `unit`, those issued in its subtree or covering it (a
    target on its line up)."""
    rows = visible_rules(user).select_related("issuer")
    if unit is not None:
        rows = rows.filter(
            subtree_q("unit_path", unit.path)
            | Q(targets__unit_id__in=[*unit.ancestor_ids, unit.pk])
        ).distinct()
    if category:
        rows = rows.filter(category=category)
    return rows.order_by("category", "unit_path", "id")


def get_rule_for(user, rule_id) -> Rule:
    rule = visible_rules(user).select_related("issuer").filter(pk=_int(rule_id)).first()
    if rule is None:
        raise Http404
    return rule


def is_issuer_side(user, rule: Rule) -> bool:
    return scope_of(user, RulePerm.VIEW_RULES).covers(rule.unit_path)


def list_versions(rule: Rule) -> list[RuleVersion]:
    return list(rule.versions.select_related("published_by", "notice").order_by("-number"))


def current_version(rule: Rule) -> RuleVersion | None:
    return rule.versions.select_related("notice").order_by("-number").first()


def current_versions(rules) -> dict[int, RuleVersion]:
    """The latest version of each rule, in one query."""
    found: dict[int, RuleVersion] = {}
    for v in RuleVersion.objects.filter(rule__in=list(rules)).order_by("rule_id", "number"):
        found[v.rule_id] = v
    return found


def get_version_for(user, version_id) -> RuleVersion:
    """A version for who sees its rule, or a person it covers (their own rules)."""
    version = (
        RuleVersion.objects.select_related("rule__issuer", "notice")
        .filter(pk=_int(version_id))
        .first()
    )
    if version is None:
        raise Http404
    if visible_rules(user).filter(pk=version.rule_id).exists():
        return version
    person = person_of(user)
    if person is not None and covers_person(version.rule, person):
        return version
    raise Http404


# --- who a rule covers --------------------------------------------------------------------


def _is_superior(target: Unit, issuer_path: str) -> bool:
    return issuer_path.startswith(target.path) and issuer_path != target.path


def _matches(rule: Rule, unit: Unit) -> bool:
    if rule.unit_kinds and unit.kind not in rule.unit_kinds:
        return False
    return not (rule.site_kinds and unit.site_kind not in rule.site_kinds)


def covered_roots(rule: Rule) -> list[tuple[str, int | None]]:
    """Where the people the rule covers are: (path, None) for a whole subtree, or ("",
    unit id) for a superior covered only itself. Without kind filters, the targets'
    subtrees; with them, the matching units' subtrees (a heat station's people, or a
    subsidiary's and everyone's below it)."""
    roots: list[tuple[str, int | None]] = []
    targets = list(rule.targets.select_related("unit"))
    for t in targets:
        if _is_superior(t.unit, rule.unit_path):
            if _matches(rule, t.unit):
                roots.append(("", t.unit.pk))
            continue
        if not (rule.unit_kinds or rule.site_kinds):
            roots.append((t.unit.path, None))
            continue
        units = Unit.objects.filter(subtree_q("path", t.unit.path))
        if rule.unit_kinds:
            units = units.filter(kind__in=rule.unit_kinds)
        if rule.site_kinds:
            units = units.filter(site_kind__in=rule.site_kinds)
        roots += [(p, None) for p in units.values_list("path", flat=True)]
    paths = sorted({p for p, _pk in roots if p})
    minimal: list[str] = []
    for p in paths:
        if not any(p.startswith(m) for m in minimal):
            minimal.append(p)
    return [(p, None) for p in minimal] + [r for r in roots if not r[0]]


def _roots_q(roots, field: str = "unit_path", id_field: str = "unit_id") -> Q:
    q = Q(pk__in=[])
    for path, pk in roots:
        q |= subtree_q(field, path) if path else Q(**{id_field: pk})
    return q


def covers_person(rule: Rule, person: Person, units: dict | None = None) -> bool:
    """Whether the person's unit is covered: a target on its line up (a superior target
    only itself) and, with kind filters, a matching unit between the target and it.
    `units`: the units of the person's line by id, when the caller has them."""
    line = [*person.unit.ancestor_ids, person.unit_id]
    targets = [t for t in rule.targets.all() if t.unit_id in line]
    if not targets:
        return False
    if units is None:
        units = {u.pk: u for u in Unit.objects.filter(pk__in=line)}
    for t in targets:
        target = units[t.unit_id]
        if _is_superior(target, rule.unit_path):
            if t.unit_id == person.unit_id and _matches(rule, target):
                return True
            continue
        below = line[line.index(t.unit_id) :]
        if any(_matches(rule, units[pk]) for pk in below):
            return True
    return False


def must_confirm(rule: Rule, person: Person) -> bool:
    if rule.confirm == Confirm.EVERYONE:
        return True
    return rule.confirm == Confirm.CADRES and person.is_party_member


def readers(rule: Rule) -> QuerySet[Person]:
    """The people on the roster who must confirm reading the rule's versions."""
    if rule.confirm == Confirm.NOBODY:
        return Person.objects.none()
    rows = Person.objects.filter(_roots_q(covered_roots(rule)), is_active=True)
    if rule.confirm == Confirm.CADRES:
        rows = rows.filter(is_party_member=True)
    return rows


def _scoped_readers(user, rule: Rule, unit: Unit | None):
    rows = readers(rule)
    if not is_issuer_side(user, rule):
        rows = rows.filter(scope_of(user, RulePerm.VIEW_RULES).q("unit_path"))
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    return rows


@dataclass
class Reading:
    unit: Unit | None
    total: int = 0
    confirmed: int = 0
    children: list = field(default_factory=list)

    @property
    def missing(self) -> int:
        return self.total - self.confirmed

    @property
    def rate(self) -> int:
        return round(100 * self.confirmed / self.total) if self.total else 0


def get_reading(user, version: RuleVersion, unit: Unit | None = None) -> Reading:
    """The people who must confirm reading `version` in `unit`'s subtree (or all the user
    may see) and how many did, with the same per child of `unit`: one query grouped by
    the people's unit path, folded into the children here."""
    done = ReadConfirmation.objects.filter(version=version, person=OuterRef("pk"))
    grouped = (
        _scoped_readers(user, version.rule, unit)
        .values("unit_path")
        .annotate(t=Count("pk"), c=Count("pk", filter=Q(Exists(done))))
        .order_by()
    )
    total = Reading(unit)
    by_child: dict[str, Reading] = {}
    prefix = len(unit.path) if unit is not None else 0
    for row in grouped:
        total.total += row["t"]
        total.confirmed += row["c"]
        if unit is None:
            continue
        rest = row["unit_path"][prefix:]
        if not rest:
            continue
        child = by_child.setdefault(unit.path + rest.split("/", 1)[0] + "/", Reading(None))
        child.total += row["t"]
        child.confirmed += row["c"]
    if by_child:
        for c in Unit.objects.filter(path__in=list(by_child)).order_by("sort_order", "code"):
            by_child[c.path].unit = c
            total.children.append(by_child[c.path])
    return total


def list_not_confirmed(user, version: RuleVersion, unit: Unit | None = None, limit=None):
    """The people (by name and unit) who have not confirmed reading `version`; a list of
    people, so the read is in the access log."""
    done = ReadConfirmation.objects.filter(version=version, person=OuterRef("pk"))
    rows = (
        _scoped_readers(user, version.rule, unit)
        .exclude(Exists(done))
        .select_related("unit")
        .order_by("unit_path", "employee_no")
    )
    log_read(
        user, "view", "rule_readers", version.pk, unit.path if unit else version.rule.unit_path
    )
    return list(rows[:limit]) if limit else rows


def get_ack(user, version: RuleVersion, unit: Unit | None = None):
    """The acknowledgement of `version` (its notice's receipts), or None before it has
    one: the notices' own tally with its children."""
    if version.notice is None:
        return None
    return notices.get_tally(user, version.notice, unit)


def list_not_acked(user, version: RuleVersion, unit: Unit | None = None, limit: int = 100):
    if version.notice is None:
        return []
    return list(notices.list_receipts(user, version.notice, unit, "ack")[:limit])


# --- a person's own rules -----------------------------------------------------------------


def person_of(user) -> Person | None:
    if not getattr(user, "pk", None):
        return None
    return Person.objects.filter(user=user, is_active=True).select_related("unit").first()


@dataclass
class MyRule:
    rule: Rule
    version: RuleVersion
    required: bool
    confirmed: ReadConfirmation | None
    older: list = field(default_factory=list)


def list_my_rules(person: Person) -> list[MyRule]:
    """The rules in force for the person's unit, each with its current version, whether
    the person must confirm reading it and did, and its older versions."""
    line = [*person.unit.ancestor_ids, person.unit_id]
    units = {u.pk: u for u in Unit.objects.filter(pk__in=line)}
    rules = [
        r
        for r in Rule.objects.filter(targets__unit_id__in=line)
        .distinct()
        .select_related("issuer")
        .prefetch_related("targets")
        .order_by("category", "unit_path", "id")
        if covers_person(r, person, units)
    ]
    versions: dict[int, list[RuleVersion]] = {}
    for v in RuleVersion.objects.filter(rule__in=rules).order_by("rule_id", "-number"):
        versions.setdefault(v.rule_id, []).append(v)
    mine = {
        c.version_id: c
        for c in ReadConfirmation.objects.filter(person=person, version__rule__in=rules)
    }
    result = []
    for r in rules:
        vs = versions.get(r.pk) or []
        if not vs:
            continue
        result.append(MyRule(r, vs[0], must_confirm(r, person), mine.get(vs[0].pk), vs[1:]))
    # What still waits for the person's confirmation first.
    return sorted(result, key=lambda m: not (m.required and m.confirmed is None))


def confirmation_of(person: Person | None, version: RuleVersion) -> ReadConfirmation | None:
    if person is None:
        return None
    return ReadConfirmation.objects.filter(version=version, person=person).first()


def unconfirmed_count(person: Person) -> int:
    return sum(1 for m in list_my_rules(person) if m.required and m.confirmed is None)


# --- contingency plans --------------------------------------------------------------------


def list_plans(user, *, unit: Unit | None = None) -> QuerySet[ContingencyPlan]:
    rows = ContingencyPlan.objects.visible_to(user, RulePerm.VIEW_RULES).select_related(
        "unit", "rule"
    )
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    return rows.order_by("unit_path", "id")


def get_plan_for(user, plan_id) -> ContingencyPlan:
    plan = list_plans(user).filter(pk=_int(plan_id)).first()
    if plan is None:
        raise Http404
    return plan


def list_roles(plan: ContingencyPlan) -> list[PlanRole]:
    return list(plan.roles.select_related("team", "duty_room__unit"))


def list_drills(plan: ContingencyPlan) -> list[Drill]:
    return list(plan.drills.prefetch_related("findings__rectification", "findings__unit"))


def get_drill_for(user, drill_id) -> Drill:
    drill = (
        Drill.objects.visible_to(user, RulePerm.VIEW_RULES)
        .select_related("plan__unit")
        .filter(pk=_int(drill_id))
        .first()
    )
    if drill is None:
        raise Http404
    return drill


def contingency_rules(user, unit: Unit) -> list[Rule]:
    """Rules of category 应急预案 on the unit's line up (for linking a plan to one)."""
    return list(
        visible_rules(user)
        .filter(category=Category.CONTINGENCY)
        .filter(
            unit_path__in=[
                u.path for u in Unit.objects.filter(pk__in=[*unit.ancestor_ids, unit.pk])
            ]
        )
    )


# --- the restart checklist's item ---------------------------------------------------------


@dataclass
class Contingency:
    rules: int  # rules of category 应急预案 whose current version reached the unit
    acked: int  # … of them acknowledged by the unit
    plans: int  # the unit's own plans with at least one role linked to a team or duty room

    @property
    def met(self) -> bool:
        return self.plans > 0 or (self.rules > 0 and self.acked == self.rules)


def get_contingency(unit: Unit) -> Contingency:
    """Whether `unit` has acknowledged the current version of every 应急预案 rule covering
    it (its own receipt of each version's notice), or has its own contingency plan with
    roles linked to teams or duty rooms. Three queries."""
    rules = Rule.objects.filter(
        category=Category.CONTINGENCY, targets__unit_id__in=[*unit.ancestor_ids, unit.pk]
    ).distinct()
    latest = current_versions(rules)
    receipts = Receipt.objects.filter(
        notice_id__in=[v.notice_id for v in latest.values() if v.notice_id],
        unit=unit,
        person__isnull=True,
    ).values_list("notice_id", "acked_at")
    reached = dict(receipts)
    plans = (
        ContingencyPlan.objects.filter(unit=unit)
        .filter(Q(roles__team__isnull=False) | Q(roles__duty_room__isnull=False))
        .distinct()
        .count()
    )
    return Contingency(
        rules=len(reached), acked=sum(1 for at in reached.values() if at), plans=plans
    )
