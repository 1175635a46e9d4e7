"""GET /healthz: is this server able to do its job? No login, and no data in the answer:
each check says ok or not and why, in a sentence of numbers and sweep names.

Checks, in order: the database answers; every migration on disk is applied; a worker
beat within FANGKONG_HEALTHZ_WORKER_SECONDS and the live workers run every registered
sweep; and the ones apps register (`register_check`: notify's oldest due message). A
failing check makes the answer 503 unless it is named in FANGKONG_HEALTHZ_OPTIONAL
(e.g. `worker` for a bare `fangkong serve` in a demo), where it is reported only. When
the database does not answer, the checks that need it are skipped.

Cost: one query per check (the migration graph is read from disk once per process).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

logger = logging.getLogger("fangkong.healthz")


@dataclass
class Check:
    ok: bool
    reason: str
    required: bool = True


_checks: dict[str, Callable[[datetime], Check]] = {}


def register_check(name: str, check: Callable[[datetime], Check]) -> None:
    """An app's check, run after core's with the time of the request; one query at most."""
    _checks[name] = check


def check_database(now: datetime) -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return Check(False, f"database unreachable ({type(exc).__name__})")
    return Check(True, f"{connection.vendor} answers")


_executor: MigrationExecutor | None = None


def check_migrations(now: datetime) -> Check:
    """The plan `migrate` would run is empty: the graph (disk) read once per process, the
    applied set (django_migrations) each time."""
    global _executor
    if _executor is None or _executor.connection is not connection:
        _executor = MigrationExecutor(connection)
    loader = _executor.loader
    # The recorder's own applied_migrations() first lists the tables: one query more.
    recorded = MigrationRecorder(connection).migration_qs
    loader.applied_migrations = {(m.app, m.name): m for m in recorded}
    plan = _executor.migration_plan(loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        return Check(False, f"{len(plan)} migrations not applied: {names}{more}")
    return Check(True, "all migrations applied")


def check_worker(now: datetime) -> Check:
    from .heartbeat import live_workers
    from .worker import sweeps

    max_age = settings.HEALTHZ_WORKER_SECONDS
    beats = list(live_workers(max_age, now=now).values_list("beat_at", "sweeps"))
    if not beats:
        return Check(False, f"no worker beat in the last {max_age:g} s")
    running = {name for _, names in beats for name in names}
    missing = sorted({s.name for s in sweeps()} - running)
    age = (now - max(at for at, _ in beats)).total_seconds()
    if missing:
        return Check(
            False,
            f"{len(beats)} workers alive, but none runs: {', '.join(missing)}",
        )
    return Check(True, f"{len(beats)} workers alive, last beat {max(age, 0):.0f} s ago")


CORE_CHECKS: dict[str, Callable[[datetime], Check]] = {
    "database": check_database,
    "migrations": check_migrations,
    "worker": check_worker,
}


def run_checks(now: datetime | None = None) -> tuple[bool, dict]:
    """(healthy, the answer's JSON) — healthy unless a required check failed."""
    now = now or timezone.now()
    started = time.monotonic()
    optional = set(settings.HEALTHZ_OPTIONAL)
    results: dict[str, dict] = {}
    database_ok = True
    for name, check in {**CORE_CHECKS, **_checks}.items():
        if not database_ok:
            result = Check(False, "skipped: the database is unreachable")
        else:
            try:
                result = check(now)
            except DatabaseError as exc:
                result = Check(False, f"query failed ({type(exc).__name__})")
        result.required = name not in optional
        if name == "database":
            database_ok = result.ok
        results[name] = asdict(result)
    healthy = all(r["ok"] for r in results.values() if r["required"])
    _log_change(healthy, results)
    return healthy, {
        "status": "ok" if healthy else "fail",
        "checks": results,
        "seconds": round(time.monotonic() - started, 4),
    }


_healthy: bool | None = None


def _log_change(healthy: bool, results: dict) -> None:
    """One line when this process's answer turns (the first answer counts as a turn when
    it is a failure), not one per probe."""
    global _healthy
    if healthy == _healthy or (_healthy is None and healthy):
        _healthy = healthy
        return
    _healthy = healthy
    if healthy:
        logger.info("healthy again")
    else:
        failed = "; ".join(
            f"{name}: {r['reason']}" for name, r in results.items() if r["required"] and not r["ok"]
        )
        logger.warning(
            "unhealthy: %s",
            failed,
            extra={
                "failed": sorted(
                    name for name, r in results.items() if r["required"] and not r["ok"]
                )
            },
        )
