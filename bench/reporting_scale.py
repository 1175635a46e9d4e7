"""The daily report at scale: 10,000 units, one daily form, 90 days of history (issue 3,
Performance).

    .venv/bin/python bench/reporting_scale.py --database-url sqlite:////tmp/fk_rbench.sqlite3 --prepare
    .venv/bin/python bench/reporting_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_rbench --prepare

`--prepare` migrates the database, seeds the synthetic province when it is not there yet
(`fangkong seed-demo --units N --people M`), assigns the shipped daily form to every
subsidiary, department and site under its root "SYN", and bulk-inserts `--days` days of
report rows ending on 2020-04-30 (about 90 % filed: on time, late, zero reports, a few
corrections; the rest missing). Then it times, over `--runs` runs after a warm-up:
the summary of the root and of the largest group for the last day, the 14-day matrix of
that group's largest subsidiary, filing one report through `services.file_report`, and,
in the same run, the floor: the same aggregate written as one plain SQL statement. Pages
(the overview of the root and of the group, one field's 30-day series of the root as the
overview chart fetches it (JSON, `--field`), the matrix, the Excel roll-up) go through
Django's test Client, logged in as a user whose role (epidemic office) covers the whole
synthetic province. Figures are printed (a Markdown table); timing never fails.
`--explain` prints the plan of every query of every scenario.
"""

import argparse
import json
import random
import sys
import time
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orgs_scale import bench_user, explain, measure, setup, targets

HISTORY_END = date(2020, 4, 30)  # the synthetic units are open from 2020-01-25
UNIT_KINDS = ["subsidiary", "department", "site"]
ZERO_FIELDS = [
    "confirmed",
    "suspected",
    "close_contacts",
    "under_observation",
    "fever_today",
    "returned_from_risk",
    "in_risk_areas",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=100_000, help="with --prepare")
    parser.add_argument("--days", type=int, default=90, help="with --prepare: days of history")
    parser.add_argument("--no-pages", action="store_true", help="skip the page scenarios")
    parser.add_argument(
        "--field",
        default="staff_total",
        help="the field whose series the trend JSON endpoint returns",
    )
    parser.add_argument("--explain", action="store_true", help="print query plans")
    return parser.parse_args()


# --- data ------------------------------------------------------------------------------


def prepare(args):
    from django.core.management import call_command

    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE
    from fangkong.reporting.models import Assignment, DailyReport, ReportForm

    call_command("migrate", verbosity=0, interactive=False)
    if not Unit.objects.filter(code=ROOT_CODE).exists():
        call_command("seed_demo", units=args.units, people=args.people)
    root = Unit.objects.get(code=ROOT_CODE)
    user = bench_user(root)
    form = ReportForm.objects.get(code="daily")
    Assignment.objects.get_or_create(
        form=form,
        root=root,
        defaults={"unit_kinds": UNIT_KINDS, "deadline": "09:00", "reminder_minutes": [60, 15]},
    )
    if not DailyReport.objects.filter(form=form).in_subtree(root).exists():
        seed_history(form, root, user, args.days)
        from fangkong.reporting import rollup

        started = time.perf_counter()
        n = rollup.rebuild()  # the rows went in by COPY, past the services
        print(f"# roll-up: {n} rows rebuilt in {time.perf_counter() - started:.1f} s")


def _values(staff: int, rng: random.Random) -> dict:
    from fangkong.reporting.demo import daily_values

    return daily_values(staff, rng)


