"""Roll-ups and completeness. A whole day of a subtree (summary, child breakdown, trend)
is read from the roll-up kept on write (rollup.py: a few rows per day, current on every
write) plus the unit's own report; the `live_*` functions compute the same from the
report rows (one aggregate over the (form, day, unit_path) index range): the reference
the tests compare with, and the path for MAX fields, which a roll-up cannot keep."""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, F, FloatField, Func, Max, Q, Sum, Value
from django.db.models.functions import StrIndex, Substr
from django.http import Http404
from django.utils import timezone

from fangkong.core.scope import scope_of
from fangkong.orgs.models import Unit

from .choices import ReportState, Rollup
from .models import DailyReport, DailyRollup, ReportForm, ReportRevision
from .permissions import ReportingPerm
from .rollup import COUNTS, counts_of, numbers, state


def get_form(code: str) -> ReportForm:
    form = ReportForm.objects.filter(code=code, is_active=True).first()
    if form is None:
        raise Http404
    return form


def find_report(form, unit: Unit, day: date) -> DailyReport | None:
    """The report row, or an unsaved one when the unit is expected but not yet synced."""
    from .services import deadline_for, expected_assignment

    report = (
        DailyReport.objects.filter(form=form, unit=unit, day=day)
        .select_related("unit", "form", "filed_by", "version")
        .first()
    )
    if report is not None:
        return report
    assignment = expected_assignment(form, unit, day)
    if assignment is None:
        return None
    return DailyReport(
        form=form,
        unit=unit,
        unit_path=unit.path,
        day=day,
        deadline_at=deadline_for(assignment, unit, day),
    )


def _counts(now, prefix=""):
    filed = Q(first_filed_at__isnull=False)
    return {
        f"{prefix}expected": Count("id"),
        f"{prefix}filed": Count("id", filter=filed),
        f"{prefix}on_time": Count("id", filter=Q(first_filed_at__lte=F("deadline_at"))),
        f"{prefix}zero": Count("id", filter=Q(is_zero=True)),
        f"{prefix}missing": Count("id", filter=Q(first_filed_at__isnull=True, deadline_at__lt=now)),
        f"{prefix}corrected": Count("id", filter=Q(revision_count__gt=1)),
        f"{prefix}corrected_late": Count("id", filter=Q(corrected_after_cutoff=True)),
    }


class JSONNumber(Func):
    """The number under `key` in a JSON column, as a float; NULL when absent.

    What `Cast(KT(...), FloatField())` means, cheaper: a roll-up reads it for every field
    of 10,000 rows (docs/performance.md). On SQLite KT() compiles to three JSON calls per
    key (to tell JSON true from 1, which a sum of numbers does not need): one
    JSON_EXTRACT halves the province's summary. On PostgreSQL it is the same `->>`.
    """

    output_field = FloatField()

    def __init__(self, column: str, key: str):
        super().__init__(F(column))
        self.key = key

    def as_sql(self, compiler, connection, *args, **extra):
        column, params = compiler.compile(self.get_source_expressions()[0])
        return f"CAST(({column} ->> %s) AS double precision)", (*params, self.key)

    def as_sqlite(self, compiler, connection, **extra):
        column, params = compiler.compile(self.get_source_expressions()[0])
        return f"CAST(JSON_EXTRACT({column}, %s) AS REAL)", (*params, f'$."{self.key}"')


def _days(start: date, days: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(days)]


def _totals(fields, source="values"):
    aggregates = {}
    for f in fields:
        if not f.is_numeric or f.rollup not in (Rollup.SUM, Rollup.MAX):
            continue
        value = JSONNumber(source, f.code)
        aggregates[f"t_{f.code}"] = Sum(value) if f.rollup == Rollup.SUM else Max(value)
    return aggregates


def _finish(row: dict, fields) -> dict:
    counts = {
        k: row[k]
        for k in ("expected", "filed", "on_time", "zero", "missing", "corrected", "corrected_late")
    }
    counts["late"] = counts["filed"] - counts["on_time"]
    counts["pending"] = counts["expected"] - counts["filed"] - counts["missing"]
    expected = counts["expected"] or 1
    counts["filed_rate"] = (
        round(100 * counts["filed"] / expected, 1) if counts["expected"] else None
    )
    counts["on_time_rate"] = (
        round(100 * counts["on_time"] / expected, 1) if counts["expected"] else None
    )
    totals = {}
    for f in fields:
        value = row.get(f"t_{f.code}")
        if value is not None and f.kind == "count":
            value = int(round(value))
        if f"t_{f.code}" in row:
            totals[f.code] = value
    return {**counts, "totals": totals}


