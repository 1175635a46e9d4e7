"""The province at the morning peak: 2 app servers, 2 workers, one PostgreSQL, and faults
(issue 15, bench/province.py).

    .venv/bin/python bench/province.py                # first run: initdb + seed (minutes)
    .venv/bin/python bench/province.py --reuse        # later runs reuse the seeded data dir
    .venv/bin/python bench/province.py --reuse --fault app     # kill -9 an app server
    .venv/bin/python bench/province.py --reuse --fault worker  # kill -9 the urgent worker
    .venv/bin/python bench/province.py --reuse --fault db      # pg_ctl restart -m immediate

PostgreSQL of its own: the bench runs `initdb` into `--data-dir` (as the `postgres` user
through `runuser` when it runs as root: initdb refuses root), starts it with `pg_ctl` on a
free port of 127.0.0.1 (jit=off), never the machine's own service, and stops it at the
end. Without `--reuse` the data dir is made afresh; with it a seeded one is used again.
The province is seeded once as `reporting_scale.py --prepare` does (`fangkong seed-demo
--units 10000 --people 1000000`, the daily form on 9,969 units with a 09:00 cut-off and
`--days` days of history).

The shape of a province deployment on one machine: two app servers (two gunicorn masters
on two ports, `--app-workers` sync workers each), two `fangkong worker` processes (`--only
urgent`: incident escalation, delivery, follow-ups; `--except urgent`: the rest), and a
local HTTP receiver (notify.testing.WebhookReceiver, in this process) standing in for
the WeCom robots of the root and of every group. This process acts as systemd would with
`Restart=always`, `RestartSec=1`: an app server or worker that dies is started again
after 1 s.

The replay, `--seconds` long, all at once, each request to the two app servers in turn
(as nginx's round robin): phone check-ins through people's links (`--phone-clients`
closed-loop clients, each person once), API batches from liaisons (`--liaisons` clients,
`--batch-size` people of one subsidiary each, with an Idempotency-Key), report filings
for today before the 09:00 cut-off (`--filers` clients, each a unit's report with an
Idempotency-Key, through `PUT /api/v1/reports/daily/…`), an incident every
`--incident-every` s (`POST /api/v1/incidents`, the levels above are told), readers of
the root's report overview (`--readers`) and of the workbench command view of the root
(`--commanders`). A write that fails (no answer, 5xx) is sent again with the same key
after 0.5 s, to the other app server, as a phone or a liaison's client would, until it
gets an answer (up to 30 s after the replay).

`--fault app,worker,db` injects faults during the replay (spread over its middle): kill
-9 of the first app server's gunicorn master, kill -9 of the urgent worker, `pg_ctl
restart -m immediate` of the bench's PostgreSQL. Afterwards the bench checks: every write
answered 2xx is stored (check-ins by person and Idempotency-Key, batches by their people,
filings by their unit's revisions, incidents by id), none twice, today's check-in tallies
equal a recount, every queued message is delivered (the outbox has nothing left to send;
the receiver got each robot message once, repeats counted), and how long each app server
took to answer 2xx again after its restart or after the database came back, and what
the workers' logs say.

It prints per kind throughput, latency percentiles (p50/p90/p99 of the answered
requests), errors, and the CPU split between gunicorn, PostgreSQL, the workers and this
process (from /proc). Check-ins, filings, incidents and messages of the bench's earlier
runs are deleted first. Figures are printed; timing never fails.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT_DIR))
sys.path.insert(0, str(ROOT_DIR / "bench"))
from health_scale import http, percentile, tallies_match, values_for  # noqa: E402

HOST = "127.0.0.1"
DBNAME = "fk_province"
TITLE = "province-bench"  # incidents of the bench: their title starts with it
KINDS = ["phone", "batch", "filing", "incident", "overview", "command"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/fk_province_pg", help="PostgreSQL's files")
    parser.add_argument("--reuse", action="store_true", help="reuse a seeded --data-dir")
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90, help="days of report history")
    parser.add_argument("--seconds", type=float, default=90, help="length of the replay")
    parser.add_argument("--app-workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--phone-clients", type=int, default=20)
    parser.add_argument("--phone-people", type=int, default=10_000, help="links issued")
    parser.add_argument("--liaisons", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--filers", type=int, default=3)
    parser.add_argument("--incident-every", type=float, default=10.0)
    parser.add_argument("--readers", type=int, default=2, help="root report overview readers")
    parser.add_argument("--commanders", type=int, default=1, help="root command view readers")
    parser.add_argument("--fault", default="", help="comma-separated: app,worker,db")
    parser.add_argument("--lease", type=float, default=10.0, help="the outbox lease, s")
    parser.add_argument(
        "--preload",
        action="store_true",
        help="gunicorn --preload: a restarted server binds its port once the app is loaded",
    )
    parser.add_argument("--logs", default="/tmp/fk_province_logs", help="servers' logs")
    return parser.parse_args()


# --- PostgreSQL of its own -----------------------------------------------------------------


def pg_bin() -> Path:
    out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True)
    if out.returncode == 0 and (Path(out.stdout.strip()) / "initdb").exists():
        return Path(out.stdout.strip())
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        sys.exit("No PostgreSQL server binaries (initdb) found.")
    return found[-1].parent


def as_postgres(cmd: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: run them as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self, args):
        self.bin = pg_bin()
        self.dir = Path(args.data_dir)
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()

    def ctl(self, *words, check=True):
        cmd = as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), *words])
        return subprocess.run(cmd, capture_output=True, text=True, check=check)

    def start(self, reuse: bool) -> bool:
        """Start it; returns whether the data dir was made afresh."""
        if self.data.exists():
            self.ctl("stop", "-m", "fast", check=False)  # an earlier run's, if left running
        fresh = not (reuse and (self.data / "PG_VERSION").exists())
        if fresh:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres", "postgres")
            subprocess.run(
                as_postgres(
                    [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres"]
                    + ["--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
                ),
                check=True,
                capture_output=True,
            )
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.dir} -c jit=off "
            "-c max_connections=100 -c shared_buffers=512MB"
        )
        self.ctl("start", "-w", "-t", "60", "-l", str(self.log), "-o", options)
        if fresh:
            subprocess.run(
                [
                    "psql",
                    "-h",
                    HOST,
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-qc",
                    f"CREATE DATABASE {DBNAME}",
                ],
                check=True,
            )
        return fresh

    def restart_immediate(self):
        # pg_ctl restart starts it again with the options of the last start (postmaster.opts)
        return self.ctl("restart", "-m", "immediate", "-w", "-t", "60", "-l", str(self.log))

    def stop(self):
        self.ctl("stop", "-m", "fast", check=False)

    def postmaster(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{DBNAME}"


# --- processes, restarted as systemd's Restart=always would ------------------------------


class Supervised:
    def __init__(self, name, cmd, env, log_path):
        self.name, self.cmd, self.env, self.log_path = name, cmd, env, log_path
        self.proc = None
        self.restarts: list[float] = []  # monotonic times of the restarts
        self.deaths: list[float] = []
        self.orphans: list[int] = []  # processes left in its group at each death
        self.start()

    def start(self):
        log = open(self.log_path, "a")
        log.write(f"--- started {time.strftime('%H:%M:%S')} ---\n")
        log.flush()
        # A session (process group) of its own: the unit's control group under systemd.
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.started_at = time.time()

    def kill_rest(self, grace: float = 2.0) -> int:
        """What systemd does when a unit's main process has died (KillMode=control-group or
        mixed): the processes left in its group (gunicorn's orphaned workers, which would
        go on serving and hold the port) get SIGTERM, then SIGKILL after `grace`. Returns
        how many were left."""
        pgid = self.proc.pid
        left = [p for p in _group(pgid) if p != pgid]
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 1.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _group(pgid):
                time.sleep(0.05)
        return len(left)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Supervisor(threading.Thread):
    """Every 0.1 s: a process that died is started again 1 s later (RestartSec=1)."""

    def __init__(self, units: list[Supervised]):
        super().__init__(daemon=True)
        self.units, self.stopping = units, threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for unit in self.units:
                if unit.proc.poll() is not None and not self.stopping.is_set():
                    unit.deaths.append(time.monotonic())
                    unit.orphans.append(unit.kill_rest())
                    time.sleep(1.0)
                    if not self.stopping.is_set():
                        unit.start()
                        unit.restarts.append(time.monotonic())
            time.sleep(0.1)


# --- CPU from /proc ------------------------------------------------------------------------


def _group(pgid: int) -> list[int]:
    """The live processes of a process group."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


