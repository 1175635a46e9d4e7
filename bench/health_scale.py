"""Staff health check-ins at scale: 1,000,000 people in 10,000 units (issue 4, Performance).

    .venv/bin/python bench/health_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_bench_health --prepare

PostgreSQL only. `--prepare` migrates the database and seeds the synthetic province when it
is not there yet (`fangkong seed-demo --units N --people M`). The benchmark starts gunicorn
(`--workers` sync workers, DEBUG off) on 127.0.0.1:`--port` and stops it at the end, and
drives it with a small asyncio HTTP/1.1 client of its own (standard library only), which
runs in this process and shares the machine's cores with the server and the database.

1. Batches through the API: `--batches` batches of `--batch-size` check-ins, each for
   another subsidiary (its first active people by employee number), POSTed to
   `/api/v1/checkins` with a bearer token and an Idempotency-Key by `--clients` concurrent
   clients, for day API_DAY. In the same run the floor: the same rows, for day FULL_DAY,
   inserted with plain psycopg (`executemany` of an INSERT, one transaction per batch,
   `--clients` connections), nothing else maintained; and once more with COPY (another
   day).
2. The rest of FULL_DAY is filled server-side (INSERT … SELECT from the roster, same value
   rules), and its tallies are built from the check-ins with one INSERT … SELECT … GROUP BY
   (what the service would have kept): a full day of check-ins for every active person.
3. The check-in summary of the root for FULL_DAY, `queries.get_checkin_summary` in this
   process and `GET /api/v1/units/SYN/checkin-summary?day=` through gunicorn: median of
   `--runs` after a warm-up. Also for the largest group.
4. The phone page: links issued beforehand for `--phone-people` people (spread over the
   province); `--phone-clients` concurrent clients, each with its own slice of people,
   POST the page for `--phone-seconds` seconds (then GET it for a third of that, then GET
   an invalid link: the 404 page without a query, the ceiling of the stack). A POST is a
   person's check-in for today in their unit's time zone.

With each phase it prints the CPU time used by gunicorn, by the database's PostgreSQL
backends and by this process (from /proc): on a shared machine these move far less than
the throughputs.

Check-ins, revisions and tallies of the benchmark's days (and of the last two days, the
phone's "today") are deleted at the start, so the benchmark can run again. Figures are
printed (Markdown); timing never fails.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT_DIR))
from orgs_scale import measure, prepare, setup, targets  # noqa: E402 - bench/ is the script's directory

# Days in the synthetic units' opening (2020-01-25 to 2021-06-30).
WARM_DAY = date(2020, 3, 1)  # warm-up batches
API_DAY = date(2020, 3, 2)
FULL_DAY = date(2020, 3, 3)
COPY_DAY = date(2020, 3, 4)  # the second floor (COPY); its rows are deleted at the next run
HOST = "127.0.0.1"

# Category by person id % 100 (about 60,000 tally rows for a full day: 6 per unit).
CATEGORY_CUTS = [
    (70, "on_post"),
    (80, "party"),
    (85, "duty"),
    (88, "volunteer"),
    (90, "observation"),
    (100, "other"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL (PostgreSQL)")
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=1_000_000, help="with --prepare")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4, help="concurrent batch clients")
    parser.add_argument("--no-key", action="store_true", help="send no Idempotency-Key")
    parser.add_argument("--runs", type=int, default=50, help="summary runs")
    parser.add_argument("--phone-people", type=int, default=20_000)
    parser.add_argument("--phone-clients", type=int, default=50)
    parser.add_argument("--phone-seconds", type=float, default=30)
    parser.add_argument(
        "--server-dir",
        default=str(ROOT_DIR),
        help="run gunicorn from this checkout (to compare a change)",
    )
    parser.add_argument("--skip", default="", help="comma-separated: batches,fill,summary,phone")
    return parser.parse_args()


# --- values: the same rule for the API rows, the floor and the server-side fill ------------


def values_for(person_id: int) -> dict:
    """Normal temperatures (36.0–37.2, under the fever threshold), no symptoms."""
    rest = person_id % 100
    category = next(name for cut, name in CATEGORY_CUTS if rest < cut)
    if category == "observation":
        whereabouts = "observation"
    elif person_id % 7 == 0:
        whereabouts = "remote"
    elif person_id % 50 == 1:
        whereabouts = "travelling"
    else:
        whereabouts = "at_post"
    return {
        "temperature": Decimal(360 + person_id % 13) / 10,
        "category": category,
        "whereabouts": whereabouts,
    }


def values_sql(alias: str) -> tuple[str, str, str]:
    """values_for() in SQL (for a statement with parameters: `%%` is `%`):
    (temperature, category, whereabouts) expressions."""
    i = f"{alias}.id"
    cases = " ".join(f"WHEN {i} %% 100 < {cut} THEN '{name}'" for cut, name in CATEGORY_CUTS)
    return (
        f"(360 + {i} %% 13) / 10.0",
        f"CASE {cases} END",
        f"CASE WHEN {i} %% 100 >= 88 AND {i} %% 100 < 90 THEN 'observation' "
        f"WHEN {i} %% 7 = 0 THEN 'remote' WHEN {i} %% 50 = 1 THEN 'travelling' ELSE 'at_post' END",
    )


# --- a minimal asyncio HTTP/1.1 client (gunicorn's sync workers close every connection) ----


async def http(method: str, port: int, path: str, *, headers=None, body: bytes = b""):
    """(status, body, seconds) of one request on a fresh connection."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Connection: close",
        f"Content-Length: {len(body)}",
    ] + [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    data = await reader.read()
    writer.close()
    elapsed = time.perf_counter() - started
    head, _, content = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, content, elapsed


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(round(fraction * len(sorted_values))) - 1)]