def live_summary(form, unit: Unit, day: date, *, as_of_cutoff=False, now=None, fields=None) -> dict:
    """Totals and completeness of `unit`'s subtree (itself included) for `day`; totals of
    `fields` only when given (summing every field is the costly part of the aggregate)."""
    now = now or timezone.now()
    fields = form.current_fields() if fields is None else fields
    rows = DailyReport.objects.filter(form=form, day=day).in_subtree(unit)
    source = "cutoff_values" if as_of_cutoff else "values"
    row = rows.aggregate(**_counts(now), **_totals(fields, source))
    summary = _finish(row, fields)
    summary["fields"] = fields
    for f in fields:
        if f.rollup == Rollup.LATEST and f.is_numeric:
            latest = (
                rows.filter(**{f"{source}__{f.code}__isnull": False})
                .order_by("-filed_at")
                .values_list(f"{source}__{f.code}", flat=True)
                .first()
            )
            summary["totals"][f.code] = latest
    return summary


def live_child_breakdown(
    form, unit: Unit, day: date, *, as_of_cutoff=False, now=None, fields=None
) -> list[dict]:
    """Completeness and totals (of `fields`, default all) per child of `unit` (drill-down
    one level at a time).

    One grouped query: each row is attributed to the child whose path segment follows
    the unit's own path. The unit's own report, if expected, comes first as "itself".
    """
    now = now or timezone.now()
    fields = form.current_fields() if fields is None else fields
    source = "cutoff_values" if as_of_cutoff else "values"
    cut = len(unit.path) + 1
    rest = Substr("unit_path", cut)
    segment = Substr("unit_path", cut, StrIndex(rest, Value("/")) - 1)
    grouped = (
        DailyReport.objects.filter(form=form, day=day)
        .in_subtree(unit, include_self=False)
        .annotate(child=segment)
        .values("child")
        .annotate(**_counts(now), **_totals(fields, source))
    )
    by_child = {row["child"]: _finish(row, fields) for row in grouped}
    children = list(
        Unit.objects.filter(pk__in=[int(k) for k in by_child if k])
        .select_related("liaison")
        .order_by("sort_order", "code")
    )
    result = [{"unit": c, **by_child[str(c.pk)]} for c in children]
    own = DailyReport.objects.filter(form=form, day=day, unit=unit)
    own_row = own.aggregate(**_counts(now), **_totals(fields, source))
    if own_row["expected"]:
        result.insert(0, {"unit": unit, "itself": True, **_finish(own_row, fields)})
    return result


def list_missing(form, unit: Unit, day: date, *, late=False, now=None, limit=None):
    """Reports missing after the cut-off (or filed late), with the unit and its liaison."""
    now = now or timezone.now()
    rows = DailyReport.objects.filter(form=form, day=day).in_subtree(unit)
    if late:
        rows = rows.filter(first_filed_at__gt=F("deadline_at"))
    else:
        rows = rows.filter(first_filed_at__isnull=True, deadline_at__lt=now)
    rows = rows.select_related("unit", "unit__liaison").order_by("unit_path")
    return rows[:limit] if limit else rows


def live_trend(form, unit: Unit, end: date, days: int = 30, *, fields=None, now=None) -> list[dict]:
    """Per day, the completeness and the totals of `fields` (default: all) of the subtree.

    Summing every field over a province's 30 days is the costly part, so the page asks
    for completeness only and fetches one field's series when it is chosen."""
    now = now or timezone.now()
    fields = form.current_fields() if fields is None else fields
    start = end - timedelta(days=days - 1)
    # `day IN (…)`, not a range: with a range on `day` the (form, day, unit_path) index
    # cannot also bound the path, and every unit's rows of those days are read.
    grouped = (
        DailyReport.objects.filter(form=form, day__in=_days(start, days))
        .in_subtree(unit)
        .values("day")
        .annotate(**_counts(now), **_totals(fields))
        .order_by("day")
    )
    by_day = {row["day"]: _finish(row, fields) for row in grouped}
    return [
        {"day": start + timedelta(days=i), **by_day.get(start + timedelta(days=i), {})}
        for i in range(days)
    ]


# --- read from the roll-up ----------------------------------------------------------


def _empty() -> dict:
    return {**dict.fromkeys((*COUNTS, "missing"), 0), "totals": {}}


