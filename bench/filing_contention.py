"""Filings per second with 20 concurrent filers, with and without the roll-up (issue 15).

    .venv/bin/python bench/filing_contention.py --database-url postgres://postgres@127.0.0.1:5432/fk_rbench

On the data of `reporting_scale.py --prepare`: `--filers` threads (each its own database
connection and real transactions) file the missing reports of the last day through
`services.file_report`, as their liaisons would before the cut-off, `--filings` in all
per configuration: the roll-up as shipped (`rollup.SHARDS` rows per ancestor), the
roll-up with one row per ancestor (every filing of the province waits on the root's
row), and no roll-up upkeep at all. Each configuration's filings are put back to
missing afterwards, and the roll-up of the day is compared with a recount at the end.
"""

import argparse
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orgs_scale import setup, targets
from reporting_scale import HISTORY_END, _values, unfile


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--filers", type=int, default=20)
    parser.add_argument("--filings", type=int, default=200, help="per configuration")
    parser.add_argument("--rounds", type=int, default=2, help="each configuration this often")
    parser.add_argument("--shards", default="", help="rows per ancestor to compare, e.g. 16,4,1")
    return parser.parse_args()


def run(config, pending, user, form, filers, yesterday):
    import random

    from django.db import connection

    from fangkong.core.scope import forget_scopes
    from fangkong.reporting import services

    lock = threading.Lock()
    queue = list(pending)
    latencies, errors = [], []

    def worker():
        from django.contrib.auth import get_user_model

        actor = get_user_model().objects.get(pk=user.pk)
        rng = random.Random(threading.get_ident())
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    report = queue.pop()
                forget_scopes(actor)
                started = time.perf_counter()
                try:
                    services.file_report(
                        actor=actor,
                        form=form,
                        unit=report.unit,
                        day=HISTORY_END,
                        values=yesterday.get(report.unit_id) or _values(5, rng),
                        confirm=True,
                        comment="benchmark",
                        now=report.deadline_at - timedelta(minutes=30),
                    )
                    latencies.append(time.perf_counter() - started)
                except Exception as exc:  # noqa: BLE001 - counted and printed
                    errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(filers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "config": config,
        "filings": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "per_second": len(latencies) / wall,
        "p50": 1000 * statistics.median(latencies),
        "p90": 1000 * latencies[int(0.9 * (len(latencies) - 1))],
    }


def main():
    args = parse_args()
    setup(args)
    import os

    from django.db import connection

    from fangkong.reporting import rollup
    from fangkong.reporting.models import DailyReport, ReportForm, ReportRevision

    root, _group, _subsidiary, user, _counts = targets()
    form = ReportForm.objects.get(code="daily")
    form.current_fields()
    pending_all = list(
        DailyReport.objects.filter(form=form, day=HISTORY_END, first_filed_at__isnull=True)
        .in_subtree(root)
        .select_related("unit")
        .order_by("unit_path")
    )
    yesterday = dict(
        DailyReport.objects.filter(
            form=form,
            day=HISTORY_END - timedelta(days=1),
            is_zero=False,
            values__isnull=False,
            unit__in=[r.unit_id for r in pending_all],
        ).values_list("unit_id", "values")
    )
    if len(pending_all) < args.filings:
        sys.exit(f"Only {len(pending_all)} missing reports on {HISTORY_END}.")
    shards = rollup.SHARDS
    print(
        f"# {connection.vendor}, {args.filers} filers, {args.filings} filings per run, "
        f"{len(pending_all)} missing reports on {HISTORY_END}; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print("\n| configuration | filings/s | p50 ms | p90 ms | filings | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    configs = [
        (f"roll-up, {k} rows per (form, day, ancestor, cut-off)", True, k)
        for k in [int(x) for x in (args.shards or f"{shards},1").split(",")]
    ] + [("no roll-up upkeep", False, shards)]
    results = []
    for _round in range(args.rounds):
        for i, (name, enabled, k) in enumerate(configs):
            offset = (i * args.filings) % max(1, len(pending_all) - args.filings)
            pending = pending_all[offset : offset + args.filings]
            if k != rollup.SHARDS:
                rollup.SHARDS = k
                rollup.rebuild(days=[HISTORY_END])
            rollup.ENABLED = enabled
            result = run(name, pending, user, form, args.filers, yesterday)
            results.append(result)
            print(
                f"| {name} | {result['per_second']:.1f} | {result['p50']:.1f} | "
                f"{result['p90']:.1f} | {result['filings']} | {result['errors']} |",
                flush=True,
            )
            if result["first_error"]:
                print(f"# first error: {result['first_error']}")
            filed = [r.pk for r in pending]
            ReportRevision.objects.filter(report_id__in=filed).delete()
            with rollup.tracking(DailyReport.objects.filter(pk__in=filed)):
                unfile(filed)
            rollup.ENABLED = True
            if rollup.SHARDS != shards:
                rollup.SHARDS = shards
                rollup.rebuild(days=[HISTORY_END])
    exact = rollup.stored(days=[HISTORY_END]) == rollup.recount(days=[HISTORY_END])
    print(f"\n# roll-up of {HISTORY_END} equals its recount: {exact}")


if __name__ == "__main__":
    main()
