"""Writes to the accountability ledger.

Entries are made by the system only: `record_entry` is called by the filing's follow-up,
the sweep and (later) other apps' services, never by a view, a form or the admin. The
office's only writes are notes and waivers (`annotate_entry`, `waive_entry`,
`unwaive_entry`), each kept as an `Annotation` with its reason.
"""

import logging
import math
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.permissions import require
from fangkong.orgs.models import Unit
from fangkong.reporting.models import DailyReport, ReportForm, ReportRevision

from . import kinds
from .choices import AnnotationAction, EntryKind, Grade
from .models import Annotation, Entry
from .permissions import AccountabilityPerm

logger = logging.getLogger(__name__)

PERM = AccountabilityPerm.MANAGE_ACCOUNTABILITY
WINDOW_DAYS = 30  # repetition counts the 30 days ending on the entry's day
LOOKBACK_DAYS = 3  # the sweep re-checks reports of the last days (a follow-up may still be failing)


def thresholds() -> tuple[int, int]:
    """(last occurrence graded criticism, last graded circulated criticism)."""
    first, second = settings.ACCOUNTABILITY_THRESHOLDS
    return int(first), int(second)


def grade_for(repetition: int) -> str:
    """FANGKONG_ACCOUNTABILITY_THRESHOLDS "2,4": 1st–2nd 批评教育, 3rd–4th 通报批评,
    5th and later 问责建议."""
    first, second = thresholds()
    if repetition <= first:
        return Grade.CRITICISM
    if repetition <= second:
        return Grade.CIRCULATED
    return Grade.PROPOSAL


def _regrade(unit_id: int, since: date) -> dict[int, list]:
    """Recompute repetition and grade of the unit's non-waived entries whose 30-day window
    includes `since`. Deterministic: the rank follows (day, id), not the order in which
    the sweep or the follow-up happened to record, and entries about the same record count once.
    The caller holds the unit's row lock. Returns {entry id: [old grade, new grade]}."""
    window = timedelta(days=WINDOW_DAYS)
    rows = list(
        Entry.objects.filter(unit_id=unit_id, day__gt=since - window, day__lt=since + window)
        .only("id", "day", "object_type", "object_id", "waived", "repetition", "grade")
        .order_by("day", "id")
    )
    changed, changes = [], {}
    for i, entry in enumerate(rows):
        if entry.day < since or entry.waived:
            continue
        keys = {
            e.occurrence_key for e in rows[: i + 1] if not e.waived and e.day > entry.day - window
        }
        repetition = len(keys)
        grade = grade_for(repetition)
        if (entry.repetition, entry.grade) != (repetition, grade):
            if entry.grade != grade:
                changes[entry.pk] = [entry.grade, grade]
            entry.repetition, entry.grade = repetition, grade
            changed.append(entry)
    Entry.objects.bulk_update(changed, ["repetition", "grade"])
    return changes


@transaction.atomic
def record_entry(
    *,
    kind: str,
    unit: Unit,
    day: date,
    object_type: str,
    object_id: int,
    facts: dict,
    now: datetime | None = None,
) -> tuple[Entry, bool]:
    """Record one fact in the ledger, once: a second call for the same (kind, unit, day,
    record) returns the existing entry (the follow-up and the sweep, or two workers, may both
    try). The liaison of the unit at this moment is copied into the entry; its grade
    follows from the unit's earlier entries. Returns (entry, created)."""
    if not kinds.is_known(kind):
        raise ValueError(f"unknown accountability kind {kind!r}")
    # The unit's row lock serializes the ranks of its entries across workers.
    unit = Unit.objects.select_for_update(of=("self",)).select_related("liaison").get(pk=unit.pk)
    key = {"kind": kind, "unit": unit, "day": day, "object_id": object_id}
    existing = Entry.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    liaison = unit.liaison
    try:
        with transaction.atomic():
            entry = Entry.objects.create(
                **key,
                unit_path=unit.path,
                object_type=object_type,
                facts=facts,
                liaison=liaison,
                liaison_name=liaison.name if liaison else "",
                liaison_phone=liaison.phone if liaison else "",
                grade=Grade.CRITICISM,
                repetition=1,
                created_at=now or timezone.now(),
            )
    except IntegrityError:  # recorded meanwhile by another worker
        return Entry.objects.get(**key), False
    _regrade(unit.pk, day)
    entry.refresh_from_db(fields=["repetition", "grade"])
    return entry, True


