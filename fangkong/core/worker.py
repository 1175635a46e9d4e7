"""The `fangkong worker` process: runs the time-driven sweeps apps register.

Sweeps are idempotent and safe to run from several workers at once (they lean on
unique constraints and `SELECT … FOR UPDATE SKIP LOCKED`), so scaling out is simply
starting more workers. An app registers its sweeps in AppConfig.ready():

    register_sweep("reporting.sync_expected", sync_today, every=300)
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections

logger = logging.getLogger("fangkong.worker")


@dataclass
class Sweep:
    name: str
    run: Callable[[], object]
    every: float  # seconds
    next_at: float = 0.0


_sweeps: dict[str, Sweep] = {}


def register_sweep(name: str, run: Callable[[], object], every: float) -> None:
    _sweeps[name] = Sweep(name, run, every)


def sweeps() -> list[Sweep]:
    return list(_sweeps.values())


def run_due(now: float | None = None, *, only: set[str] | None = None) -> dict[str, object]:
    """Run every sweep that is due; a failing sweep is logged and retried next time."""
    now = time.monotonic() if now is None else now
    results = {}
    for sweep in _sweeps.values():
        if only and sweep.name not in only:
            continue
        if now < sweep.next_at:
            continue
        try:
            results[sweep.name] = sweep.run()
        except Exception:
            logger.exception("sweep %s failed", sweep.name)
            results[sweep.name] = None
        sweep.next_at = now + sweep.every
    return results


def run_forever(tick: float = 1.0, stop: Callable[[], bool] = lambda: False) -> None:
    logger.info("worker started with sweeps: %s", ", ".join(sorted(_sweeps)) or "none")
    while not stop():
        close_old_connections()  # a long-lived process: drop broken or expired connections
        run_due()
        time.sleep(tick)