def _stat(pid: int) -> tuple[int, int]:
    """(utime + stime, cutime + cstime) in clock ticks; (0, 0) if the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def tree_ticks(pid: int) -> int:
    """CPU of a process, of its children that it reaped (cutime) and of the live ones."""
    own, reaped = _stat(pid)
    return own + reaped + sum(tree_ticks(c) for c in _children(pid))


class CpuSampler(threading.Thread):
    """Samples the CPU of each role's process trees every 0.5 s; a tree that dies keeps
    its last sample (at most 0.5 s is missed), one started later counts from zero."""

    def __init__(self, roles):
        super().__init__(daemon=True)
        self.roles = roles  # name -> callable returning the top pids now
        self.last: dict[tuple[str, int], int] = {}
        self.base: dict[tuple[str, int], int] = {}
        self.stopping = threading.Event()
        self.sample(base=True)
        self.client0 = time.process_time()

    def sample(self, base=False):
        for role, pids in self.roles.items():
            for pid in pids():
                if pid:
                    ticks = tree_ticks(pid)
                    if ticks:
                        self.last[(role, pid)] = ticks
                        if base:
                            self.base[(role, pid)] = ticks

    def run(self):
        while not self.stopping.wait(0.5):
            self.sample()

    def totals(self) -> dict[str, float]:
        self.sample()
        hz = os.sysconf("SC_CLK_TCK")
        out = defaultdict(float)
        for (role, pid), ticks in self.last.items():
            out[role] += (ticks - self.base.get((role, pid), 0)) / hz
        out["load generator"] = time.process_time() - self.client0
        return out


# --- data ----------------------------------------------------------------------------------


def prepare_data(args):
    import reporting_scale
    from django.contrib.auth import get_user_model  # noqa: F401 - apps ready

    reporting_scale.prepare(args)  # migrate, seed, assign the daily form, the history


def reset(today, user):
    """Delete what earlier runs of the bench wrote, so it can run again."""
    from django.db import connection, transaction

    from fangkong.incidents.models import Incident
    from fangkong.notify.models import Message
    from fangkong.reporting.models import DailyReport, ReportRevision

    recent = today - timedelta(days=2)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM health_checkinrevision WHERE checkin_id IN "
            "(SELECT id FROM health_checkin WHERE day >= %s)",
            [recent],
        )
        cursor.execute(
            "UPDATE health_healthcase SET checkin_id = NULL WHERE checkin_id IN "
            "(SELECT id FROM health_checkin WHERE day >= %s)",
            [recent],
        )
        cursor.execute("DELETE FROM health_checkin WHERE day >= %s", [recent])
        checkins = cursor.rowcount
        cursor.execute("DELETE FROM health_checkintally WHERE day >= %s", [recent])
    # Today's filings back to missing (the rows stay: the sweep made them at midnight).
    today_reports = DailyReport.objects.filter(day=today).exclude(first_filed_at=None)
    ReportRevision.objects.filter(report__in=today_reports).delete()
    reports = today_reports.update(
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
    incidents = Incident.objects.filter(title__startswith=TITLE).delete()[0]
    messages = Message.objects.all().delete()[0]
    return checkins, reports, incidents, messages


def robots(receiver):
    """A WeCom robot at the receiver for the root and for every group."""
    from fangkong.notify.choices import Channel
    from fangkong.notify.models import UnitChannel
    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE

    UnitChannel.objects.filter(name__startswith="province-bench").delete()
    root = Unit.objects.get(code=ROOT_CODE)
    units = [root, *Unit.objects.filter(parent=root)]
    UnitChannel.objects.bulk_create(
        UnitChannel(
            unit=u,
            kind=Channel.WECOM,
            name=f"province-bench {u.code}",
            target=receiver.url(f"/cgi-bin/webhook/send?key={u.code}"),
        )
        for u in units
    )
    return len(units)


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def liaison_batches(root, count, size, skip_step):
    """[(unit code, [person row])]: subsidiaries' active people, none with a phone link."""
    from fangkong.orgs.models import Person, Unit

    out = []
    for unit in Unit.objects.subtree(root).filter(kind="subsidiary").order_by("?")[: count * 2]:
        people = [
            p
            for p in Person.objects.in_subtree(unit)
            .filter(is_active=True)
            .order_by("employee_no")
            .values("id", "employee_no")[: size * 2]
            if p["id"] % skip_step != 3
        ][:size]
        if len(people) == size:
            out.append((unit.code, people))
        if len(out) == count:
            break
    return out