# --- the daily report -----------------------------------------------------------------


def _local(moment: datetime, unit: Unit) -> str:
    return unit.local_time(moment).isoformat(timespec="minutes")


def _minutes(later: datetime, earlier: datetime) -> int:
    return math.ceil((later - earlier).total_seconds() / 60)


def _report_facts(report: DailyReport) -> dict:
    return {
        "form": report.form.code,
        "form_name": report.form.name,
        "report": report.pk,
        "deadline": _local(report.deadline_at, report.unit),
    }


def record_late_filing(report: DailyReport, first: ReportRevision, now=None):
    """缓报: the first filing came after the cut-off (grace included)."""
    facts = _report_facts(report) | {
        "filed_at": _local(first.filed_at, report.unit),
        "minutes_late": _minutes(first.filed_at, report.deadline_at),
        "filed_by": first.filed_by.get_username() if first.filed_by else "",
        "zero_report": first.is_zero,
    }
    return record_entry(
        kind=EntryKind.LATE_FILING,
        unit=report.unit,
        day=report.day,
        object_type="daily_report",
        object_id=report.pk,
        facts=facts,
        now=now,
    )


def record_missing_report(report: DailyReport, now: datetime):
    """漏报: nothing filed when the sweep looked after the cut-off. If the report is filed
    later, this entry stays (it was missing) and a late entry is added beside it."""
    facts = _report_facts(report) | {"checked_at": _local(now, report.unit)}
    return record_entry(
        kind=EntryKind.MISSING_REPORT,
        unit=report.unit,
        day=report.day,
        object_type="daily_report",
        object_id=report.pk,
        facts=facts,
        now=now,
    )


def record_correction(report: DailyReport, revision: ReportRevision, now=None):
    """截止后更正: a filed report changed after the cut-off — possibly a concealed or wrong
    report (瞒报、误报). One entry per such revision, with the reason and what changed."""
    previous = report.revisions.filter(number=revision.number - 1).first()
    old = previous.values if previous else {}
    changes = {
        code: [old.get(code), revision.values.get(code)]
        for code in sorted(set(old) | set(revision.values))
        if old.get(code) != revision.values.get(code)
    }
    facts = _report_facts(report) | {
        "revision": revision.number,
        "corrected_at": _local(revision.filed_at, report.unit),
        "minutes_after_cutoff": _minutes(revision.filed_at, report.deadline_at),
        "filed_by": revision.filed_by.get_username() if revision.filed_by else "",
        "reason": revision.reason,
        "changes": changes,
        "zero_report": [previous.is_zero if previous else None, revision.is_zero],
    }
    return record_entry(
        kind=EntryKind.CORRECTION_AFTER_CUTOFF,
        unit=report.unit,
        day=report.day,
        object_type="report_revision",
        object_id=revision.pk,
        facts=facts,
        now=now,
    )


def record_from_filing(*, report_id: int, revision_id: int) -> list[Entry]:
    """A follow-up of every filing (core.followups, event reporting.report_filed), run by
    the worker: a first filing after the cut-off is late; a correction after it is
    flagged. Idempotent: one entry per fact (a unique constraint)."""
    revision = ReportRevision.objects.select_related("report").get(pk=revision_id)
    report = revision.report
    late = revision.number == 1 and revision.filed_at > report.deadline_at
    correction = revision.number > 1 and revision.after_cutoff
    if not (late or correction):
        return []  # an on-time filing costs no query here
    report = DailyReport.objects.select_related("form", "unit").get(pk=report.pk)
    if late:
        return [record_late_filing(report, revision)[0]]
    return [record_correction(report, revision)[0]]