def _add_rollup(acc: dict, row: DailyRollup, now, source: str) -> None:
    for name in COUNTS:
        acc[name] += getattr(row, name)
    if row.deadline_at < now:
        acc["missing"] += row.expected - row.filed
    _add_totals(acc["totals"], row.cutoff_totals if source == "cutoff_values" else row.totals)


def _add_totals(target: dict, totals: dict) -> None:
    for code, (s, n) in totals.items():
        old = target.get(code, (0, 0))
        target[code] = (old[0] + s, old[1] + n)


def _add_report(acc: dict, report: DailyReport, now, source: str) -> None:
    for name, n in zip(COUNTS, counts_of(state(report)), strict=True):
        acc[name] += n
    if report.first_filed_at is None and report.deadline_at < now:
        acc["missing"] += 1
    _add_totals(acc["totals"], {k: (v, 1) for k, v in numbers(getattr(report, source)).items()})


def _as_row(acc: dict, fields) -> dict:
    """The accumulated figures in the shape of the live aggregate (for `_finish`)."""
    row = {k: v for k, v in acc.items() if k != "totals"}
    for f in fields:
        if f.is_numeric and f.rollup == Rollup.SUM:
            s, n = acc["totals"].get(f.code, (0, 0))
            row[f"t_{f.code}"] = float(s) if n else None
    return row


def _max_fields(fields) -> list:
    return [f for f in fields if f.is_numeric and f.rollup == Rollup.MAX]


def _own_reports(form, units, days):
    return DailyReport.objects.filter(form=form, unit__in=units, day__in=days)


def get_summary(form, unit: Unit, day: date, *, as_of_cutoff=False, now=None, fields=None) -> dict:
    """Totals and completeness of `unit`'s subtree (itself included) for `day`; totals of
    `fields` only when given. The roll-up rows below `unit` and its own report."""
    now = now or timezone.now()
    fields = form.current_fields() if fields is None else fields
    source = "cutoff_values" if as_of_cutoff else "values"
    acc = _empty()
    for rollup_row in DailyRollup.objects.filter(form=form, unit=unit, day=day):
        _add_rollup(acc, rollup_row, now, source)
    for report in _own_reports(form, [unit.pk], [day]):
        _add_report(acc, report, now, source)
    row = _as_row(acc, fields)
    if maxed := _max_fields(fields):
        rows = DailyReport.objects.filter(form=form, day=day).in_subtree(unit)
        row.update(rows.aggregate(**_totals(maxed, source)))
    summary = _finish(row, fields)
    summary["fields"] = fields
    rows = DailyReport.objects.filter(form=form, day=day).in_subtree(unit)
    for f in fields:
        if f.rollup == Rollup.LATEST and f.is_numeric:
            latest = (
                rows.filter(**{f"{source}__{f.code}__isnull": False})
                .order_by("-filed_at")
                .values_list(f"{source}__{f.code}", flat=True)
                .first()
            )
            summary["totals"][f.code] = latest
    return summary


def list_child_breakdown(
    form, unit: Unit, day: date, *, as_of_cutoff=False, now=None, fields=None
) -> list[dict]:
    """Completeness and totals (of `fields`, default all) per child of `unit` (drill-down
    one level at a time), from the roll-up rows of the children and their own reports.
    The unit's own report, if expected, comes first as "itself"."""
    now = now or timezone.now()
    fields = form.current_fields() if fields is None else fields
    if _max_fields(fields):
        return live_child_breakdown(
            form, unit, day, as_of_cutoff=as_of_cutoff, now=now, fields=fields
        )
    source = "cutoff_values" if as_of_cutoff else "values"
    children = list(
        Unit.objects.filter(parent=unit).select_related("liaison").order_by("sort_order", "code")
    )
    accs: dict[int, dict] = defaultdict(_empty)
    for row in DailyRollup.objects.filter(form=form, day=day, unit__in=children):
        _add_rollup(accs[row.unit_id], row, now, source)
    for report in _own_reports(form, [*children, unit], [day]):
        _add_report(accs[report.unit_id], report, now, source)
    result = [
        {"unit": c, **_finish(_as_row(accs[c.pk], fields), fields)}
        for c in children
        if accs.get(c.pk, {}).get("expected")
    ]
    if accs.get(unit.pk, {}).get("expected"):
        result.insert(
            0, {"unit": unit, "itself": True, **_finish(_as_row(accs[unit.pk], fields), fields)}
        )
    return result


