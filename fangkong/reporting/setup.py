"""Setting up reporting: new form versions and assignments (who files what, by when)."""

import re
from datetime import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.core.scope import scope_of
from fangkong.orgs.choices import SiteKind, UnitKind

from .choices import RULE_OPERATORS, FieldKind, Rollup
from .models import Assignment, FormField, FormVersion, ReportForm
from .permissions import ReportingPerm

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RULE_RE = re.compile(r"^\s*([a-z0-9_+\s]+?)\s*(<=|>=|==|<|>)\s*([a-z0-9_]+)\s*$")


def can_manage_form(user, form: ReportForm) -> bool:
    """A form is shared by every unit that files it: editing it needs `manage_forms`
    over all of them (each assignment's subtree), or the whole tree when unassigned."""
    scope = scope_of(user, ReportingPerm.MANAGE_FORMS)
    roots = [a.root.path for a in form.assignments.select_related("root")]
    return scope.everything or (bool(roots) and all(scope.covers(p) for p in roots))


def parse_rules(text: str) -> tuple[list[dict], list[str]]:
    """Rules written one per line: `confirmed + suspected <= staff_total`."""
    rules, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = RULE_RE.match(line)
        if not match:
            problems.append(
                _("Rule %(n)s: write it like “confirmed + suspected <= staff_total”.")
                % {"n": number}
            )
            continue
        left = [c.strip() for c in match.group(1).split("+") if c.strip()]
        rules.append({"left": left, "op": match.group(2), "right": match.group(3)})
    return rules, problems


def format_rules(rules: list[dict]) -> str:
    return "\n".join(f"{' + '.join(r['left'])} {r['op']} {r['right']}" for r in rules)


@transaction.atomic
def publish_form_version(*, actor, form: ReportForm, fields: list[dict], rules: list[dict],
                         note: str = "") -> FormVersion:  # fmt: skip
    """Make a new version of `form`; reports already filed keep the version they used."""
    if not can_manage_form(actor, form):
        raise PermissionDeniedInScope(
            _("Only an office covering every unit that files this form may change it.")
        )
    errors: dict[str, list] = {}
    seen = set()
    for i, f in enumerate(fields, start=1):
        prefix = f"field {i}"
        if not CODE_RE.match(f.get("code", "")):
            errors.setdefault(prefix, []).append(
                _("A code is lower-case letters, digits and _, starting with a letter.")
            )
        elif f["code"] in seen:
            errors.setdefault(prefix, []).append(
                _("Two fields have the code %(code)s.") % {"code": f["code"]}
            )
        seen.add(f.get("code"))
        if not str(f.get("label", "")).strip():
            errors.setdefault(prefix, []).append(_("A label is required."))
        if f.get("kind") not in FieldKind.values:
            errors.setdefault(prefix, []).append(_("Unknown field kind."))
        if f.get("rollup") not in Rollup.values:
            errors.setdefault(prefix, []).append(_("Unknown roll-up."))
        low, high = f.get("min_value"), f.get("max_value")
        if low is not None and high is not None and low > high:
            errors.setdefault(prefix, []).append(_("The minimum is above the maximum."))
    if not fields:
        errors["fields"] = [_("A form needs at least one field.")]
    numeric = {f["code"] for f in fields if f.get("kind") in (FieldKind.COUNT, FieldKind.DECIMAL)}
    for i, rule in enumerate(rules, start=1):
        if rule["op"] not in RULE_OPERATORS or not {*rule["left"], rule["right"]} <= numeric:
            errors.setdefault("rules", []).append(
                _("Rule %(n)s names a field that is not a number field of this form.") % {"n": i}
            )
    if errors:
        raise InvalidInput(errors)
    current = form.current_version()
    version = FormVersion.objects.create(
        form=form, number=(current.number if current else 0) + 1, rules=rules,
        note=note.strip()[:200], created_by=actor,
    )  # fmt: skip
    FormField.objects.bulk_create(
        FormField(
            version=version,
            code=f["code"],
            label=f["label"].strip(),
            kind=f["kind"],
            unit_of_measure=f.get("unit_of_measure", "").strip(),
            min_value=f.get("min_value"),
            max_value=f.get("max_value"),
            required=bool(f.get("required")),
            rollup=f["rollup"],
            zero_in_zero_report=bool(f.get("zero_in_zero_report")),
            order=i,
        )  # fmt: skip
        for i, f in enumerate(fields)
    )
    record_change(
        actor, "publish_form_version", version, "", {"form": form.code, "number": version.number}
    )
    return version


@transaction.atomic
def create_assignment(*, actor, form: ReportForm, root, unit_kinds=(), site_kinds=(),
                      deadline: time = time(9, 0), grace_minutes: int = 0, reminder_minutes=(),
                      include_root: bool = False, active_from=None) -> Assignment:  # fmt: skip
    """Make the units of `root`'s subtree (filtered by kind) file `form` every day."""
    if not scope_of(actor, ReportingPerm.MANAGE_FORMS).covers(root.path):
        raise PermissionDeniedInScope()
    errors = {}
    if not set(unit_kinds) <= set(UnitKind.values):
        errors["unit_kinds"] = [_("Unknown unit kind.")]
    if not set(site_kinds) <= set(SiteKind.values):
        errors["site_kinds"] = [_("Unknown site kind.")]
    if not 0 <= grace_minutes <= 24 * 60:
        errors["grace_minutes"] = [_("Between 0 and 1440 minutes.")]
    reminders = sorted({int(m) for m in reminder_minutes}, reverse=True)
    if any(not 0 < m <= 24 * 60 for m in reminders):
        errors["reminder_minutes"] = [_("Reminders are 1 to 1440 minutes before the cut-off.")]
    if errors:
        raise InvalidInput(errors)
    assignment = Assignment.objects.create(
        form=form, root=root, unit_kinds=list(unit_kinds), site_kinds=list(site_kinds),
        deadline=deadline, grace_minutes=grace_minutes, reminder_minutes=reminders,
        include_root=include_root, active_from=active_from or timezone.localdate(),
    )  # fmt: skip
    record_change(actor, "create_assignment", assignment, root.path, {"form": form.code})
    return assignment


@transaction.atomic
def end_assignment(*, actor, assignment: Assignment) -> Assignment:
    """Stop an assignment from tomorrow on; the days already expected stay as they were."""
    if not scope_of(actor, ReportingPerm.MANAGE_FORMS).covers(assignment.root.path):
        raise PermissionDeniedInScope()
    assignment.active_to = timezone.localdate()
    assignment.save(update_fields=["active_to"])
    record_change(actor, "end_assignment", assignment, assignment.root.path, {})
    return assignment