# --- the server ----------------------------------------------------------------------------


def start_server(args):
    try:
        asyncio.run(http("GET", args.port, "/"))
    except OSError:
        pass  # free, as it should be
    else:
        sys.exit(f"Something already listens on {HOST}:{args.port}: give another --port.")
    env = {k: v for k, v in os.environ.items() if k != "FANGKONG_DEBUG"}
    env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env["FANGKONG_ALLOWED_HOSTS"] = f"{HOST},localhost"
    # Keep the workers' database connections for the whole run (default: 60 s), so that
    # their backends' CPU time can be read from /proc before and after each phase.
    env["FANGKONG_DB_CONN_MAX_AGE"] = "3600"
    log = open(f"/tmp/fk_health_gunicorn_{args.port}.log", "w")
    proc = subprocess.Popen(
        [
            str(ROOT_DIR / ".venv/bin/gunicorn"),
            "fangkong.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"{HOST}:{args.port}",
            "--backlog",
            "2048",
        ],
        cwd=args.server_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, _, _ = asyncio.run(http("GET", args.port, "/api/v1/openapi.json"))
            if status and proc.poll() is None:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    sys.exit(f"gunicorn did not start: see {log.name}")


def _ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _backends(dbname: str) -> list[int]:
    """The PostgreSQL backends connected to `dbname` (by their process title)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            # "postgres: 15/main: postgres fk_bench_health 127.0.0.1(5678) idle" on Debian
            if title.startswith("postgres: ") and f": postgres {dbname} " in title:
                pids.append(int(entry.name))
    return pids


def cpu_seconds(server, dbname: str) -> dict:
    """CPU seconds used so far (Linux /proc) by gunicorn (master and workers), by the
    database's PostgreSQL backends that are connected now (the workers' are kept open:
    CONN_MAX_AGE), and by this process (the load generator)."""
    workers = [
        int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    ]
    hz = os.sysconf("SC_CLK_TCK")
    return {
        "django": sum(_ticks(p) for p in [server.pid, *workers]) / hz,
        "postgres": {p: _ticks(p) / hz for p in _backends(dbname)},
        "client": time.process_time(),
    }


def cpu_used(before: dict, server, dbname: str) -> dict:
    after = cpu_seconds(server, dbname)
    pg = sum(t - before["postgres"].get(p, 0) for p, t in after["postgres"].items())
    return {
        "django": after["django"] - before["django"],
        "postgres": pg,
        "client": after["client"] - before["client"],
    }


def stop_server(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- data ----------------------------------------------------------------------------------


def reset(today: date):
    """Delete check-ins, revisions and tallies of the benchmark's days."""
    from django.db import connection, transaction

    days = [WARM_DAY, API_DAY, FULL_DAY, COPY_DAY]
    recent = today - timedelta(days=2)
    where = "day = ANY(%s) OR day >= %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM health_checkinrevision WHERE checkin_id IN "
            f"(SELECT id FROM health_checkin WHERE {where})",
            [days, recent],
        )
        cursor.execute(
            "UPDATE health_healthcase SET checkin_id = NULL WHERE checkin_id IN "
            f"(SELECT id FROM health_checkin WHERE {where})",
            [days, recent],
        )
        cursor.execute(f"DELETE FROM health_checkin WHERE {where}", [days, recent])
        deleted = cursor.rowcount
        cursor.execute(f"DELETE FROM health_checkintally WHERE {where}", [days, recent])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE health_checkin")
        cursor.execute("VACUUM ANALYZE health_checkintally")
    return deleted