# --- the load ------------------------------------------------------------------------------


class Load:
    def __init__(self, args, ports, token, cookie):
        self.args, self.ports, self.token, self.cookie = args, ports, token, cookie
        self.turn = 0
        self.latency = defaultdict(list)  # kind -> seconds of answered 2xx requests
        self.statuses = defaultdict(Counter)  # kind -> status (0: no answer) of every attempt
        self.samples = defaultdict(list)  # kind -> first bodies of 4xx answers
        self.ok_at = defaultdict(list)  # port -> monotonic times of 2xx answers
        self.stored = defaultdict(list)  # kind -> what a 2xx said is stored
        self.unanswered = Counter()  # writes that never got an answer
        self.stop_at = 0.0

    def port(self):
        self.turn += 1
        return self.ports[self.turn % len(self.ports)]

    async def request(self, kind, method, path, *, headers=None, body=b"", retry=False):
        """(status, body) of the first answer that is not a failure; writes are sent again
        (same headers, so the same Idempotency-Key) after a failure."""
        give_up = self.stop_at + 30
        while True:
            port = self.port()
            try:
                status, content, elapsed = await asyncio.wait_for(
                    http(method, port, path, headers=headers, body=body), 35
                )
            except (TimeoutError, OSError, IndexError, ValueError):
                status, content, elapsed = 0, b"", 0.0
            self.statuses[kind][status] += 1
            if 200 <= status < 300:
                self.latency[kind].append(elapsed)
                self.ok_at[port].append(time.monotonic())
                return status, content
            if 400 <= status < 500 and status != 429:
                if len(self.samples[kind]) < 3:
                    self.samples[kind].append((status, content[:200]))
                return status, content
            if not retry or time.monotonic() > give_up:
                if retry:
                    self.unanswered[kind] += 1
                return status, content
            await asyncio.sleep(0.5)

    def running(self):
        return time.monotonic() < self.stop_at

    async def phones(self, tokens):
        """tokens: [(person id, token)]; every person checks in once."""
        n = self.args.phone_clients

        async def phone(mine):
            for person_id, token in mine:
                if not self.running():
                    return
                key = uuid.uuid4().hex
                v = values_for(person_id)
                form = {
                    "temperature": str(v["temperature"]),
                    "whereabouts": v["whereabouts"],
                    "category": v["category"],
                    "key": key,
                }
                body = "&".join(f"{k}={val}" for k, val in form.items()).encode()
                headers = {"Content-Type": "application/x-www-form-urlencoded"}
                status, _ = await self.request(
                    "phone", "POST", f"/health/c/{token}/", headers=headers, body=body, retry=True
                )
                if 200 <= status < 300:
                    self.stored["phone"].append((person_id, key))

        await asyncio.gather(*[phone(tokens[i::n]) for i in range(n)])

    async def liaisons(self, batches, day):
        queue = list(batches)

        async def liaison():
            while queue and self.running():
                unit, people = queue.pop()
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
                body = json.dumps({"unit": unit, "day": day.isoformat(), "checkins": rows})
                headers = {
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex,
                }
                status, content = await self.request(
                    "batch",
                    "POST",
                    "/api/v1/checkins",
                    headers=headers,
                    body=body.encode(),
                    retry=True,
                )
                if 200 <= status < 300:
                    self.stored["batch"].append([p["id"] for p in people])
                await asyncio.sleep(1.0)

        await asyncio.gather(*[liaison() for _ in range(self.args.liaisons)])

    async def filers(self, units, day):
        queue = list(units)
        rng = random.Random(5)

        async def filer():
            from fangkong.reporting.demo import daily_values

            while queue and self.running():
                code, staff = queue.pop()
                values = daily_values(staff, rng)
                headers = {
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": uuid.uuid4().hex,
                }
                body = json.dumps({"values": values, "confirm": True, "comment": "bench"})
                status, _ = await self.request(
                    "filing",
                    "PUT",
                    f"/api/v1/reports/daily/{code}/{day.isoformat()}",
                    headers=headers,
                    body=body.encode(),
                    retry=True,
                )
                if 200 <= status < 300:
                    self.stored["filing"].append(code)

        await asyncio.gather(*[filer() for _ in range(self.args.filers)])

    async def incidents(self, units):
        n = 0
        while self.running():
            await asyncio.sleep(self.args.incident_every)
            if not self.running():
                return
            n += 1
            key = uuid.uuid4().hex
            body = json.dumps(
                {
                    "unit": random.choice(units),
                    "kind": "fever",
                    "title": f"{TITLE} {key}",
                    "discovered_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
                    "place": "gate",
                }
            ).encode()
            headers = {
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            }
            status, content = await self.request(
                "incident", "POST", "/api/v1/incidents", headers=headers, body=body, retry=True
            )
            if 200 <= status < 300:
                self.stored["incident"].append((json.loads(content)["id"], key))

    async def readers(self, kind, path, clients):
        headers = {"Cookie": self.cookie}

        async def reader():
            while self.running():
                await self.request(kind, "GET", path, headers=headers)

        await asyncio.gather(*[reader() for _ in range(clients)])

    async def replay(self, tokens, batches, units, day, incident_units, faults):
        self.stop_at = time.monotonic() + self.args.seconds
        await asyncio.gather(
            self.phones(tokens),
            self.liaisons(batches, day),
            self.filers(units, day),
            self.incidents(incident_units),
            self.readers("overview", "/reports/overview/?form=daily&unit=SYN", self.args.readers),
            self.readers("command", "/workbench/command/?unit=SYN", self.args.commanders),
            faults(),
        )


