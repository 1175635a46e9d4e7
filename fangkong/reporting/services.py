"""Filing daily reports and zero reports, and keeping the expected set of reports.

Seed 000: 严格落实疫情防控日报告和零报告制度; seed 004: 日報告、零報告 … 嚴防緩報、瞞報、
漏報、誤報和虛報. Every filing is a new revision; nothing is overwritten without a trace.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core import followups
from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope, ServiceError
from fangkong.core.fields import subtree_q
from fangkong.core.permissions import require
from fangkong.core.scope import scope_of
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Unit

from . import prefill, rollup
from .choices import RULE_OPERATORS, FieldKind, Rollup
from .models import Assignment, DailyReport, FormField, FormVersion, ReportForm, ReportRevision
from .permissions import ReportingPerm
from .validation import check_values

# The event a filing emits (core.followups): accountability and the mismatch notice
# subscribe to it.
FILED = "reporting.report_filed"


class NeedsConfirmation(ServiceError):
    """Soft warnings: file again with `confirm` and a comment to keep the values."""

    status = 409

    def __init__(self, warnings: dict):
        super().__init__(
            "needs_confirmation",
            _("Some values are unusual for this unit: confirm them with a comment."),
            warnings,
        )


class ZeroContradicts(NeedsConfirmation):
    """A zero report while the unit's own records show something (seed 004: 嚴防…瞞報):
    file again with `confirm` and a comment. `fields` names each contradicting field."""

    def __init__(self, warnings: dict):
        super().__init__(warnings)
        self.code = "zero_contradicts_records"
        self.message = _(
            "The unit's health records contradict a zero report: confirm it with a comment, "
            "or file the figures."
        )


def zero_contradictions(form: ReportForm, unit: Unit, day: date, zeros: dict) -> dict:
    """{field: [message]} for each field a zero report sets to 0 whose figure derived from
    the unit's records (check-ins, cases, observations, trips) is above 0."""
    derived = prefill.derived_values(form, unit, day)
    labels = {f.code: f.label for f in form.current_fields()}
    out = {}
    for code, value in derived.items():
        if code in zeros and value:
            out[code] = [
                _("%(field)s: %(n)s according to the health records.")
                % {"field": labels.get(code, code), "n": value}
            ]
    return out


@dataclass
class Filing:
    report: DailyReport
    revision: ReportRevision
    replayed: bool = False


def deadline_for(assignment: Assignment, unit: Unit, day: date) -> datetime:
    """The cut-off of `day`'s report in the unit's own time zone, grace included."""
    local = datetime.combine(day, assignment.deadline, tzinfo=unit.tzinfo)
    return local + timedelta(minutes=assignment.grace_minutes)


def local_today(unit: Unit, now=None) -> date:
    return unit.local_date(now)


def _matches(assignment: Assignment, unit: Unit) -> bool:
    if unit.pk == assignment.root_id:
        return assignment.include_root
    if assignment.unit_kinds and unit.kind not in assignment.unit_kinds:
        return False
    return not (
        unit.site_kind and assignment.site_kinds and unit.site_kind not in assignment.site_kinds
    )


def expected_assignment(form: ReportForm, unit: Unit, day: date) -> Assignment | None:
    """The assignment that makes `unit` file `form` on `day` (earliest cut-off wins)."""
    if not unit.is_open_on(day):
        return None
    candidates = [
        a
        for a in Assignment.objects.filter(form=form, root_id__in=[*unit.ancestor_ids, unit.pk])
        if a.covers_day(day) and _matches(a, unit)
    ]
    return min(candidates, key=lambda a: (a.deadline, a.grace_minutes), default=None)


def expected_reports(form: ReportForm, day: date) -> dict[int, DailyReport]:
    """Unsaved report rows, by unit id, of every unit expected to file `form` on `day`."""
    wanted: dict[int, DailyReport] = {}
    for assignment in (
        Assignment.objects.filter(form=form).select_related("root").order_by("deadline")
    ):
        if not assignment.covers_day(day):
            continue
        units = Unit.objects.filter(subtree_q("path", assignment.root.path)).open_on(day)
        if not assignment.include_root:
            units = units.exclude(pk=assignment.root_id)
        if assignment.unit_kinds:
            units = units.filter(kind__in=assignment.unit_kinds)
        if assignment.site_kinds:
            units = units.filter(Q(site_kind="") | Q(site_kind__in=assignment.site_kinds))
        for unit in units.only("pk", "path", "timezone"):
            if unit.pk not in wanted:
                wanted[unit.pk] = DailyReport(
                    form=form,
                    unit=unit,
                    unit_path=unit.path,
                    day=day,
                    deadline_at=deadline_for(assignment, unit, day),
                )
    return wanted