def get_trend(form, unit: Unit, end: date, days: int = 30, *, fields=None, now=None) -> list[dict]:
    """Per day, the completeness and the totals of `fields` (default: all) of the subtree:
    the roll-up rows of `unit` for those days and its own reports."""
    now = now or timezone.now()
    fields = form.current_fields() if fields is None else fields
    if _max_fields(fields):
        return live_trend(form, unit, end, days, fields=fields, now=now)
    start = end - timedelta(days=days - 1)
    day_list = _days(start, days)
    accs: dict[date, dict] = defaultdict(_empty)
    for row in DailyRollup.objects.filter(form=form, unit=unit, day__in=day_list):
        _add_rollup(accs[row.day], row, now, "values")
    for report in _own_reports(form, [unit.pk], day_list):
        _add_report(accs[report.day], report, now, "values")
    return [
        {
            "day": d,
            **(
                _finish(_as_row(accs[d], fields), fields) if accs.get(d, {}).get("expected") else {}
            ),
        }
        for d in day_list
    ]


def get_matrix(form, unit: Unit, end: date, days: int = 14, *, now=None):
    """Child units × the last `days` days: each cell the completeness of that child's
    subtree (a leaf: its own state). Returns (days, rows)."""
    now = now or timezone.now()
    start = end - timedelta(days=days - 1)
    cut = len(unit.path) + 1
    segment = Substr("unit_path", cut, StrIndex(Substr("unit_path", cut), Value("/")) - 1)
    grouped = (
        DailyReport.objects.filter(form=form, day__in=_days(start, days))  # see get_trend
        .in_subtree(unit, include_self=False)
        .annotate(child=segment)
        .values("child", "day")
        .annotate(**_counts(now))
    )
    cells: dict[str, dict] = defaultdict(dict)
    for row in grouped:
        cells[row["child"]][row["day"]] = _cell(_finish(row, []))
    day_list = _days(start, days)
    children = Unit.objects.filter(parent=unit).order_by("sort_order", "code")
    rows = [
        {"unit": child, "cells": [cells[str(child.pk)].get(d) for d in day_list]}
        for child in children
        if str(child.pk) in cells
    ]
    return day_list, rows


def _cell(counts: dict) -> dict:
    """Colour a matrix cell: all on time, some late, some missing, or still open."""
    if counts["missing"]:
        state = ReportState.MISSING
    elif counts["filed"] - counts["on_time"]:
        state = ReportState.LATE
    elif counts["filed"] < counts["expected"]:
        state = ReportState.PENDING
    else:
        state = ReportState.ON_TIME
    return {**counts, "state": state}


def list_reports_to_file(user, day: date):
    """The reports of `day` the user may file, pending ones first."""
    scope = scope_of(user, ReportingPerm.FILE_REPORTS)
    rows = DailyReport.objects.filter(day=day).filter(scope.q("unit_path"))
    return rows.select_related("unit", "form").order_by(
        F("first_filed_at").asc(nulls_first=True), "deadline_at", "unit_path"
    )


def list_corrected_after_cutoff(form, unit: Unit, day: date, limit=200):
    """Reports corrected after their cut-off: shown to the superior as possibly concealed
    or wrong (瞒报、误报), with the reason of the latest correction."""
    rows = (
        DailyReport.objects.filter(form=form, day=day, corrected_after_cutoff=True)
        .in_subtree(unit)
        # The filer's roster entry too (the page names them with `who`): one query, not
        # one per row (134 on the root's page of the benchmark).
        .select_related("unit", "unit__liaison", "filed_by__person__unit")
        .order_by("unit_path")
    )[:limit]
    rows = list(rows)
    reasons = dict(
        ReportRevision.objects.filter(report__in=rows, after_cutoff=True)
        .order_by("report_id", "number")
        .values_list("report_id", "reason")
    )
    for row in rows:
        row.correction_reason = reasons.get(row.pk, "")
    return rows


def list_mismatched(form, unit: Unit, day: date, limit=200):
    """Filed reports whose figures differ from what other records derive (prefill.py):
    shown to the superior, each with its (label, filed, derived) differences."""
    rows = list(
        DailyReport.objects.filter(form=form, day=day)
        .exclude(mismatched_fields=[])
        .in_subtree(unit)
        .select_related("unit")
        .order_by("unit_path")[:limit]
    )
    labels = {f.code: f.label for f in form.current_fields()}
    for row in rows:
        row.differences = [
            (labels.get(code, code), (row.values or {}).get(code), row.derived_values.get(code))
            for code in row.mismatched_fields
        ]
    return rows