def _history_rows(form, version, units, staff, user, days: int, seed: int = 3):
    """Report rows, day by day in path order (as the sweep creates them), as dicts of
    model field values. Each unit has its own habits: most file on time; one in five
    is often late or missing. Per row: missing, late or on time; 12 % of filings are
    zero reports; 2 % were corrected, most of them after the cut-off."""
    rng = random.Random(seed)
    habits = {
        u.pk: (
            rng.choice([0.03] * 15 + [0.15] * 4 + [0.5]),
            rng.choice([0.03] * 15 + [0.10] * 4 + [0.3]),
        )
        for u in units
    }
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    zero_values = {code: 0 for code in ZERO_FIELDS}
    start = HISTORY_END - timedelta(days=days - 1)
    for offset in range(days):
        day = start + timedelta(days=offset)
        for unit in units:
            if not unit.is_open_on(day):
                continue
            zone = zones.get(unit.timezone) or zones.setdefault(
                unit.timezone, zoneinfo.ZoneInfo(unit.timezone)
            )
            deadline = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)
            row = {
                "form_id": form.pk,
                "unit_id": unit.pk,
                "unit_path": unit.path,
                "day": day,
                "deadline_at": deadline,
                "version_id": None,
                "values": None,
                "is_zero": False,
                "first_filed_at": None,
                "filed_at": None,
                "filed_by_id": None,
                "revision_count": 0,
                "cutoff_values": None,
                "cutoff_is_zero": False,
                "corrected_after_cutoff": False,
            }
            missing, late = habits[unit.pk]
            roll = rng.random()
            if roll >= missing:
                is_late = roll < missing + late
                first = deadline + timedelta(
                    minutes=rng.randint(10, 600) if is_late else -rng.randint(5, 600)
                )
                zero = rng.random() < 0.12
                values = zero_values if zero else _values(staff.get(unit.pk) or 5, rng)
                row.update(
                    version_id=version.pk,
                    values=values,
                    is_zero=zero,
                    first_filed_at=first,
                    filed_at=first,
                    filed_by_id=user.pk,
                    revision_count=1,
                )
                if not is_late:
                    row.update(cutoff_values=values, cutoff_is_zero=zero)
                if rng.random() < 0.02:  # a correction
                    corrected = {**_values(staff.get(unit.pk) or 5, rng)}
                    when = first + timedelta(minutes=rng.randint(20, 1440))
                    row.update(values=corrected, is_zero=False, filed_at=when, revision_count=2)
                    if when > deadline:
                        row["corrected_after_cutoff"] = True
                    else:
                        row.update(cutoff_values=corrected, cutoff_is_zero=False)
            yield row


def seed_history(form, root, user, days: int) -> None:
    """Bulk-insert the history: COPY on PostgreSQL, one `executemany` on SQLite (as the
    synthetic province does for people). No ReportRevision rows: the timed reads never
    touch them, and filing only appends one."""
    from django.db import connection, transaction
    from django.db.models import Count, JSONField

    from fangkong.orgs.models import Person, Unit
    from fangkong.reporting.models import DailyReport

    started = time.perf_counter()
    units = list(
        Unit.objects.subtree(root, include_self=False)
        .filter(kind__in=UNIT_KINDS)
        .only("pk", "path", "timezone", "active_from", "active_to")
        .order_by("path")
    )
    staff = dict(
        Person.objects.in_subtree(root)
        .filter(is_active=True)
        .values_list("unit")
        .annotate(n=Count("id"))
        .order_by()
    )
    fields = [f for f in DailyReport._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    jsons = {f.attname for f in fields if isinstance(f, JSONField)}
    # A column added after this bench gets its model default (the bench must not rot).
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(DailyReport._meta.db_table)
    # No query may run while the rows stream in (a COPY holds the connection).
    version = form.current_version()
    rows = ({**defaults, **row} for row in _history_rows(form, version, units, staff, user, days))
    count = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.connection.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(
                            [
                                json.dumps(row[n]) if n in jsons and row[n] is not None else row[n]
                                for n in names
                            ]
                        )
                        count += 1
        else:
            ops = connection.ops

            def adapt(row):
                out = []
                for n in names:
                    v = row[n]
                    if v is None:
                        out.append(None)
                    elif n in jsons:
                        out.append(json.dumps(v))
                    elif isinstance(v, datetime):
                        out.append(ops.adapt_datetimefield_value(v))
                    elif isinstance(v, date):
                        out.append(v.isoformat())
                    else:
                        out.append(v)
                return out

            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache_size = cursor.fetchone()[0]
                cursor.execute("PRAGMA cache_size = -524288")  # 512 MB
            marks = ", ".join("?" * len(fields))
            batch = []
            for row in rows:
                batch.append(adapt(row))
                if len(batch) == 20_000:
                    connection.connection.executemany(
                        f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch
                    )
                    count += len(batch)
                    batch = []
            connection.connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch
            )
            count += len(batch)
    inserted = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute(f"ANALYZE {table}")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    print(
        f"# history: {count} report rows for {len(units)} units over {days} days in "
        f"{inserted:.1f} s (+ analyze {time.perf_counter() - started - inserted:.1f} s)"
    )