def pick_batches(root, count: int, size: int):
    """[(unit, [person row])]: the subsidiaries with at least `size` active people, in code
    order, each with its first `size` active people by employee number."""
    from fangkong.orgs.models import Person, Unit

    batches = []
    for unit in Unit.objects.subtree(root).filter(kind="subsidiary").order_by("code"):
        people = list(
            Person.objects.in_subtree(unit)
            .filter(is_active=True)
            .order_by("employee_no")
            .values("id", "employee_no", "unit_id", "unit_path")[:size]
        )
        if len(people) == size:
            batches.append((unit, people))
        if len(batches) == count:
            break
    return batches


def api_body(unit, people, day) -> bytes:
    rows = []
    for p in people:
        v = values_for(p["id"])
        rows.append(
            {
                "employee_no": p["employee_no"],
                "temperature": float(v["temperature"]),
                "symptoms": [],
                "whereabouts": v["whereabouts"],
                "category": v["category"],
            }
        )
    return json.dumps({"unit": unit.code, "day": day.isoformat(), "checkins": rows}).encode()


async def post_batches(port, token, bodies, clients, use_key):
    queue = list(bodies)
    results = []

    async def client():
        while queue:
            body = queue.pop(0)
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            if use_key:
                headers["Idempotency-Key"] = uuid.uuid4().hex
            status, content, elapsed = await http(
                "POST", port, "/api/v1/checkins", headers=headers, body=body
            )
            results.append((status, elapsed, content))

    started = time.perf_counter()
    await asyncio.gather(*[client() for _ in range(clients)])
    return results, time.perf_counter() - started


def floor_insert(batches, user, clients, *, day, copy=False):
    """The same rows inserted with plain psycopg for `day`, one transaction per batch on
    `clients` connections: an `executemany` of an INSERT, or COPY. Returns (seconds,
    {"postgres": CPU seconds of its backends, "client": of this process})."""
    import psycopg
    from django.db import connection
    from django.utils import timezone

    params = connection.get_connection_params()
    conninfo = {
        k: params[k] for k in ("dbname", "user", "host", "port", "password") if params.get(k)
    }
    now = timezone.now()
    columns = (
        "person_id, unit_id, unit_path, day, temperature, symptoms, whereabouts, "
        "risk_contact, case_contact, category, is_fever, source, entered_by_id, "
        "idempotency_key, checked_in_at, revision_count"
    )
    sql = (
        f"INSERT INTO health_checkin ({columns}) VALUES "
        "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    work = [
        [
            (
                p["id"],
                p["unit_id"],
                p["unit_path"],
                day,
                v["temperature"],
                "[]",
                v["whereabouts"],
                False,
                False,
                v["category"],
                False,
                "api",
                user.pk,
                "",
                now,
                1,
            )
            for p in people
            for v in [values_for(p["id"])]
        ]
        for _unit, people in batches
    ]
    lock = threading.Lock()
    # autocommit: each `conn.transaction()` below is then a real BEGIN … COMMIT
    conns = [psycopg.connect(**conninfo, autocommit=True) for _ in range(clients)]
    pids = [c.execute("SELECT pg_backend_pid()").fetchone()[0] for c in conns]
    hz = os.sysconf("SC_CLK_TCK")
    ticks, cpu0 = sum(_ticks(p) for p in pids), time.process_time()

    def worker(conn):
        while True:
            with lock:
                if not work:
                    return
                rows = work.pop(0)
            with conn.transaction(), conn.cursor() as cursor:
                if copy:
                    with cursor.copy(f"COPY health_checkin ({columns}) FROM STDIN") as out:
                        for row in rows:
                            out.write_row(row)
                else:
                    cursor.executemany(sql, rows)

    threads = [threading.Thread(target=worker, args=(c,)) for c in conns]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu = {
        "postgres": (sum(_ticks(p) for p in pids) - ticks) / hz,
        "client": time.process_time() - cpu0,
    }
    for c in conns:
        c.close()
    return elapsed, cpu