def record_overdue(now: datetime | None = None, *, days: int = LOOKBACK_DAYS) -> dict:
    """The sweep: missing reports past their cut-off, and any late filing or correction
    the filing's follow-up has not recorded (still failing, or given up). Reads only
    reports of the last `days` days; idempotent and safe from two workers at once.
    Each entry is its own transaction: one that fails is logged and retried next time,
    and neither undoes nor blocks the others."""
    now = now or timezone.now()
    since = timezone.localdate(now) - timedelta(days=days)
    counts = {"missing": 0, "late": 0, "corrections": 0}

    def record(key, fn, *args):
        try:
            counts[key] += fn(*args)[1]
        except Exception:
            logger.exception("accountability: recording %s failed for %s", key, args[0].pk)

    def recorded(kind, prefix=""):
        # (kind, unit, day, object_id): the unique constraint's index answers it.
        return Exists(
            Entry.objects.filter(
                kind=kind,
                unit=OuterRef(f"{prefix}unit"),
                day=OuterRef(f"{prefix}day"),
                object_id=OuterRef("pk"),
            )
        )

    for form in ReportForm.objects.all():
        rows = DailyReport.objects.filter(form=form, day__gte=since).select_related("form", "unit")
        missing = rows.filter(first_filed_at__isnull=True, deadline_at__lt=now).exclude(
            recorded(EntryKind.MISSING_REPORT)
        )
        for report in missing.order_by("day", "unit_path"):
            record("missing", record_missing_report, report, now)
        late = rows.filter(first_filed_at__gt=F("deadline_at")).exclude(
            recorded(EntryKind.LATE_FILING)
        )
        for report in late.order_by("day", "unit_path"):
            record("late", _record_late_from_sweep, report, now)
    corrections = (
        ReportRevision.objects.filter(report__day__gte=since, number__gt=1, after_cutoff=True)
        .exclude(recorded(EntryKind.CORRECTION_AFTER_CUTOFF, "report__"))
        .select_related("report__form", "report__unit", "filed_by")
        .order_by("report__day", "report_id", "number")
    )
    for revision in corrections:
        record("corrections", _record_correction_from_sweep, revision, now)
    return counts


def _record_late_from_sweep(report: DailyReport, now):
    first = report.revisions.select_related("filed_by").get(number=1)
    return record_late_filing(report, first, now)


def _record_correction_from_sweep(revision: ReportRevision, now):
    return record_correction(revision.report, revision, now)


# --- the office: notes and waivers ----------------------------------------------------


def _text(text: str, message) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": message})
    if len(text) > 1000:
        raise InvalidInput({"text": _("At most 1000 characters.")})
    return text


def _annotate(actor, entry: Entry, action: str, text: str) -> Annotation:
    return Annotation.objects.create(
        entry=entry, action=action, text=text, actor=actor, actor_name=actor.get_username()
    )


@transaction.atomic
def annotate_entry(*, actor, entry: Entry, text: str) -> Annotation:
    """Add the office's note to an entry; the entry itself does not change."""
    require(actor, PERM, entry.unit_path)
    text = _text(text, _("Write the note."))
    note = _annotate(actor, entry, AnnotationAction.ANNOTATE, text)
    record_change(actor, "annotate_accountability_entry", entry, entry.unit_path, {"text": text})
    return note


def _set_waived(actor, entry: Entry, reason: str, waived: bool) -> Entry:
    require(actor, PERM, entry.unit_path)
    reason = _text(reason, _("Give the reason."))
    list(Unit.objects.select_for_update().filter(pk=entry.unit_id).values_list("pk"))
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.waived == waived:
        raise Conflict(
            "already_waived" if waived else "not_waived",
            _("This entry is already waived.") if waived else _("This entry is not waived."),
        )
    entry.waived = waived
    entry.save(update_fields=["waived"])
    action = AnnotationAction.WAIVE if waived else AnnotationAction.UNWAIVE
    _annotate(actor, entry, action, reason)
    # Later entries of the unit may move down (or back up) a grade.
    regraded = _regrade(entry.unit_id, entry.day)
    record_change(
        actor,
        f"{action}_accountability_entry",
        entry,
        entry.unit_path,
        {"reason": reason, "regraded": regraded},
    )
    entry.refresh_from_db()
    return entry


@transaction.atomic
def waive_entry(*, actor, entry: Entry, reason: str) -> Entry:
    """Waive an entry with a reason that is kept: it no longer counts for repetition, and
    the unit's later entries are graded again without it."""
    return _set_waived(actor, entry, reason, True)


@transaction.atomic
def unwaive_entry(*, actor, entry: Entry, reason: str) -> Entry:
    """Withdraw a waiver, with a reason: the entry counts again."""
    return _set_waived(actor, entry, reason, False)