# --- checks --------------------------------------------------------------------------------


def check(load, today):
    """lost and doubled per kind: writes answered 2xx that are not stored, stored twice."""
    from django.db.models import Count

    from fangkong.health.models import CheckIn, CheckInRevision
    from fangkong.incidents.models import Incident
    from fangkong.reporting.models import DailyReport, ReportRevision

    out = {}
    phone = dict(load.stored["phone"])
    kept = dict(
        CheckIn.objects.filter(day=today, person_id__in=list(phone)).values_list(
            "person_id", "idempotency_key"
        )
    )
    lost = sum(1 for p, key in phone.items() if kept.get(p) != key)
    revised = CheckInRevision.objects.filter(checkin__day=today).count()
    out["phone"] = (len(phone), lost, revised)
    people = [p for batch in load.stored["batch"] for p in batch]
    there = set(
        CheckIn.objects.filter(day=today, person_id__in=people).values_list("person_id", flat=True)
    )
    out["batch"] = (len(people), len(set(people) - there), len(people) - len(set(people)))
    codes = load.stored["filing"]
    filed = dict(
        DailyReport.objects.filter(form__code="daily", day=today, unit__code__in=codes)
        .exclude(filed_at=None)
        .values_list("unit__code", "revision_count")
    )
    revisions = (
        ReportRevision.objects.filter(report__day=today, report__unit__code__in=codes)
        .values("report_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    out["filing"] = (len(codes), sum(1 for c in codes if c not in filed), revisions)
    ids = [i for i, _ in load.stored["incident"]]
    found = set(Incident.objects.filter(pk__in=ids).values_list("pk", flat=True))
    titles = Counter(
        Incident.objects.filter(title__startswith=TITLE).values_list("title", flat=True)
    )
    out["incident"] = (len(ids), len(set(ids) - found), sum(n - 1 for n in titles.values()))
    out["tallies equal a recount"] = tallies_match(today)
    return out


def outbox(receiver, wait: float):
    """Wait until nothing is left to send; (states, robot messages, received once, repeats,
    not received)."""
    from django.db import connection

    from fangkong.notify.channels import delivery_key
    from fangkong.notify.choices import CLAIMABLE, Channel
    from fangkong.notify.models import Message

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if not Message.objects.filter(state__in=CLAIMABLE).exists():
                break
        except Exception:
            connection.close()
        time.sleep(1)
    states = Counter(Message.objects.values_list("state", flat=True))
    robot = [delivery_key(m) for m in Message.objects.filter(channel=Channel.WECOM)]
    got = Counter(r.headers.get("X-Fangkong-Message") for r in receiver.requests)
    once = sum(1 for k in robot if got[k] >= 1)
    repeats = sum(max(0, got[k] - 1) for k in robot)
    return dict(states), len(robot), once, repeats, len(robot) - once


def log_lines(path: Path, words, limit=6):
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if any(w in line for w in words)][-limit:]


# --- main ---------------------------------------------------------------------------------


def main():
    args = parse_args()
    faults_wanted = [f for f in args.fault.split(",") if f]
    if set(faults_wanted) - {"app", "worker", "db"}:
        sys.exit("--fault takes app, worker, db")
    pg = Postgres(args)
    started = time.perf_counter()
    fresh = pg.start(args.reuse)
    os.environ["DATABASE_URL"] = pg.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "fangkong.settings"
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from fangkong.core.auth import create_token
    from fangkong.notify.testing import WebhookReceiver
    from fangkong.orgs.models import Person, Unit
    from fangkong.orgs.synthetic import ROOT_CODE
    from fangkong.reporting.models import Assignment, ReportForm

    supervised, sampler, supervisor = [], None, None
    logs = Path(args.logs)
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    try:
        prepare_data(args)
        prepared = time.perf_counter() - started
        from orgs_scale import bench_user

        root = Unit.objects.get(code=ROOT_CODE)
        user = bench_user(root)
        today = root.local_date(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        print(
            f"# PostgreSQL {version} of its own on port {pg.port} ({'fresh' if fresh else 'reused'}"
            f" data dir {pg.data}, ready in {prepared:.0f} s), Django {django.get_version()}; "
            f"{Unit.objects.count()} units, {Person.objects.count()} people; 2 app servers x "
            f"{args.app_workers} gunicorn workers, 2 workers (urgent / the rest); nproc "
            f"{os.cpu_count()}; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
            f"today {today} (Asia/Shanghai), {timezone.localtime(timezone.now()):%H:%M}"
        )
        deleted = reset(today, user)
        # What the routine worker did before 07:00 of a real morning: yesterday's, today's
        # and tomorrow's expected reports, yesterday's lapses in the ledger (once: minutes
        # on a fresh province; later runs find them done).
        t0 = time.perf_counter()
        from fangkong.accountability.sweeps import record_overdue
        from fangkong.reporting.sweeps import sync_expected_reports

        sync_expected_reports()
        record_overdue()
        print(
            f"# the night's sweeps (expected reports, the ledger) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        print(
            f"# reset: {deleted[0]} check-ins, {deleted[1]} reports, {deleted[2]} incidents, "
            f"{deleted[3]} messages of earlier runs deleted"
        )
        step = 10
        t0 = time.perf_counter()
        people = list(
            Person.objects.filter(is_active=True)
            .extra(where=[f"id %% {step} = 3"])
            .order_by("?")[: args.phone_people]
        )
        from fangkong.health.services.checkins import issue_links, link_token

        links = issue_links(actor=user, people=people)
        tokens = [(link.person_id, link_token(link)) for link in links]
        batches = liaison_batches(root, 400, args.batch_size, step)
        form = ReportForm.objects.get(code="daily")
        assignment = Assignment.objects.get(form=form, root=root)
        staff = dict(
            Person.objects.in_subtree(root)
            .filter(is_active=True)
            .values_list("unit__code")
            .annotate(n=django.db.models.Count("id"))
            .order_by()
        )
        filing_units = [
            (u.code, staff.get(u.code, 5))
            for u in Unit.objects.subtree(root, include_self=False)
            .filter(kind__in=assignment.unit_kinds)
            .order_by("?")[:5000]
        ]
        incident_units = list(
            Unit.objects.subtree(root)
            .filter(kind="subsidiary")
            .values_list("code", flat=True)[:200]
        )
        _token, raw_token = create_token(user, "province-bench")
        cookie = session_cookie(user)
        print(
            f"# ready in {time.perf_counter() - t0:.1f} s: {len(tokens)} phone links, "
            f"{len(batches)} liaison batches of {args.batch_size}, {len(filing_units)} units to "
            f"file"
        )
        connection.close()

        with WebhookReceiver() as receiver:
            print(f"# robots at the receiver: {robots(receiver)} (the root and its groups)")
            connection.close()
            env = {k: v for k, v in os.environ.items() if k != "FANGKONG_DEBUG"}
            env.update(
                DATABASE_URL=pg.url,
                FANGKONG_ALLOWED_HOSTS=f"{HOST},localhost",
                FANGKONG_NOTIFY_LEASE_SECONDS=str(args.lease),
                FANGKONG_LOG_FORMAT="plain",
            )
            gunicorn = str(ROOT_DIR / ".venv/bin/gunicorn")
            ports = [free_port(), free_port()]
            apps = [
                Supervised(
                    f"app{i + 1}",
                    [
                        gunicorn,
                        "fangkong.wsgi",
                        "-w",
                        str(args.app_workers),
                        "-b",
                        f"{HOST}:{port}",
                        "--backlog",
                        "2048",
                        *(["--preload"] if args.preload else []),
                    ],
                    env,
                    logs / f"app{i + 1}.log",
                )
                for i, port in enumerate(ports)
            ]
            fangkong = [sys.executable, "-m", "fangkong.cli", "worker"]
            workers = [
                Supervised("urgent", [*fangkong, "--only", "urgent"], env, logs / "urgent.log"),
                Supervised("routine", [*fangkong, "--except", "urgent"], env, logs / "routine.log"),
            ]
            supervised = apps + workers
            wait_ready(ports)
            supervisor = Supervisor(supervised)
            supervisor.start()
            sampler = CpuSampler(
                {
                    "gunicorn": lambda: [a.proc.pid for a in apps],
                    "PostgreSQL": lambda: [pg.postmaster()],
                    "workers": lambda: [w.proc.pid for w in workers],
                }
            )
            sampler.start()
            load = Load(args, ports, raw_token, cookie)
            events = []  # (name, monotonic time, text)

            async def faults():
                if not faults_wanted:
                    return
                gap = args.seconds / (len(faults_wanted) + 1)
                for fault in faults_wanted:
                    await asyncio.sleep(gap)
                    at, wall_at = time.monotonic(), time.time()
                    if fault == "app":
                        os.kill(apps[0].proc.pid, signal.SIGKILL)
                        text = "kill -9 of app1's gunicorn master"
                    elif fault == "worker":
                        os.kill(workers[0].proc.pid, signal.SIGKILL)
                        text = "kill -9 of the urgent worker"
                    else:
                        done = await asyncio.to_thread(pg.restart_immediate)
                        text = (
                            f"pg_ctl restart -m immediate: PostgreSQL back after "
                            f"{time.monotonic() - at:.1f} s (rc {done.returncode})"
                        )
                    events.append((fault, at, wall_at, time.monotonic(), time.time(), text))

            load0 = os.getloadavg()
            wall0 = time.monotonic()
            asyncio.run(load.replay(tokens, batches, filing_units, today, incident_units, faults))
            wall = time.monotonic() - wall0
            cpu = sampler.totals()
            load1 = os.getloadavg()
            print(
                f"# replay: {wall:.1f} s (writes retried up to 30 s after {args.seconds:.0f} s); "
                f"load {load0[0]:.2f} -> {load1[0]:.2f}"
            )
            print()
            print("| kind | answered 2xx | per s | p50 ms | p90 ms | p99 ms | other answers |")
            print("|---|---:|---:|---:|---:|---:|---|")
            for kind in KINDS:
                lat = sorted(load.latency[kind])
                others = {s: n for s, n in load.statuses[kind].items() if not 200 <= s < 300}
                if not lat:
                    print(f"| {kind} | 0 | | | | | {others} |")
                    continue
                print(
                    f"| {kind} | {len(lat)} | {len(lat) / args.seconds:.1f} | "
                    f"{statistics.median(lat) * 1000:.0f} | {percentile(lat, 0.9) * 1000:.0f} | "
                    f"{percentile(lat, 0.99) * 1000:.0f} | {others or ''} |"
                )
            print()
            total = sum(cpu.values())
            print(
                "# CPU seconds: "
                + ", ".join(f"{k} {v:.1f} ({100 * v / total:.0f} %)" for k, v in cpu.items())
                + f" of {2 * wall:.0f} core-seconds of the machine in the replay"
            )
            for kind, samples in load.samples.items():
                print(f"# {kind}: 4xx answers, first ones: {samples}")
            if load.unanswered:
                print(f"# writes never answered (given up): {dict(load.unanswered)}")
            for _name, at, _w, _e, _we, text in events:
                print(f"# fault at {at - wall0:.1f} s: {text}")
            connection.close()
            states, robot, once, repeats, missing = outbox(receiver, 120)
            print(
                f"# outbox: {states}; robot messages {robot}, received {once}, repeats "
                f"{repeats}, not received {missing}"
            )
            recovery(events, apps, workers, load, wall0, logs)
            results = check(load, today)
            lost = doubled = 0
            for kind in ["phone", "batch", "filing", "incident"]:
                answered, lost_k, doubled_k = results[kind]
                lost += lost_k
                doubled += doubled_k
                print(f"# {kind}: {answered} answered 2xx, lost {lost_k}, doubled {doubled_k}")
            print(
                f"# today's check-in tallies equal a recount: {results['tallies equal a recount']}"
            )
            print(
                f"# RESULT fault={args.fault or 'none'}: lost: {lost}, doubled: {doubled}, "
                f"outbox left: {sum(states.get(s, 0) for s in ('queued', 'sending', 'failed'))}, "
                f"robot repeats: {repeats}"
            )
    finally:
        if supervisor:
            supervisor.stopping.set()
            supervisor.join(5)
        if sampler:
            sampler.stopping.set()
        for unit in supervised:
            unit.stop()
        connection.close()
        pg.stop()


def wait_ready(ports):
    deadline = time.monotonic() + 60
    for port in ports:
        while True:
            try:
                status, _, _ = asyncio.run(http("GET", port, "/healthz"))
                if status:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn on {port} did not start: see the logs")
            time.sleep(0.3)


def _log_times(path: Path, words) -> list[float]:
    """Epoch seconds of the log lines (asctime in the settings' time zone) with a word."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE)
    out = []
    for line in log_lines(path, words, limit=100_000):
        try:
            at = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=zone)
        except ValueError:
            continue
        out.append(at.timestamp())
    return out


def recovery(events, apps, workers, load, wall0, logs):
    """Time from each restart (or the database's return) to the app servers' next 2xx and
    to the workers' next delivery round, from their logs."""

    def after(times, t):
        return next((x - t for x in sorted(times) if x > t), None)

    def said(seconds):
        return f"{seconds:.1f} s" if seconds is not None else "never"

    delivered = _log_times(logs / "urgent.log", ["sweep notify.deliver done"])
    routine = _log_times(logs / "routine.log", [" done in "])
    for name, at, wall_at, back, wall_back, _text in events:
        if name == "app":
            app = apps[0]
            restart = next((r for r in app.restarts if r > at), None)
            if restart is None:
                print("#   app1 was not restarted")
                continue
            print(
                f"#   app1 restarted {restart - at:.1f} s after the kill (its "
                f"{app.orphans[0] if app.orphans else '?'} orphaned workers stopped first, as "
                f"systemd's control group does); first 2xx "
                f"{said(after(load.ok_at[load.ports[0]], restart))} after the restart; app2 "
                f"answered 2xx {said(after(load.ok_at[load.ports[1]], at))} after the kill"
            )
        elif name == "worker":
            w = workers[0]
            restart = next((r for r in w.restarts if r > at), None)
            wall_restart = wall_at + (restart - at) if restart else None
            print(
                f"#   urgent worker restarted {restart - at:.1f} s after the kill; its first "
                f"delivery round {said(after(delivered, wall_restart))} after the restart"
                if restart
                else "#   the urgent worker was not restarted"
            )
        elif name == "db":
            for port, app in zip(load.ports, apps, strict=True):
                print(
                    f"#   {app.name}: first 2xx {said(after(load.ok_at[port], back))} after "
                    f"PostgreSQL was back (restarts by the supervisor: {len(app.restarts)})"
                )
            print(
                f"#   urgent worker: next delivery round {said(after(delivered, wall_back))} "
                f"after PostgreSQL was back; routine worker: next sweep "
                f"{said(after(routine, wall_back))} (restarts: {len(workers[0].restarts)}, "
                f"{len(workers[1].restarts)})"
            )
    for w in workers:
        lines = log_lines(logs / f"{w.name}.log", ["database unavailable", "reachable again"])
        for line in lines:
            print(f"#   {w.name} log: {line[:200]}")
        errors = len(log_lines(logs / f"{w.name}.log", ["Traceback"], limit=100_000))
        if errors:
            print(f"#   {w.name} log: {errors} tracebacks")
    for app in apps:
        errors = log_lines(logs / f"{app.name}.log", ["ERROR django.request"], limit=100_000)
        if errors:
            print(f"#   {app.name} log: {len(errors)} errors, last: {errors[-1][:160]}")


if __name__ == "__main__":
    main()
