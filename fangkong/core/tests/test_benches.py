"""Every benchmark of bench/ runs once at a tiny size, so a change of the schema or of a
service that breaks one fails the suite instead of the next measurement (issue 9: the
reporting bench had failed since `derived_values` came). No timing is asserted.

Each runs as its own process, as a person runs it, against a scratch database: a SQLite
file, or, when the suite runs on PostgreSQL, a database of its own next to the test
database (dropped afterwards). The synthetic province (orgs, reporting, health) and the
demo province (incidents, notify) each get one, reused by the benches that share it;
every bench prepares what it needs when it is not there yet, in any order.
"""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[3]
BENCH = ROOT / "bench"
SYNTHETIC = ["--units", "200", "--people", "2000"]
TIMEOUT = 300  # a hung bench fails, it never blocks the suite


def suite_url() -> str:
    return os.environ.get("DATABASE_URL", "")


def on_postgresql() -> bool:
    return suite_url().startswith(("postgres://", "postgresql://"))


def bench_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FANGKONG_TEST_NOW")}
    env["DJANGO_SETTINGS_MODULE"] = "fangkong.core.tests.bench_settings"
    return env


def pg_admin(url: str):
    import psycopg

    return psycopg.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")), autocommit=True)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A factory of scratch database URLs by name: copies of one database migrated once,
    dropped at the end of the module."""
    folder = tmp_path_factory.mktemp("bench")
    if on_postgresql():
        parts = urlsplit(suite_url())
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        prefix = f"test_{parts.path.lstrip('/')}_bench_{worker}"

        def url_of(name):
            return urlunsplit(parts._replace(path=f"/{prefix}_{name}"[:64]))

        def db_of(url):
            return urlsplit(url).path.lstrip("/")

        template = url_of("template")
        with pg_admin(template) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_of(template)}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db_of(template)}"')
    else:

        def url_of(name):
            return f"sqlite:///{folder}/{name}.sqlite3"

        template = url_of("template")
    subprocess.run(
        [sys.executable, "-m", "fangkong.cli", "migrate", "-v0"],
        check=True,
        cwd=ROOT,
        env={**bench_env(), "DATABASE_URL": template},
        timeout=TIMEOUT,
    )
    made = [template]

    def make(name: str) -> str:
        url = url_of(name)
        if on_postgresql():
            with pg_admin(url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_of(url)}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{db_of(url)}" TEMPLATE "{db_of(template)}"')
        else:
            shutil.copyfile(folder / "template.sqlite3", folder / f"{name}.sqlite3")
        made.append(url)
        return url

    yield make
    if on_postgresql():
        for url in made:
            with pg_admin(url) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db_of(url)}" WITH (FORCE)')


@pytest.fixture(scope="module")
def synthetic_db(scratch):
    return scratch("synthetic")


@pytest.fixture(scope="module")
def demo_db(scratch):
    return scratch("demo")


def run_bench(script: str, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCH / script), "--database-url", url, *args],
        cwd=ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def assert_ran(result: subprocess.CompletedProcess, *expected: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    for text in expected:
        assert text in result.stdout, output[-4000:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_orgs_scale(synthetic_db):
    result = run_bench(
        "orgs_scale.py",
        synthetic_db,
        "--prepare",
        *SYNTHETIC,
        "--runs",
        "1",
        "--page",
        "2",
        "--explain",
    )
    assert_ran(result, "| head_count(", "GET /orgs/people/?unit=")


def test_reporting_scale(synthetic_db):
    result = run_bench(
        "reporting_scale.py",
        synthetic_db,
        "--prepare",
        *SYNTHETIC,
        "--days",
        "3",
        "--runs",
        "1",
        "--explain",
    )
    assert_ran(result, "(a) get_summary(SYN)", "(d) services.file_report", "(xlsx)", "restored")
    again = run_bench("reporting_scale.py", synthetic_db, "--runs", "1", "--no-pages")
    assert_ran(again, "(d) services.file_report")  # the restore leaves it runnable again


def test_command_view(synthetic_db):
    result = run_bench(
        "command_view.py",
        synthetic_db,
        "--prepare",
        *SYNTHETIC,
        "--days",
        "3",
        "--incidents",
        "2",
        "--runs",
        "1",
        "--explain",
    )
    assert_ran(result, "| GET /workbench/command/?unit=SYN", "panel reporting.trend", "floor")
    again = run_bench("command_view.py", synthetic_db, "--runs", "1")
    assert_ran(again, "| GET /workbench/command/?unit=SYN")  # the data is made once


def test_health_scale(synthetic_db):
    args = [
        "--prepare",
        *SYNTHETIC,
        "--port",
        str(free_port()),
        "--workers",
        "1",
        "--batches",
        "2",
        "--batch-size",
        "10",
        "--clients",
        "2",
        "--runs",
        "1",
        "--phone-people",
        "8",
        "--phone-clients",
        "2",
        "--phone-seconds",
        "0.5",
    ]
    result = run_bench("health_scale.py", synthetic_db, *args)
    if not on_postgresql():
        # PostgreSQL only: on SQLite it loads, parses its options and says so.
        assert result.returncode != 0
        assert "PostgreSQL only" in result.stderr, result.stderr[-4000:]
        return
    assert_ran(result, "# API:", "# floor:", "get_checkin_summary", "phone")


def test_incidents_scale(demo_db):
    result = run_bench(
        "incidents_scale.py", demo_db, "--incidents", "8", "--due", "4", "--samples", "1"
    )
    assert_ran(result, "open clocks: 32", "escalating 4 due clocks", "first robot message")


def test_notify_reliability(demo_db):
    result = run_bench(
        "notify_reliability.py",
        demo_db,
        "--burst",
        "12",
        "--robots",
        "2",
        "--kill-at",
        "5",
        "--lease",
        "1",
        "--timeout",
        "1",
        "--samples",
        "1",
    )
    assert_ran(result, "SIGKILL mid-burst", "Queue → first receipt")
    table = result.stdout.split("SIGKILL mid-burst", 1)[1].splitlines()[3]
    queued, _received, _distinct, _repeats, lost = (c.strip() for c in table.split("|")[1:6])
    assert (queued, lost) == ("12", "0"), result.stdout  # delivery's promise, even tiny


def test_supplies_scale(synthetic_db):
    result = run_bench(
        "supplies_scale.py",
        synthetic_db,
        "--prepare",
        *SYNTHETIC,
        "--items",
        "4",
        "--days",
        "5",
        "--runs",
        "1",
    )
    assert_ran(result, "# (a) cover.refresh_stale", "| (c) GET /supplies/board/", "floor")
    again = run_bench("supplies_scale.py", synthetic_db, "--runs", "1")
    assert_ran(again, "| (d) record_receipt + record_issue")  # the ledger is made once


def test_sites_scale(synthetic_db):
    result = run_bench(
        "sites_scale.py",
        synthetic_db,
        "--prepare",
        *SYNTHETIC,
        "--slots",
        "300",
        "--days",
        "3",
        "--runs",
        "1",
    )
    assert_ran(result, "(a) sync_slots(", "(b) get_compliance(SYN", "(c) services.log_slot")
    again = run_bench("sites_scale.py", synthetic_db, "--runs", "1")
    assert_ran(again, "(c) services.log_slot")  # the data is made once


def test_inspections_scale(synthetic_db):
    result = run_bench(
        "inspections_scale.py",
        synthetic_db,
        "--prepare",
        *SYNTHETIC,
        "--visits",
        "1",
        "--runs",
        "1",
    )
    assert_ran(result, "(a) queries.get_board(SYN)", "/inspections/board/", "(d) floor")


def test_bulletins_scale(synthetic_db):
    result = run_bench("bulletins_scale.py", synthetic_db, "--prepare", *SYNTHETIC, "--runs", "1")
    assert_ran(result, "(a) figures.collect(SYN)", "(c) document.to_docx", "(d) document.to_pdf")


def test_notices_scale(synthetic_db):
    result = run_bench("notices_scale.py", synthetic_db, "--prepare", *SYNTHETIC, "--runs", "1")
    assert_ran(result, "(a) issue_notice to", "(b) queries.get_tally(SYN)", "(c) remind")
    again = run_bench("notices_scale.py", synthetic_db, "--runs", "1")
    assert_ran(again, "(a) issue_notice to")  # the benchmark's notices are replaced


def test_province_loads_and_parses_its_options():
    # bench/province.py starts a PostgreSQL instance of its own, two app servers and two
    # workers on the 1,000,000-person province: far over a smoke run's ~20 s (initdb and
    # the migrations alone). What can rot cheaply is checked: its imports (from
    # health_scale.py, reporting_scale.py) and its options.
    result = subprocess.run(
        [sys.executable, str(BENCH / "province.py"), "--help"],
        capture_output=True,
        text=True,
        env=bench_env(),
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    for option in ("--reuse", "--fault", "--seconds", "--preload"):
        assert option in result.stdout
