"""Connection pooling on PostgreSQL (issue 15): the same HTTP load through nginx to N
`fangkong serve` app servers, with each way of keeping the database connections
(FANGKONG_DB_POOL), and the PostgreSQL connections each way holds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fk_bench .venv/bin/python bench/pooling.py

The database must exist and be migrated (`fangkong migrate`); nothing is written to it but
what the pages write (nothing: `/login/` renders a form, `/healthz` reads four rows).
Needs wrk and nginx on the PATH (or /usr/sbin), and pgbouncer for the PgBouncer mode
(started here as a process of its own on a free port, run as the postgres user when this
runs as root — never the machine's service). Each mode's servers are started afresh.

Modes:
  reconnect   FANGKONG_DB_CONN_MAX_AGE=0: a new connection for every request (the floor)
  persistent  FANGKONG_DB_CONN_MAX_AGE=60 (the default): one kept connection per process
  psycopg     FANGKONG_DB_POOL=psycopg: Django's psycopg pool in each process
  pgbouncer   FANGKONG_DB_POOL=pgbouncer: through PgBouncer in transaction mode, with kept
              client connections to it
  pgbouncer-reconnect  the same with a new client connection to PgBouncer every request
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
MODES = ["reconnect", "persistent", "psycopg", "pgbouncer", "pgbouncer-reconnect"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def wait_answers(url: str, within: float = 90) -> None:
    """Until `url` answers 200 (/healthz: the database answers through this mode)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} never answered")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=10)


def as_postgres() -> list[str]:
    if os.geteuid() != 0:
        return []
    pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--"]


class Sampler(threading.Thread):
    """The database's client backends (this sampler's own left out), twice a second."""

    def __init__(self, admin_url: str, dbname: str):
        super().__init__(daemon=True)
        import psycopg

        self.conn = psycopg.connect(admin_url, autocommit=True)
        self.dbname = dbname
        self.samples: list[int] = []
        self.done = threading.Event()

    def count(self) -> int:
        return self.conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
            [self.dbname],
        ).fetchone()[0]

    def run(self):
        while not self.done.wait(0.5):
            self.samples.append(self.count())

    def finish(self) -> tuple[int, int]:
        self.done.set()
        self.join()
        after = self.count()
        self.conn.close()
        return max(self.samples or [after]), after


