"""The `fangkong worker` process: runs the time-driven sweeps apps register.

Sweeps are idempotent and safe to run from several workers at once (they lean on
unique constraints and `SELECT … FOR UPDATE SKIP LOCKED`), so scaling out is simply
starting more workers. An app registers its sweeps in AppConfig.ready():

    register_sweep("reporting.sync_expected", sync_today, every=300)
    register_sweep("incidents.escalate", escalate_due, every=15, lane=URGENT)

Sweeps run one after another, so a slow sweep delays the next: the urgent ones (escalation,
delivery of the outbox) are in a lane of their own, which a worker runs alone
(`fangkong worker --only urgent`) while another runs the rest (`--except urgent`). A sweep
that takes longer than its interval is reported (a warning, and counted in `Sweep.overruns`).
Every run is one INFO line (`sweep X done in 0.012 s: sent=3`, with `sweep`, `seconds`
and `counts` as fields of a JSON log line), and each round ends with the process's
heartbeat (core.heartbeat: one row per worker, read by /healthz and /metrics).

A database outage is not a sweep failure: the round stops, one warning is logged, and the
worker waits with a back-off (1, 2, 4 … MAX_BACKOFF seconds) until the database answers
again, then logs one line and goes on.
"""

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
)
from django.utils import timezone

if TYPE_CHECKING:
    from .heartbeat import Heartbeat

logger = logging.getLogger("fangkong.worker")

URGENT = "urgent"  # escalation and delivery: seconds count
ROUTINE = "routine"  # everything else
LANES = (URGENT, ROUTINE)
MAX_BACKOFF = 10.0  # seconds between attempts to reach a database that is down


@dataclass
class Sweep:
    name: str
    run: Callable[[], object]
    every: float  # seconds
    lane: str = ROUTINE
    next_at: float = 0.0
    runs: int = 0
    failures: int = 0
    overruns: int = 0
    last_seconds: float = 0.0
    last_run: datetime | None = None  # wall-clock times, for the heartbeat
    last_success: datetime | None = None
    totals: Counter = field(default_factory=Counter)  # the counts it returned, summed


@dataclass(frozen=True)
class Failure:
    """The result of a sweep that raised (logged with its traceback)."""

    error: str

    def __str__(self):
        return f"failed ({self.error})"


class DatabaseUnavailable(Exception):
    """The database does not answer: no sweep can run."""


_sweeps: dict[str, Sweep] = {}


def register_sweep(name: str, run: Callable[[], object], every: float, *, lane: str = ROUTINE):
    if lane not in LANES:
        raise ValueError(f"unknown lane {lane!r}")
    _sweeps[name] = Sweep(name, run, every, lane)


def sweeps() -> list[Sweep]:
    return list(_sweeps.values())


def select(only: Iterable[str] = (), exclude: Iterable[str] = ()) -> list[Sweep]:
    """The sweeps named in `only` (all when empty) minus those in `exclude`; each name is a
    sweep's or a lane's. An unknown name is a ValueError (a typo must not run nothing)."""

    def expand(names: Iterable[str]) -> set[str]:
        chosen = set()
        for name in names:
            if name in LANES:
                chosen |= {s.name for s in _sweeps.values() if s.lane == name}
            elif name in _sweeps:
                chosen.add(name)
            else:
                known = ", ".join([*LANES, *sorted(_sweeps)])
                raise ValueError(f"no sweep or lane {name!r} (known: {known})")
        return chosen

    wanted, unwanted = expand(only), expand(exclude)
    return [
        s for s in _sweeps.values() if (not wanted or s.name in wanted) and s.name not in unwanted
    ]


def database_reachable() -> bool:
    """Whether the database answers now; a broken connection is closed and made again."""
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        try:
            connection.close()
        except DatabaseError:
            pass
        return False


