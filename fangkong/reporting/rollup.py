"""The daily roll-up (`DailyRollup`): the reports of a (form, day) added up per ancestor,
kept in the transaction of every write that changes report rows, so that the province
root's figures are a few rows instead of 10,000 (docs/performance.md, issue 15).

Every write goes through `Delta`: the state of each changed report row before and after
(`state`), turned into differences per (form, day, ancestor, cut-off, shard) and added
to the rows by `flush`, last in the transaction (the rows are locked from there to the
commit only). `rebuild` recounts from the report rows; `recount` is the reference the
tests compare with.

"Missing" depends on the clock: each row is one cut-off (`deadline_at`), so the missing
reports at `now` are expected − filed of the rows whose cut-off has passed.
"""

from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q

# The filing unit's id % SHARDS chooses the row: the root's figures of a day are SHARDS
# rows, and two filings at once wait on each other only when their units share it.
# Changing it needs `fangkong rebuild_rollup`.
SHARDS = 16
ENABLED = True  # off only in bench/reporting_scale.py, to measure filings without it

COUNTS = ("expected", "filed", "on_time", "zero", "corrected", "corrected_late")
STATE = (
    "form_id",
    "day",
    "unit_id",
    "unit_path",
    "deadline_at",
    "first_filed_at",
    "is_zero",
    "revision_count",
    "corrected_after_cutoff",
    "values",
    "cutoff_values",
)


def state(report) -> tuple | None:
    """What the roll-up needs of a report row (a model instance), or None (no row)."""
    if report is None:
        return None
    return tuple(getattr(report, name) for name in STATE)


def counts_of(st) -> tuple:
    """(expected, filed, on_time, zero, corrected, corrected_late) of one row, as the
    aggregate in queries.py counts them."""
    _f, _d, _u, _p, deadline, first, is_zero, revisions, corrected_late, _v, _c = st
    return (
        1,
        int(first is not None),
        int(first is not None and first <= deadline),
        int(bool(is_zero)),
        int(revisions > 1),
        int(bool(corrected_late)),
    )


def numbers(values) -> dict:
    """The numeric values of a report (what a SUM over the JSON adds up)."""
    if not values:
        return {}
    return {
        k: v
        for k, v in values.items()
        if isinstance(v, int | float | Decimal) and not isinstance(v, bool)
    }