def fill_day(user):
    """Everybody else's check-in for FULL_DAY (server-side), then FULL_DAY's tallies built
    from its check-ins, as the service would have kept them. Returns (rows, tallies, s, s)."""
    from django.db import connection, transaction
    from django.utils import timezone

    temperature, category, whereabouts = values_sql("p")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO health_checkin (person_id, unit_id, unit_path, day, temperature, "
            "symptoms, whereabouts, risk_contact, case_contact, category, is_fever, source, "
            "entered_by_id, idempotency_key, checked_in_at, revision_count) "
            f"SELECT p.id, p.unit_id, p.unit_path, %s, {temperature}, '[]'::jsonb, "
            f"{whereabouts}, false, false, {category}, false, 'api', %s, '', %s, 1 "
            "FROM orgs_person p WHERE p.is_active AND NOT EXISTS "
            "(SELECT 1 FROM health_checkin c WHERE c.person_id = p.id AND c.day = %s)",
            [FULL_DAY, user.pk, timezone.now(), FULL_DAY],
        )
        rows = cursor.rowcount
    filled = time.perf_counter() - started
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM health_checkintally WHERE day = %s", [FULL_DAY])
        cursor.execute(
            "INSERT INTO health_checkintally (unit_id, unit_path, day, category, checked_in, "
            "fever, at_post, remote, travelling, observation) "
            "SELECT unit_id, unit_path, day, category, COUNT(*), COUNT(*) FILTER (WHERE is_fever), "
            "COUNT(*) FILTER (WHERE whereabouts = 'at_post'), "
            "COUNT(*) FILTER (WHERE whereabouts = 'remote'), "
            "COUNT(*) FILTER (WHERE whereabouts = 'travelling'), "
            "COUNT(*) FILTER (WHERE whereabouts = 'observation') "
            "FROM health_checkin WHERE day = %s GROUP BY unit_id, unit_path, day, category",
            [FULL_DAY],
        )
        tallies = cursor.rowcount
    tallied = time.perf_counter() - started - filled
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE health_checkin")
        cursor.execute("VACUUM ANALYZE health_checkintally")
    return rows, tallies, filled, tallied