# --- scenarios -------------------------------------------------------------------------


def floor_sql(form, unit, day, now):
    """The summary as one hand-written aggregate: what the database alone costs."""
    from django.db import connection

    codes = [f.code for f in form.current_fields() if f.is_numeric]
    if connection.vendor == "postgresql":
        sums = ", ".join(f"SUM((\"values\" ->> '{c}')::float8)" for c in codes)
        counts = (
            "COUNT(*), COUNT(first_filed_at), COUNT(*) FILTER (WHERE first_filed_at <= deadline_at), "
            "COUNT(*) FILTER (WHERE is_zero), "
            "COUNT(*) FILTER (WHERE first_filed_at IS NULL AND deadline_at < %s), "
            "COUNT(*) FILTER (WHERE revision_count > 1), "
            "COUNT(*) FILTER (WHERE corrected_after_cutoff)"
        )
        params_now = now
    else:
        sums = ", ".join(f"SUM(\"values\" ->> '$.{c}')" for c in codes)
        counts = (
            "COUNT(*), COUNT(first_filed_at), SUM(first_filed_at <= deadline_at), SUM(is_zero), "
            "SUM(first_filed_at IS NULL AND deadline_at < %s), SUM(revision_count > 1), "
            "SUM(corrected_after_cutoff)"
        )
        params_now = connection.ops.adapt_datetimefield_value(now)
        day = day.isoformat()
    upper = unit.path[:-1] + "0"  # core.fields.subtree_q: "/1/7/" <= path < "/1/70"
    sql = (
        f"SELECT {counts}, {sums} FROM reporting_dailyreport "
        "WHERE form_id = %s AND day = %s AND unit_path >= %s AND unit_path < %s"
    )
    params = [params_now, form.pk, day, unit.path, upper]

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()

    return run


def filing_scenario(form, root, user):
    """File one report per call: the next unit missing on the last day, as its liaison
    would before the cut-off (`now` 30 minutes before it). Returns (fn, restore)."""
    from django.contrib.auth import get_user_model

    from fangkong.core.models import AuditEntry
    from fangkong.core.scope import forget_scopes
    from fangkong.reporting import services
    from fangkong.reporting.models import DailyReport, ReportRevision

    pending = list(
        DailyReport.objects.filter(form=form, day=HISTORY_END, first_filed_at__isnull=True)
        .in_subtree(root)
        .select_related("unit")
        .order_by("unit_path")
    )
    yesterday = dict(
        DailyReport.objects.filter(
            form=form,
            day=HISTORY_END - timedelta(days=1),
            unit__in=[r.unit_id for r in pending],
            is_zero=False,
            values__isnull=False,
        ).values_list("unit_id", "values")
    )
    rng = random.Random(5)
    filed = []
    actor = get_user_model().objects.get(pk=user.pk)

    def fn():
        report = pending[len(filed)]
        values = yesterday.get(report.unit_id) or _values(5, rng)
        forget_scopes(actor)  # a request resolves the scope afresh
        services.file_report(
            actor=actor,
            form=form,
            unit=report.unit,
            day=HISTORY_END,
            values=values,
            confirm=True,
            comment="benchmark",
            now=report.deadline_at - timedelta(minutes=30),
        )
        filed.append(report.pk)

    def restore():
        """Put the filed rows back as they were (missing), so the next run finds them."""
        from fangkong.reporting import rollup

        ReportRevision.objects.filter(report_id__in=filed).delete()
        AuditEntry.objects.filter(
            action="file_report", object_type="dailyreport", object_id__in=[str(pk) for pk in filed]
        ).delete()
        with rollup.tracking(DailyReport.objects.filter(pk__in=filed)):
            unfile(filed)
        return len(filed)

    return fn, restore, len(pending)


def unfile(pks) -> None:
    """The rows back to missing (within `rollup.tracking`, which keeps the roll-up)."""
    from fangkong.reporting.models import DailyReport

    DailyReport.objects.filter(pk__in=pks).update(
        version=None,
        values=None,
        is_zero=False,
        first_filed_at=None,
        filed_at=None,
        filed_by=None,
        revision_count=0,
        cutoff_values=None,
        cutoff_is_zero=False,
        corrected_after_cutoff=False,
    )


