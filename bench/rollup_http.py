"""The root's report overview over HTTP with 10 concurrent readers (issue 15).

    .venv/bin/python bench/rollup_http.py --database-url postgres://postgres@127.0.0.1:5432/fk_rbench

On the data of `reporting_scale.py --prepare`: starts gunicorn from this checkout
(`--workers` sync workers, DEBUG off) and runs `wrk` (`--connections` concurrent
clients, `--seconds` each) against, in this order: `/login/` (the server's floor), the
report overview of the root `SYN`, its 30-day trend JSON, and the overview of group G18,
logged in as the benchmark's office user (a session made in the database). Then, to show
the page is current on every write, it files one missing report through the service
and reads the root's "filed" count from the page before and after.
"""

import argparse
import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orgs_scale import setup, targets
from reporting_scale import HISTORY_END, _values, unfile

ROOT_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--port", type=int, default=8615)
    return parser.parse_args()


def get(port, path, cookie):
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.read().decode()


def wrk(port, path, cookie, connections, seconds):
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--latency",
            "--timeout",
            "30s",
            "-H",
            f"Cookie: {cookie}",
            f"http://{HOST}:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    p90 = re.search(r"90%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def ms(m):
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    return rate, ms(p50), ms(p90), int(errors.group(1)) if errors else 0


def main():
    args = parse_args()
    setup(args)
    from django.test import Client

    from fangkong.reporting import rollup, services
    from fangkong.reporting.models import DailyReport, ReportForm, ReportRevision

    root, group, _sub, user, _counts = targets()
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    env = {k: v for k, v in os.environ.items() if k != "FANGKONG_DEBUG"}
    env["FANGKONG_ALLOWED_HOSTS"] = f"{HOST},localhost"
    log = open(f"/tmp/fk_rollup_gunicorn_{args.port}.log", "w")
    proc = subprocess.Popen(
        [str(ROOT_DIR / ".venv/bin/gunicorn"), "fangkong.wsgi", "-w", str(args.workers)]
        + ["-b", f"{HOST}:{args.port}", "--backlog", "2048", "--timeout", "120"],
        cwd=ROOT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                get(args.port, "/login/", "")
                break
            except OSError:
                time.sleep(0.3)
        q = f"form=daily&day={HISTORY_END.isoformat()}"
        pages = [
            ("`/login/` (floor of the server)", "/login/"),
            (f"overview of the root {root.code}", f"/reports/overview/?{q}&unit={root.code}"),
            (
                f"30-day trend JSON of {root.code} (staff_total)",
                f"/reports/overview/trend/?{q}&unit={root.code}&field=staff_total",
            ),
            (f"overview of group {group.code}", f"/reports/overview/?{q}&unit={group.code}"),
        ]
        for _name, path in pages:  # warm the workers
            for _ in range(3):
                get(args.port, path, cookie)
        print(
            f"# gunicorn -w {args.workers}, wrk -c {args.connections} -d {args.seconds}s; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print("\n| request | requests/s | p50 ms | p90 ms | non-2xx |")
        print("|---|---:|---:|---:|---:|")
        for name, path in pages:
            get(args.port, "/login/", "")  # the requests queued by the last run are done
            rate, p50, p90, errors = wrk(args.port, path, cookie, args.connections, args.seconds)
            print(f"| {name} | {rate:.1f} | {p50:.1f} | {p90:.1f} | {errors} |", flush=True)
        # Current on every write: one filing between two reads of the page.
        form = ReportForm.objects.get(code="daily")
        report = (
            DailyReport.objects.filter(form=form, day=HISTORY_END, first_filed_at__isnull=True)
            .in_subtree(root)
            .select_related("unit")
            .first()
        )

        def filed_on_page():
            _status, page = get(args.port, pages[1][1], cookie)
            return int(re.search(r'data-testid="filed">([\d,]+)<', page).group(1).replace(",", ""))

        before = filed_on_page()
        services.file_report(
            actor=user,
            form=form,
            unit=report.unit,
            day=HISTORY_END,
            values=_values(5, __import__("random").Random(1)),
            confirm=True,
            comment="benchmark",
            now=report.deadline_at - timedelta(minutes=30),
        )
        after = filed_on_page()
        ReportRevision.objects.filter(report=report).delete()
        with rollup.tracking(DailyReport.objects.filter(pk=report.pk)):
            unfile([report.pk])
        print(f"\n# filed on the root's page: {before} before one filing, {after} right after")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