def tallies_match(day) -> bool:
    """The service's tallies for `day` equal a recount of that day's check-ins."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT unit_id, category, COUNT(*), COUNT(*) FILTER (WHERE is_fever), "
            "COUNT(*) FILTER (WHERE whereabouts = 'at_post'), "
            "COUNT(*) FILTER (WHERE whereabouts = 'remote'), "
            "COUNT(*) FILTER (WHERE whereabouts = 'travelling'), "
            "COUNT(*) FILTER (WHERE whereabouts = 'observation') "
            "FROM health_checkin WHERE day = %s GROUP BY unit_id, category",
            [day],
        )
        recount = {(r[0], r[1]): list(r[2:]) for r in cursor.fetchall()}
        cursor.execute(
            "SELECT unit_id, category, checked_in, fever, at_post, remote, travelling, "
            "observation FROM health_checkintally WHERE day = %s AND checked_in <> 0",
            [day],
        )
        kept = {(r[0], r[1]): list(r[2:]) for r in cursor.fetchall()}
    return recount == kept


# --- the phone page ---------------------------------------------------------------------------


def phone_links(user, count):
    """Tokens of live links for `count` active people spread over the province."""
    from fangkong.health.services.checkins import issue_links, link_token
    from fangkong.orgs.models import Person

    total = Person.objects.filter(is_active=True).count()
    step = max(total // count, 1)
    people = list(
        Person.objects.filter(is_active=True)
        .extra(where=[f"id %% {step} = 3"])
        .order_by("id")[:count]
    )
    links = issue_links(actor=user, people=people)
    return [link_token(link) for link in links]


async def phone_load(port, tokens, clients, seconds, method):
    """`clients` concurrent phones; client i uses tokens[i::clients] in turn. Returns
    (latencies, statuses, wall seconds)."""
    latencies, statuses = [], {}
    stop_at = time.perf_counter() + seconds

    async def client(mine):
        n = 0
        while time.perf_counter() < stop_at:
            token = mine[n % len(mine)]
            path = f"/health/c/{token}/"
            if method == "POST":
                rounds = n // len(mine)  # a later round changes the temperature
                form = {
                    "temperature": f"{36.2 + 0.1 * (rounds % 8):.1f}",
                    "whereabouts": "at_post",
                    "category": "on_post",
                    "key": uuid.uuid4().hex,
                }
                body = urllib.parse.urlencode(form).encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                status, _, elapsed = await http("POST", port, path, headers=headers, body=body)
            else:
                status, _, elapsed = await http("GET", port, path)
            latencies.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1
            n += 1

    started = time.perf_counter()
    await asyncio.gather(*[client(tokens[i::clients]) for i in range(clients)])
    return latencies, statuses, time.perf_counter() - started


# --- main ---------------------------------------------------------------------------------------


def main():
    args = parse_args()
    setup(args)
    import django
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from fangkong.core.auth import create_token
    from fangkong.health.queries.checkins import get_checkin_summary
    from fangkong.orgs.models import Person, Unit

    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: give --database-url postgres://…")
    if args.prepare:
        prepare(args)
    settings.DEBUG = False
    skip = set(filter(None, args.skip.split(",")))
    root, group, _subsidiary, user, _counts = targets()
    today = root.local_date(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        f"# postgresql {version}, Django {django.get_version()}, Python {sys.version.split()[0]}; "
        f"{Unit.objects.count()} units, {Person.objects.count()} people "
        f"({Person.objects.filter(is_active=True).count()} active); gunicorn {args.workers} "
        f"sync workers; nproc {os.cpu_count()}; load {os.getloadavg()[0]:.2f}"
    )
    print(f"# reset: {reset(today)} check-ins of the benchmark's days deleted")
    _token, raw_token = create_token(user, "bench-health")
    server = start_server(args)
    dbname = connection.settings_dict["NAME"]
    figures = []
    try:
        if "batches" not in skip:
            batches = pick_batches(root, args.batches + 2 * args.workers, args.batch_size)
            warm, timed = batches[: 2 * args.workers], batches[2 * args.workers :]
            bodies = [api_body(u, people, API_DAY) for u, people in timed]
            warm_bodies = [api_body(u, people, WARM_DAY) for u, people in warm]
            results, _ = asyncio.run(
                post_batches(args.port, raw_token, warm_bodies, args.workers, not args.no_key)
            )
            bad = [(s, c[:300]) for s, _, c in results if s != 200]
            if bad:
                sys.exit(f"warm-up batches failed: {bad[:3]}")
            load0 = os.getloadavg()[0]
            cpu0 = cpu_seconds(server, dbname)
            results, wall = asyncio.run(
                post_batches(args.port, raw_token, bodies, args.clients, not args.no_key)
            )
            cpu = cpu_used(cpu0, server, dbname)
            bad = [(s, c[:300]) for s, _, c in results if s != 200]
            created = sum(json.loads(c)["created"] for s, _, c in results if s == 200)
            rows = args.batch_size * len(timed)
            lat = sorted(e for _, e, _ in results)
            api_rate = created / wall
            print(
                f"# API: {len(timed)} batches of {args.batch_size} ({created} created, "
                f"{len(bad)} failed {bad[:2]}) in {wall:.1f} s by {args.clients} clients: "
                f"{api_rate:.0f} check-ins/s; batch latency median {statistics.median(lat):.2f} s, "
                f"p95 {percentile(lat, 0.95):.2f} s; load {load0:.2f} -> "
                f"{os.getloadavg()[0]:.2f}"
            )
            k = rows / 1000
            print(
                f"# API CPU per 1,000 rows: gunicorn {cpu['django'] / k * 1000:.0f} ms, "
                f"PostgreSQL backends {cpu['postgres'] / k * 1000:.0f} ms, client "
                f"{cpu['client'] / k * 1000:.0f} ms"
            )
            print(
                f"# tallies of {API_DAY} equal a recount of its check-ins: {tallies_match(API_DAY)}"
            )
            floor_s, floor_cpu = floor_insert(timed, user, args.clients, day=FULL_DAY)
            floor_rate = rows / floor_s
            copy_s, copy_cpu = floor_insert(timed, user, args.clients, day=COPY_DAY, copy=True)
            copy_rate = rows / copy_s
            print(
                f"# floor: the same {rows} rows, plain psycopg, one transaction per batch, "
                f"{args.clients} connections: executemany INSERT {floor_s:.1f} s, "
                f"{floor_rate:.0f} rows/s (CPU per 1,000 rows: PostgreSQL "
                f"{floor_cpu['postgres'] / k * 1000:.0f} ms, client "
                f"{floor_cpu['client'] / k * 1000:.0f} ms); COPY {copy_s:.1f} s, "
                f"{copy_rate:.0f} rows/s (PostgreSQL {copy_cpu['postgres'] / k * 1000:.0f} ms, "
                f"client {copy_cpu['client'] / k * 1000:.0f} ms)"
            )
            figures += [
                ("Batch check-ins through the API (rows/s)", f"{api_rate:.0f}"),
                ("Floor: plain psycopg INSERT of the same rows (rows/s)", f"{floor_rate:.0f}"),
                ("API / floor", f"{100 * api_rate / floor_rate:.0f} %"),
                ("Floor with COPY (rows/s)", f"{copy_rate:.0f}"),
                ("API / COPY floor", f"{100 * api_rate / copy_rate:.0f} %"),
                (
                    "API CPU per 1,000 rows: gunicorn / PostgreSQL (ms)",
                    f"{cpu['django'] / k * 1000:.0f} / {cpu['postgres'] / k * 1000:.0f}",
                ),
                (
                    "Floor (INSERT) PostgreSQL CPU per 1,000 rows (ms)",
                    f"{floor_cpu['postgres'] / k * 1000:.0f}",
                ),
                (
                    "API batch latency median / p95 (s)",
                    f"{statistics.median(lat):.2f} / {percentile(lat, 0.95):.2f}",
                ),
            ]
        if "fill" not in skip:
            rows, tallies, filled, tallied = fill_day(user)
            print(
                f"# fill {FULL_DAY}: {rows} more check-ins (INSERT … SELECT) in {filled:.1f} s; "
                f"{tallies} tally rows built in {tallied:.1f} s"
            )
        if "summary" not in skip:
            n = Unit.objects.count()
            from fangkong.health.models import CheckIn, CheckInTally

            print(
                f"# {FULL_DAY}: {CheckIn.objects.filter(day=FULL_DAY).count()} check-ins, "
                f"{CheckInTally.objects.filter(day=FULL_DAY).count()} tally rows ({n} units)"
            )
            print()
            print("| scenario | median ms | p90 ms | min ms | queries |")
            print("|---|---:|---:|---:|---:|")
            for unit in (root, group):
                median, p90, fastest, captured = measure(
                    lambda unit=unit: get_checkin_summary(unit, FULL_DAY), args.runs
                )
                print(
                    f"| get_checkin_summary({unit.code}, {FULL_DAY}) | {median:.1f} | "
                    f"{p90:.1f} | {fastest:.1f} | {len(captured)} |"
                )
                for q in captured:
                    print(f"|   [{float(q['time']) * 1000:.1f} ms] `{q['sql'][:110]}` | | | | |")
                figures.append((f"`get_checkin_summary({unit.code})` median (ms)", f"{median:.1f}"))
                url = f"/api/v1/units/{unit.code}/checkin-summary?day={FULL_DAY.isoformat()}"
                auth = {"Authorization": f"Bearer {raw_token}"}

                async def timed_gets(url=url, auth=auth):
                    out = []
                    for i in range(args.runs + 3):
                        status, content, elapsed = await http("GET", args.port, url, headers=auth)
                        assert status == 200, (status, content[:300])
                        if i >= 3:
                            out.append(elapsed * 1000)
                    return sorted(out), json.loads(content)

                times, answer = asyncio.run(timed_gets())
                print(
                    f"| GET {url} (gunicorn) | {statistics.median(times):.1f} | "
                    f"{percentile(times, 0.9):.1f} | {times[0]:.1f} | |"
                )
                figures.append(
                    (
                        f"`GET …/units/{unit.code}/checkin-summary` median (ms)",
                        f"{statistics.median(times):.1f}",
                    )
                )
                print(
                    f"# {unit.code}: expected {answer['expected']}, checked in "
                    f"{answer['checked_in']}, by category {answer['by_category']}"
                )
            print()
        if "phone" not in skip:
            started = time.perf_counter()
            tokens = phone_links(user, args.phone_people)
            print(
                f"# phone: {len(tokens)} live links ready in {time.perf_counter() - started:.1f} s; "
                f"today in Asia/Shanghai: {today}"
            )
            asyncio.run(
                phone_load(
                    args.port, tokens[-args.phone_clients * 4 :], args.phone_clients, 2, "GET"
                )
            )  # warm-up
            phases = [
                ("POST", args.phone_seconds, tokens),
                ("GET", args.phone_seconds / 3, tokens),
                ("GET", args.phone_seconds / 3, ["not-a-link"] * args.phone_clients),
            ]
            for method, seconds, tokens in phases:
                load0 = os.getloadavg()[0]
                cpu0 = cpu_seconds(server, dbname)
                lat, statuses, wall = asyncio.run(
                    phone_load(args.port, tokens, args.phone_clients, seconds, method)
                )
                cpu = cpu_used(cpu0, server, dbname)
                client_cpu = cpu["client"]
                lat.sort()
                rate = len(lat) / wall
                median, p95 = statistics.median(lat) * 1000, percentile(lat, 0.95) * 1000
                print(
                    f"# phone {method} {tokens[0][:12]}…: {len(lat)} requests in {wall:.1f} s by "
                    f"{args.phone_clients} clients: {rate:.0f} req/s; latency median "
                    f"{median:.0f} ms, p95 {p95:.0f} ms, max {lat[-1] * 1000:.0f} ms; statuses "
                    f"{statuses}; load {load0:.2f} -> {os.getloadavg()[0]:.2f}"
                )
                n = len(lat)
                print(
                    f"#   CPU per request: gunicorn {cpu['django'] / n * 1000:.1f} ms, PostgreSQL "
                    f"backends {cpu['postgres'] / n * 1000:.1f} ms, client "
                    f"{client_cpu / n * 1000:.1f} ms ({100 * client_cpu / wall:.0f} % of a core)"
                )
                what = (
                    f"Phone page {method}"
                    if tokens[0] != "not-a-link"
                    else "Invalid link (404 page, no query)"
                )
                figures.append((f"{what}, {args.phone_clients} clients (req/s)", f"{rate:.0f}"))
                figures.append((f"{what} latency median / p95 (ms)", f"{median:.0f} / {p95:.0f}"))
                figures.append(
                    (
                        f"{what} CPU per request: gunicorn / PostgreSQL / client (ms)",
                        f"{cpu['django'] / n * 1000:.1f} / {cpu['postgres'] / n * 1000:.1f}"
                        f" / {client_cpu / n * 1000:.1f}",
                    )
                )
            from fangkong.health.models import CheckIn

            print(
                f"# phone check-ins today: {CheckIn.objects.filter(day__gte=today - timedelta(days=1)).count()}; "
                f"tallies equal a recount: {tallies_match(today)}"
            )
    finally:
        stop_server(server)
    print()
    print("| figure | value |")
    print("|---|---:|")
    for name, value in figures:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