def main():
    args = parse_args()
    setup(args)
    import django
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.utils import timezone

    from fangkong.orgs.models import Person, Unit
    from fangkong.reporting import queries
    from fangkong.reporting.models import DailyReport, ReportForm

    if args.prepare:
        prepare(args)
    settings.DEBUG = False
    root, group, subsidiary, user, _counts = targets()
    day = HISTORY_END
    now = timezone.now()

    def fresh_form():
        return ReportForm.objects.get(code="daily")  # its fields are read per request

    form = fresh_form()
    client = Client()
    client.force_login(user)

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    fn_file, restore, pending = filing_scenario(form, root, user)
    scenarios = [
        (f"(a) get_summary({root.code})", lambda: queries.get_summary(fresh_form(), root, day)),
        (f"(a) floor: plain SQL aggregate, {root.code}", floor_sql(form, root, day, now)),
        (f"(b) get_summary({group.code})", lambda: queries.get_summary(fresh_form(), group, day)),
        (f"(b) floor: plain SQL aggregate, {group.code}", floor_sql(form, group, day, now)),
        (
            f"(c) get_matrix({subsidiary.code})",
            lambda: queries.get_matrix(fresh_form(), subsidiary, day),
        ),
        ("(d) services.file_report (one report)", fn_file),
    ]
    if not args.no_pages:
        from django.urls import reverse

        q = f"?form=daily&day={day.isoformat()}"
        overview, matrix = reverse("reporting:overview"), reverse("reporting:matrix")
        export, series = reverse("reporting:rollup_export"), reverse("reporting:trend_series")
        scenarios += [
            (f"GET {overview}?unit={root.code}", get(f"{overview}{q}&unit={root.code}")),
            (f"GET {overview}?unit={group.code}", get(f"{overview}{q}&unit={group.code}")),
            (
                f"GET {series}?unit={root.code}&field={args.field} (JSON)",
                get(f"{series}{q}&unit={root.code}&field={args.field}"),
            ),
            (f"GET {matrix}?unit={subsidiary.code}", get(f"{matrix}{q}&unit={subsidiary.code}")),
            (f"GET {export}?unit={root.code} (xlsx)", get(f"{export}{q}&unit={root.code}")),
        ]
    if pending < args.runs + 4:
        sys.exit(f"Only {pending} unfiled reports on {day}: too few for {args.runs} filings.")

    with connection.cursor() as cursor:
        version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    rows = DailyReport.objects.filter(form=form)
    stats = (
        rows.filter(day=day)
        .in_subtree(root)
        .aggregate(expected=Count("id"), filed=Count("id", filter=Q(first_filed_at__isnull=False)))
    )
    sizes = {u.code: rows.filter(day=day).in_subtree(u).count() for u in (root, group)} | {
        subsidiary.code: Unit.objects.filter(parent=subsidiary).count()
    }
    print(
        f"# {connection.vendor} {version}, Django {django.get_version()}, Python "
        f"{sys.version.split()[0]}; {Unit.objects.count()} units, {Person.objects.count()} "
        f"people, {rows.count()} report rows; {day}: {stats['expected']} expected, "
        f"{stats['filed']} filed; group {group.code}: {sizes[group.code]} reports a day; "
        f"subsidiary {subsidiary.code}: {sizes[subsidiary.code]} children; {args.runs} runs each"
    )
    print()
    print("| scenario | median ms | p90 ms | min ms | queries |")
    print("|---|---:|---:|---:|---:|")
    plans, medians = [], {}
    try:
        for name, fn in scenarios:
            median, p90, fastest, captured = measure(fn, args.runs)
            medians[name[:3]] = medians.get(name[:3], []) + [median]
            print(f"| {name} | {median:.1f} | {p90:.1f} | {fastest:.1f} | {len(captured)} |")
            plans.append((name, captured))
    finally:
        print(f"\n# restored {restore()} filed reports to missing")
    for key in ("(a)", "(b)"):
        ours, floor = medians[key]
        print(f"# {key} ours / floor = {ours / floor:.1f}")
    if args.explain:
        for name, captured in plans:
            print(f"\n## {name}")
            for query in captured:
                print(f"  [{query['time']} s] {query['sql'][:400]}")
                if query["sql"].lstrip().upper().startswith("SELECT"):
                    print(explain(query["sql"]))


if __name__ == "__main__":
    main()