def sync_expected(form: ReportForm, day: date) -> tuple[int, int]:
    """Create the rows of the units expected to file `form` on `day`; drop unfiled rows
    of units no longer expected (closed, moved out, assignment ended). Idempotent, and
    safe from two workers at once (and beside filings: the roll-up counts each row once).
    Returns (created, removed)."""
    wanted = expected_reports(form, day)
    with transaction.atomic():
        existing = set(
            DailyReport.objects.filter(form=form, day=day).values_list("unit_id", flat=True)
        )
        new = [r for pk, r in wanted.items() if pk not in existing]
        created = _create_rows(new)
        stale = DailyReport.objects.filter(form=form, day=day, first_filed_at__isnull=True).exclude(
            unit_id__in=list(wanted)
        )
        removed = []
        if existing - set(wanted):
            removed = list(stale.select_for_update())
            DailyReport.objects.filter(
                pk__in=[r.pk for r in removed], first_filed_at__isnull=True
            ).delete()
        delta = rollup.Delta()
        for report in created:
            delta.add(rollup.state(report))
        for report in removed:
            delta.add(rollup.state(report), -1)
        rollup.flush(delta)
    return len(created), len(removed)


def _create_rows(rows: list[DailyReport]) -> list[DailyReport]:
    """Insert `rows`; those created meanwhile (a filing, the other worker) are left out
    of the result, so the roll-up counts each once."""
    try:
        with transaction.atomic():
            DailyReport.objects.bulk_create(rows, batch_size=2000)
        return rows
    except IntegrityError:
        pass
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.pk = None
                row.save(force_insert=True)
            created.append(row)
        except IntegrityError:
            continue
    return created


def _report_row(form: ReportForm, unit: Unit, day: date) -> tuple[DailyReport, bool]:
    """The report row, locked, and whether this call created it."""
    report = DailyReport.objects.select_for_update().filter(form=form, unit=unit, day=day).first()
    if report is not None:
        return report, False
    assignment = expected_assignment(form, unit, day)
    if assignment is None:
        if not unit.is_open_on(day):
            raise InvalidInput({"unit": _("This unit is closed on that day.")}, code="unit_closed")
        raise InvalidInput(
            {"unit": _("This unit is not expected to file this form on that day.")},
            code="not_expected",
        )
    created = True
    try:
        with transaction.atomic():
            DailyReport.objects.create(
                form=form,
                unit=unit,
                unit_path=unit.path,
                day=day,
                deadline_at=deadline_for(assignment, unit, day),
            )
    except IntegrityError:
        created = False  # created meanwhile by the sweep or a concurrent filing
    return DailyReport.objects.select_for_update().get(form=form, unit=unit, day=day), created


def _same_as_filed(report, version, clean, zero, comment) -> ReportRevision | None:
    """The report's latest revision if this filing repeats it exactly (same form version,
    values, zero flag and comment): a client's retry without a key, a double submit."""
    if not report.revision_count or report.version_id != version.pk:
        return None
    if report.is_zero != zero or report.values != clean:
        return None
    latest = report.revisions.filter(number=report.revision_count).first()
    if latest is None or latest.comment != comment.strip()[:500]:
        return None
    return latest