def run_due(
    now: float | None = None,
    *,
    only: Iterable[str] = (),
    exclude: Iterable[str] = (),
    timer: Callable[[], float] = time.monotonic,
) -> dict[str, object]:
    """Run every selected sweep that is due; returns each result by name, a `Failure` for a
    sweep that raised (logged, and tried again at its next turn). Raises
    DatabaseUnavailable, after the sweeps before it, when the database is down."""
    now = timer() if now is None else now
    results: dict[str, object] = {}
    for sweep in select(only, exclude):
        if now < sweep.next_at:
            continue
        started = timer()
        sweep.last_run = timezone.now()
        try:
            results[sweep.name] = sweep.run()
        except (OperationalError, InterfaceError) as exc:
            if not database_reachable():
                raise DatabaseUnavailable(_first_line(exc)) from None
            logger.exception("sweep %s failed", sweep.name)
            results[sweep.name] = _failed(sweep, exc)
        except Exception as exc:
            logger.exception("sweep %s failed", sweep.name)
            results[sweep.name] = _failed(sweep, exc)
        sweep.runs += 1
        sweep.last_seconds = timer() - started
        sweep.next_at = now + sweep.every
        _report(sweep, results[sweep.name])
        if sweep.last_seconds > sweep.every:
            sweep.overruns += 1
            logger.warning(
                "sweep %s took %.1f s, longer than its interval of %g s (%s times "
                "so far): the sweeps after it in the %s lane waited",
                sweep.name,
                sweep.last_seconds,
                sweep.every,
                sweep.overruns,
                sweep.lane,
            )
    return results


def counts_of(result: object) -> dict[str, int]:
    """The counts a sweep returned: a number, or a dict's numbers ({"sent": 3}); nothing
    else (a sweep's result is never logged as such: it could name a person)."""
    if isinstance(result, bool):
        return {}
    if isinstance(result, int):
        return {"count": result}
    if isinstance(result, dict):
        return {
            str(k): v
            for k, v in result.items()
            if isinstance(v, int) and not isinstance(v, bool) and isinstance(k, str)
        }
    return {}


def _report(sweep: Sweep, result: object) -> None:
    seconds = round(sweep.last_seconds, 3)
    if isinstance(result, Failure):
        logger.info(
            "sweep %s failed in %.3f s",
            sweep.name,
            seconds,
            extra={"sweep": sweep.name, "seconds": seconds, "outcome": "failed"},
        )
        return
    sweep.last_success = sweep.last_run
    counts = counts_of(result)
    sweep.totals.update(counts)
    logger.info(
        "sweep %s done in %.3f s%s",
        sweep.name,
        seconds,
        ": " + " ".join(f"{k}={v}" for k, v in counts.items()) if counts else "",
        extra={"sweep": sweep.name, "seconds": seconds, "outcome": "done", "counts": counts},
    )


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _failed(sweep: Sweep, exc: Exception) -> Failure:
    sweep.failures += 1
    return Failure(type(exc).__name__)


def run_forever(
    tick: float = 1.0,
    stop: Callable[[], bool] = lambda: False,
    *,
    only: Iterable[str] = (),
    exclude: Iterable[str] = (),
    sleep: Callable[[float], None] = time.sleep,
    beat: "Heartbeat | None" = None,
) -> None:
    from .heartbeat import Heartbeat  # models: not at import time (apps register sweeps)

    chosen = select(only, exclude)
    logger.info("worker started with sweeps: %s", ", ".join(s.name for s in chosen) or "none")
    heartbeat = Heartbeat(chosen) if beat is None else beat
    down_since: float | None = None
    delay = 0.0
    while not stop():
        close_old_connections()  # a long-lived process: drop broken or expired connections
        if down_since is not None:
            if not database_reachable():
                delay = min(delay * 2, MAX_BACKOFF)
                sleep(delay)
                continue
            logger.warning(
                "database reachable again after %.0f s; sweeps resume",
                time.monotonic() - down_since,
            )
            down_since = None
        try:
            run_due(only=only, exclude=exclude)
        except DatabaseUnavailable as exc:
            down_since, delay = time.monotonic(), 1.0
            logger.warning(
                "database unavailable (%s); sweeps paused, retrying every 1 to %g s",
                exc,
                MAX_BACKOFF,
            )
            sleep(delay)
            continue
        heartbeat.beat()
        sleep(tick)
    if down_since is None:
        heartbeat.beat(force=True, stopped=True)
    for sweep in chosen:
        logger.info(
            "sweep %s: %s runs, %s failed, %s overran",
            sweep.name,
            sweep.runs,
            sweep.failures,
            sweep.overruns,
        )
