"""The worker's heartbeat: each `fangkong worker` process keeps one `WorkerBeat` row (its
host and pid) up to date, so /healthz can tell whether sweeps run and /metrics what they
did, from any app server.

One upsert (INSERT … ON CONFLICT DO UPDATE, on PostgreSQL and SQLite) per round at most
every BEAT_SECONDS, whatever the number of sweeps: the row carries every sweep's last run,
last success, duration and summed counts from the worker's memory. Several workers at once
write several rows and never the same one. A worker that stops writes a last beat with
`stopped_at`; one that dies just stops beating, and its row counts for nothing once stale
(rows older than KEEP are deleted by the next worker that starts, and hourly).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import DatabaseError
from django.utils import timezone

from .models import WorkerBeat

if TYPE_CHECKING:
    from .worker import Sweep

logger = logging.getLogger("fangkong.worker")

BEAT_SECONDS = 5.0
KEEP = timedelta(days=7)
PURGE_SECONDS = 3600.0


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def snapshot(sweep: Sweep) -> dict:
    return {
        "lane": sweep.lane,
        "every": sweep.every,
        "runs": sweep.runs,
        "failures": sweep.failures,
        "overruns": sweep.overruns,
        "seconds": round(sweep.last_seconds, 4),
        "last_run": _iso(sweep.last_run),
        "last_success": _iso(sweep.last_success),
        "counts": dict(sweep.totals),
    }


class Heartbeat:
    """One worker process's row; `beat()` after each round writes it when it is due."""

    def __init__(
        self,
        sweeps: Iterable[Sweep],
        *,
        every: float = BEAT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        name: str | None = None,
    ):
        self.sweeps = list(sweeps)
        self.host = socket.gethostname()[:150]
        self.pid = os.getpid()
        self.name = name or f"{self.host}:{self.pid}"
        self.every = every
        self.clock = clock
        self.started_at = timezone.now()
        self.last: float | None = None
        self.last_purge: float | None = None
        self.failing = False

    def beat(self, *, force: bool = False, stopped: bool = False) -> bool:
        """Write the row if a beat is due (or `force`); False when not written. A database
        error is logged once (a warning) and never stops the worker."""
        now = self.clock()
        if not force and self.last is not None and now - self.last < self.every:
            return False
        try:
            self.write(stopped=stopped)
            if self.last_purge is None or now - self.last_purge >= PURGE_SECONDS:
                WorkerBeat.objects.filter(beat_at__lt=timezone.now() - KEEP).delete()
                self.last_purge = now
        except DatabaseError as exc:
            if not self.failing:
                logger.warning("heartbeat not written (%s)", type(exc).__name__)
            self.failing = True
            return False
        if self.failing:
            logger.info("heartbeat written again")
        self.failing = False
        self.last = now
        return True

    def write(self, *, stopped: bool = False) -> None:
        at = timezone.now()
        row = WorkerBeat(
            name=self.name,
            host=self.host,
            pid=self.pid,
            sweeps=[s.name for s in self.sweeps],
            state={s.name: snapshot(s) for s in self.sweeps},
            started_at=self.started_at,
            beat_at=at,
            stopped_at=at if stopped else None,
        )
        # One statement: a pid reused by a later process on the same host takes the row over.
        WorkerBeat.objects.bulk_create(
            [row],
            update_conflicts=True,
            unique_fields=["name"],
            update_fields=["host", "pid", "sweeps", "state", "started_at", "beat_at", "stopped_at"],
        )


def live_workers(max_age: float, *, now: datetime | None = None):
    """The heartbeats of running workers that beat within `max_age` seconds."""
    now = now or timezone.now()
    return WorkerBeat.objects.filter(
        beat_at__gte=now - timedelta(seconds=max_age), stopped_at__isnull=True
    )