def parse_wrk(out: str) -> dict:
    def seconds(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rate": rate,
        "p50": seconds(latency["50"]) * 1000,
        "p99": seconds(latency["99"]) * 1000,
        "non2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections")
    parser.add_argument("--seconds", type=int, default=8, help="each run")
    parser.add_argument(
        "--bouncer-pool", type=int, default=2, help="PgBouncer's server connections (pool size)"
    )
    parser.add_argument("--paths", default="/login/,/healthz")
    parser.add_argument("--modes", default=",".join(MODES))
    args = parser.parse_args()
    # Stopped by a signal, the servers, nginx and PgBouncer are still stopped (finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if not args.database.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database (or DATABASE_URL) must be a migrated PostgreSQL database")
    modes = args.modes.split(",")
    unknown = set(modes) - set(MODES)
    if unknown:
        raise SystemExit(f"unknown modes: {', '.join(sorted(unknown))}")
    wrk, nginx = which("wrk"), which("nginx")
    if not wrk or not nginx:
        raise SystemExit("needs wrk and nginx")
    parts = urlsplit(args.database)
    dbname = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))

    tmp = Path(tempfile.mkdtemp(prefix="fk-pooling-"))
    os.chmod(tmp, 0o755)
    ports = [free_port() for _ in range(args.servers)]
    proxy_port = free_port()
    upstream = "\n".join(f"    server 127.0.0.1:{p};" for p in ports)
    # The proxy part of deploy/nginx-fangkong.conf, over plain HTTP.
    (tmp / "nginx.conf").write_text(f"""
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
  upstream fangkong {{
    least_conn;
{upstream}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{proxy_port};
    location / {{
      proxy_pass http://fangkong;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }}
  }}
}}
""")
    processes: list[subprocess.Popen] = []
    bouncer: subprocess.Popen | None = None
    rows = []
    load_before = os.getloadavg()
    try:
        proxy = subprocess.Popen(
            [nginx, "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"],
            start_new_session=True,
        )
        processes.append(proxy)
        for mode in modes:
            # PgBouncer runs for its modes only: its idle server connections would be
            # counted against the next mode.
            if mode.startswith("pgbouncer"):
                bouncer_bin = which("pgbouncer")
                if not bouncer_bin:
                    raise SystemExit(
                        "the pgbouncer modes need pgbouncer (apt-get install pgbouncer)"
                    )
                bouncer_port = free_port()
                user = parts.username or "postgres"
                pg_host, pg_port = parts.hostname or "127.0.0.1", parts.port or 5432
                bouncer_dir = tmp / "pgbouncer"
                bouncer_dir.mkdir(exist_ok=True)
                if os.geteuid() == 0:
                    owner = pwd.getpwnam("postgres")
                    os.chown(bouncer_dir, owner.pw_uid, owner.pw_gid)
                (tmp / "userlist.txt").write_text(f'"{user}" "{parts.password or ""}"\n')
                (tmp / "pgbouncer.ini").write_text(
                    f"[databases]\n{dbname} = host={pg_host} port={pg_port} dbname={dbname} "
                    f"timezone=UTC\n"
                    f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {bouncer_port}\n"
                    f"unix_socket_dir =\nauth_type = {'plain' if parts.password else 'trust'}\n"
                    f"auth_file = {tmp}/userlist.txt\npool_mode = transaction\n"
                    f"max_client_conn = 200\ndefault_pool_size = {args.bouncer_pool}\n"
                    "server_reset_query =\nlog_connections = 0\nlog_disconnections = 0\n"
                    f"logfile = {bouncer_dir}/pgbouncer.log\nignore_startup_parameters = extra_float_digits\n"
                )
                for f in ("userlist.txt", "pgbouncer.ini"):
                    os.chmod(tmp / f, 0o644)
                bouncer = subprocess.Popen(
                    [*as_postgres(), bouncer_bin, str(tmp / "pgbouncer.ini")],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                processes.append(bouncer)
                bouncer_url = urlunsplit(
                    parts._replace(
                        netloc=parts.netloc.rsplit("@", 1)[0] + f"@127.0.0.1:{bouncer_port}"
                    )
                )
                time.sleep(1)
            env = {
                **os.environ,
                "HOME": str(tmp),
                "DATABASE_URL": bouncer_url if mode.startswith("pgbouncer") else args.database,
                "FANGKONG_DB_POOL": {"psycopg": "psycopg", "pgbouncer": "pgbouncer"}.get(
                    mode.replace("-reconnect", ""), "persistent"
                ),
                "FANGKONG_DB_CONN_MAX_AGE": "0" if mode.endswith("reconnect") else "60",
                "FANGKONG_HEALTHZ_OPTIONAL": "worker,outbox",
                "FANGKONG_LOG_LEVEL": "WARNING",
            }
            servers = []
            for port in ports:
                data = tmp / f"data-{port}"
                servers.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "fangkong.cli",
                            "serve",
                            "--port",
                            str(port),
                            "--workers",
                            str(args.workers),
                        ],
                        env={
                            **env,
                            "FANGKONG_DATA_DIR": str(data),
                            "PROMETHEUS_MULTIPROC_DIR": str(data / "metrics"),
                        },
                        cwd=ROOT,
                        stdout=subprocess.DEVNULL,
                        stderr=open(tmp / f"serve-{mode}-{port}.log", "wb"),  # noqa: SIM115
                        start_new_session=True,
                    )
                )
            try:
                for port in ports:
                    wait_answers(f"http://127.0.0.1:{port}/healthz")
                base = f"http://127.0.0.1:{proxy_port}"
                for path in args.paths.split(","):  # warm every worker (graph, templates)
                    subprocess.run(
                        [wrk, "-t1", f"-c{args.connections}", "-d2s", base + path],
                        capture_output=True,
                        check=True,
                    )
                for path in args.paths.split(","):
                    sampler = Sampler(admin_url, dbname)
                    sampler.start()
                    out = subprocess.run(
                        [
                            wrk,
                            "-t2",
                            f"-c{args.connections}",
                            f"-d{args.seconds}s",
                            "--latency",
                            base + path,
                        ],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                    peak, after = sampler.finish()
                    rows.append(
                        {"mode": mode, "path": path, "peak": peak, "after": after, **parse_wrk(out)}
                    )
                    r = rows[-1]
                    print(
                        f"{mode:>20} {path:<8} {r['rate']:7.0f}/s  p50 {r['p50']:6.1f} ms  "
                        f"p99 {r['p99']:6.1f} ms  non-2xx {r['non2xx']}  PostgreSQL "
                        f"connections peak {peak}, after {after}",
                        flush=True,
                    )
            finally:
                for server in servers:
                    stop(server)
                if bouncer is not None:
                    stop(bouncer)
                    bouncer = None
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(tmp, ignore_errors=True)
    load_after = os.getloadavg()
    print()
    print(
        f"{args.servers} app servers x {args.workers} gunicorn workers behind nginx, wrk "
        f"-c{args.connections} for {args.seconds} s per row; load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after; {os.cpu_count()} cores"
    )
    print()
    print("| mode | path | requests/s | p50 ms | p99 ms | non-2xx | PG connections (peak) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['mode']} | `{r['path']}` | {r['rate']:.0f} | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {r['non2xx']} | {r['peak']} |"
        )


if __name__ == "__main__":
    main()