@transaction.atomic
def file_report(
    *,
    actor,
    form: ReportForm,
    unit: Unit,
    day: date,
    values: dict | None = None,
    zero: bool = False,
    reason: str = "",
    comment: str = "",
    confirm: bool = False,
    idempotency_key: str | None = None,
    version: int | None = None,
    now=None,
) -> Filing:
    """File (or correct) the report of `unit` for `day`, or a zero report.

    Guarantees: one new revision per call, none for a replay of the same idempotency
    key by the same person with the same values (another filing under that key is refused)
    nor for an identical re-filing (no revision, no ledger entry); hard errors and
    unconfirmed warnings change nothing; the earlier version is kept; a correction after
    the cut-off carries a reason and is flagged.
    """
    require(actor, ReportingPerm.FILE_REPORTS, unit.path)
    now = now or timezone.now()
    if day > local_today(unit, now):
        raise InvalidInput({"day": _("A report cannot be filed for a day in the future.")})
    if not form.is_active:
        raise InvalidInput({"form": _("This form is no longer in use.")})
    report, created = _report_row(form, unit, day)
    before = None if created else rollup.state(report)
    earlier = (
        report.revisions.filter(idempotency_key=idempotency_key).first()
        if idempotency_key
        else None
    )
    current = form.current_version()
    if version is not None and version != current.number:
        raise Conflict(
            "version_conflict",
            _("The form changed while you were filling it in (now version %(n)s): reload it.")
            % {"n": current.number},
        )
    warnings: dict = {}
    if zero:
        clean = {f.code: 0 for f in current.fields.all() if f.zero_in_zero_report}
        warnings = zero_contradictions(form, unit, day, clean)
        if warnings and not confirm:
            raise ZeroContradicts(warnings)
        if warnings and not comment.strip():
            raise InvalidInput({"comment": _("Say why the zero report is right.")})
    else:
        history = [
            filed
            for filed in DailyReport.objects.filter(
                form=form,
                unit=unit,
                day__gte=day - timedelta(days=14),
                day__lt=day,
                first_filed_at__isnull=False,
                is_zero=False,
            ).values_list("values", flat=True)
            if filed  # a NULL would break the 14-day check
        ]
        checked = check_values(current, values or {}, history=history)
        if checked.errors:
            raise InvalidInput(checked.errors)
        warnings = checked.warnings
        if warnings and not confirm:
            raise NeedsConfirmation(warnings)
        if warnings and not comment.strip():
            raise InvalidInput({"comment": _("Say why these unusual values are right.")})
        clean = checked.values
    if earlier is not None:  # a second click on the same form: the same filing, or refused
        if earlier.filed_by_id != actor.pk or (earlier.values, earlier.is_zero) != (clean, zero):
            raise Conflict(
                "idempotency_key_reused",
                _("This Idempotency-Key was already used for a different request."),
            )
        return Filing(report, earlier, replayed=True)
    if (latest := _same_as_filed(report, current, clean, zero, comment)) is not None:
        return Filing(report, latest, replayed=True)  # a re-filing is not a correction
    after_cutoff = now > report.deadline_at
    correction = report.revision_count > 0
    if correction and after_cutoff and not reason.strip():
        raise InvalidInput(
            {"reason": _("A correction after the cut-off needs a reason.")}, code="reason_required"
        )
    revision = ReportRevision.objects.create(
        report=report,
        number=report.revision_count + 1,
        version=current,
        values=clean,
        is_zero=zero,
        filed_at=now,
        filed_by=actor,
        reason=reason.strip()[:500],
        after_cutoff=after_cutoff,
        warnings=[str(m) for ms in warnings.values() for m in ms],
        comment=comment.strip()[:500],
        idempotency_key=(idempotency_key or "")[:100],
    )
    report.version, report.values, report.is_zero = current, clean, zero
    report.filed_at, report.filed_by = now, actor
    report.first_filed_at = report.first_filed_at or now
    report.revision_count = revision.number
    if not after_cutoff:
        report.cutoff_values, report.cutoff_is_zero = clean, zero
    if correction and after_cutoff:
        report.corrected_after_cutoff = True
    # Compared with the derived figures by the follow-up (prefill.notify_mismatch), not here.
    report.derived_values, report.mismatched_fields = None, []
    report.save()
    record_change(
        actor,
        "file_report",
        report,
        unit.path,
        {"revision": revision.number, "zero": zero, "after_cutoff": after_cutoff},
    )
    # Durable follow-ups (the ledger, the comparison with the derived figures and the
    # office's mismatch notice), in this transaction.
    followups.emit(
        FILED, key=revision.pk, unit_path=unit.path, report_id=report.pk, revision_id=revision.pk
    )
    # Last: the ancestors' roll-up rows stay locked only from here to the commit.
    rollup.record(before, rollup.state(report))
    return Filing(report, revision)


def file_zero_report(*, actor, form: ReportForm, unit: Unit, day: date, **kwargs) -> Filing:
    """零报告: one action, signed by the user with its time; a fact of its own."""
    return file_report(actor=actor, form=form, unit=unit, day=day, zero=True, **kwargs)


# --- setup: form versions and assignments (who files what, by when) ------------------


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
def publish_form_version(
    *, actor, form: ReportForm, fields: list[dict], rules: list[dict], note: str = ""
) -> FormVersion:
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
        form=form,
        number=(current.number if current else 0) + 1,
        rules=rules,
        note=note.strip()[:200],
        created_by=actor,
    )
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
        )
        for i, f in enumerate(fields)
    )
    record_change(
        actor, "publish_form_version", version, "", {"form": form.code, "number": version.number}
    )
    return version


@transaction.atomic
def create_assignment(
    *,
    actor,
    form: ReportForm,
    root,
    unit_kinds=(),
    site_kinds=(),
    deadline: time = time(9, 0),
    grace_minutes: int = 0,
    reminder_minutes=(),
    include_root: bool = False,
    active_from=None,
) -> Assignment:
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
        form=form,
        root=root,
        unit_kinds=list(unit_kinds),
        site_kinds=list(site_kinds),
        deadline=deadline,
        grace_minutes=grace_minutes,
        reminder_minutes=reminders,
        include_root=include_root,
        active_from=active_from or timezone.localdate(),
    )
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