def add_number(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    total = Decimal(str(a)) + Decimal(str(b))
    return int(total) if total == total.to_integral_value() else float(total)


def ancestors(path: str) -> list[int]:
    """The strict ancestors of the unit at `path` ("/1/7/23/" → [1, 7])."""
    return [int(part) for part in path.strip("/").split("/")[:-1] if part]


class Delta:
    """Differences to add to the roll-up rows, by (form, day, unit, deadline_at, shard)."""

    def __init__(self):
        self.rows: dict[tuple, list] = {}

    def add(self, st, sign: int = 1) -> None:
        if st is None:
            return
        form_id, day, unit_id, path, deadline = st[:5]
        counts = counts_of(st)
        totals, cutoff = numbers(st[9]), numbers(st[10])
        for unit in ancestors(path):
            key = (form_id, day, unit, deadline, unit_id % SHARDS)
            row = self.rows.get(key)
            if row is None:
                row = self.rows[key] = [[0] * len(COUNTS), {}, {}]
            for i, n in enumerate(counts):
                row[0][i] += sign * n
            for target, source in ((row[1], totals), (row[2], cutoff)):
                for code, value in source.items():
                    s, n = target.get(code, (0, 0))
                    target[code] = (add_number(s, value if sign > 0 else -value), n + sign)

    def change(self, before, after) -> None:
        if before == after:
            return
        self.add(before, -1)
        self.add(after, 1)

    def nonzero(self) -> dict:
        return {
            key: row
            for key, row in self.rows.items()
            if any(row[0]) or any(v != (0, 0) for t in row[1:] for v in t.values())
        }


def _merge(stored: dict, delta: dict) -> dict:
    out = {k: list(v) for k, v in stored.items()}
    for code, (s, n) in delta.items():
        old = out.get(code, (0, 0))
        total, count = add_number(old[0], s), old[1] + n
        if count:
            out[code] = [total, count]
        else:
            out.pop(code, None)
    return out


def _key(row) -> tuple:
    return (row.form_id, row.day, row.unit_id, row.deadline_at, row.shard)


def _select(model, keys):
    """The roll-up rows of `keys`, locked in one order (no deadlock between filings)."""
    if len(keys) <= 20:
        q = Q()
        for form_id, day, unit, deadline, shard in keys:
            q |= Q(form_id=form_id, day=day, unit_id=unit, deadline_at=deadline, shard=shard)
    else:  # a sweep or a move: lock a superset, fewer conditions
        groups = defaultdict(set)
        for form_id, day, unit, _deadline, _shard in keys:
            groups[(form_id, day)].add(unit)
        q = Q()
        for (form_id, day), units in groups.items():
            q |= Q(form_id=form_id, day=day, unit_id__in=sorted(units))
    rows = model.objects.filter(q).order_by("unit_id", "day", "deadline_at", "shard", "form_id")
    return {_key(r): r for r in rows.select_for_update()}


def flush(delta: Delta, model=None) -> None:
    """Add `delta` to the roll-up rows (creating them as needed). Call it last in the
    transaction that changed the report rows."""
    if not ENABLED:
        return
    from .models import DailyRollup

    model = model or DailyRollup
    items = delta.nonzero()
    if not items:
        return
    keys = sorted(items, key=lambda k: (k[2], k[1], k[3], k[4], k[0]))
    existing = _select(model, keys)
    missing = [k for k in keys if k not in existing]
    if missing and not existing:  # a new day (the sweep): insert the figures at once
        try:
            with transaction.atomic():
                model.objects.bulk_create(
                    [_new_row(model, k, items[k]) for k in missing], batch_size=1000
                )
            return
        except IntegrityError:
            pass  # created meanwhile: add to them below
    if missing:
        model.objects.bulk_create(
            [_new_row(model, k, None) for k in missing], batch_size=1000, ignore_conflicts=True
        )
        existing.update(_select(model, missing))
    changed = []
    for key in keys:
        row, (counts, totals, cutoff) = existing[key], items[key]
        for name, n in zip(COUNTS, counts, strict=True):
            setattr(row, name, getattr(row, name) + n)
        row.totals = _merge(row.totals, totals)
        row.cutoff_totals = _merge(row.cutoff_totals, cutoff)
        changed.append(row)
    model.objects.bulk_update(changed, [*COUNTS, "totals", "cutoff_totals"], batch_size=500)


def _new_row(model, key, item):
    form_id, day, unit, deadline, shard = key
    row = model(form_id=form_id, day=day, unit_id=unit, deadline_at=deadline, shard=shard)
    if item is not None:
        counts, totals, cutoff = item
        for name, n in zip(COUNTS, counts, strict=True):
            setattr(row, name, n)
        row.totals = {k: list(v) for k, v in totals.items() if v[1]}
        row.cutoff_totals = {k: list(v) for k, v in cutoff.items() if v[1]}
    return row


def record(before, after) -> None:
    """One report row changed from `before` to `after` (states; None: no row)."""
    delta = Delta()
    delta.change(before, after)
    flush(delta)


def add_rows(reports, sign: int = 1) -> None:
    """Report rows created (sign 1) or deleted (sign -1), as instances."""
    delta = Delta()
    for report in reports:
        delta.add(state(report), sign)
    flush(delta)


@contextmanager
def tracking(queryset):
    """Keep the roll-up right around a bulk change of the rows of `queryset` (an update
    or delete that bypasses the services): their states before and after."""
    from .models import DailyReport

    with transaction.atomic():
        before = {row[0]: row[1:] for row in queryset.select_for_update().values_list("pk", *STATE)}
        yield
        after = {
            row[0]: row[1:]
            for row in DailyReport.objects.filter(pk__in=list(before)).values_list("pk", *STATE)
        }
        delta = Delta()
        for pk, st in before.items():
            delta.change(st, after.get(pk))
        flush(delta)


def on_unit_moved(*, old_path: str, new_path: str) -> None:
    """After orgs.move_unit rewrote the paths: the moved subtree's reports leave the old
    ancestors' figures and join the new ones' (those inside the subtree cancel out)."""
    from fangkong.core.fields import subtree_q

    from .models import DailyReport

    delta = Delta()
    cut = len(new_path)
    rows = DailyReport.objects.filter(subtree_q("unit_path", new_path)).values_list(*STATE)
    for st in rows.iterator(chunk_size=5000):
        before = (*st[:3], old_path + st[3][cut:], *st[4:])
        delta.change(before, st)
    flush(delta)


# --- the recount --------------------------------------------------------------------


def _fold(items: dict) -> dict:
    """Sum the shards: the figures do not depend on which shard holds them, so SHARDS can
    change without a rebuild (reads sum every row)."""
    folded = Delta()
    for (form_id, day, unit, deadline, _shard), (counts, totals, cutoff) in items.items():
        row = folded.rows.setdefault((form_id, day, unit, deadline), [[0] * len(COUNTS), {}, {}])
        row[0] = [a + b for a, b in zip(row[0], counts, strict=True)]
        for target, source in ((row[1], totals), (row[2], cutoff)):
            for code, (v, n) in source.items():
                s, m = target.get(code, (0, 0))
                target[code] = (add_number(s, v), m + n)
    return {
        key: [row[0], *({k: v for k, v in t.items() if v[1]} for t in row[1:])]
        for key, row in folded.nonzero().items()
    }


def recount(report_model=None, *, form_id=None, days=None) -> dict:
    """The roll-up as the report rows give it, shards summed:
    {(form, day, unit, deadline_at): [counts, totals, cutoff_totals]}."""
    from .models import DailyReport

    report_model = report_model or DailyReport
    rows = report_model.objects.all()
    if form_id is not None:
        rows = rows.filter(form_id=form_id)
    if days is not None:
        rows = rows.filter(day__in=list(days))
    return _fold(_count(rows))


def _count(rows) -> dict:
    delta = Delta()
    for st in rows.values_list(*STATE).iterator(chunk_size=5000):
        delta.add(st)
    return delta.nonzero()


def stored(rollup_model=None, *, form_id=None, days=None) -> dict:
    """The roll-up rows as they are, in `recount`'s shape (shards summed, empty left out)."""
    from .models import DailyRollup

    rollup_model = rollup_model or DailyRollup
    rows = rollup_model.objects.all()
    if form_id is not None:
        rows = rows.filter(form_id=form_id)
    if days is not None:
        rows = rows.filter(day__in=list(days))
    out = {}
    for r in rows:
        item = [
            [getattr(r, n) for n in COUNTS],
            {k: tuple(v) for k, v in r.totals.items()},
            {k: tuple(v) for k, v in r.cutoff_totals.items()},
        ]
        out[_key(r)] = item
    return _fold(out)


def rebuild(*, form_id=None, days=None, report_model=None, rollup_model=None) -> int:
    """Recount the roll-up from the report rows (all, or a form's, or some days') and
    replace it. Filings wait meanwhile (the table is locked on PostgreSQL; SQLite has one
    writer anyway), so none is lost. Returns the number of rows written."""
    from .models import DailyReport, DailyRollup

    report_model = report_model or DailyReport
    rollup_model = rollup_model or DailyRollup
    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(rollup_model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        rows = report_model.objects.all()
        if form_id is not None:
            rows = rows.filter(form_id=form_id)
        if days is not None:
            rows = rows.filter(day__in=list(days))
        items = _count(rows)
        old = rollup_model.objects.all()
        if form_id is not None:
            old = old.filter(form_id=form_id)
        if days is not None:
            old = old.filter(day__in=list(days))
        old.delete()
        rollup_model.objects.bulk_create(
            [_new_row(rollup_model, k, v) for k, v in items.items()], batch_size=2000
        )
    return len(items)
