"""GET /metrics: Prometheus's text format, written by prometheus_client.

Two sources (docs/operations.md, "/metrics", says why):
- request latency by view, a histogram kept by each web process (`RequestMetricsMiddleware`).
  Under gunicorn's several processes, `fangkong serve` sets PROMETHEUS_MULTIPROC_DIR
  (`$FANGKONG_DATA_DIR/metrics`, emptied at each start) and the scrape sums every
  process's file (prometheus_client's multiprocess mode); without it (runserver, tests)
  the histogram is the process's own.
- everything else is read from the database at scrape time by one collector: the sweeps
  from the workers' heartbeats (core.heartbeat), follow-up work, and what apps register
  (`register_collector`: the outbox, the incident clocks, today's check-ins). So every web
  process answers the same and nothing is lost when one restarts; each source costs one
  query or two on an index.

Labels never carry personal data: a view is its route's name (`health:self_checkin`,
never the path with its token), a sweep its name, a worker its host:pid.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from prometheus_client import (
    CollectorRegistry,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

from .audit import client_ip

logger = logging.getLogger("fangkong.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# No `_created` series beside each counter and histogram (multiprocess mode has none either).
disable_created_metrics()

REQUEST_SECONDS = Histogram(
    "fangkong_http_request_duration_seconds",
    "Time to answer a request, by view (route name), method and status.",
    ["view", "method", "status"],
    registry=None,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0),
)

Collect = Callable[[datetime], Iterable[Metric]]
_collectors: dict[str, Collect] = {}


def register_collector(name: str, collect: Collect) -> None:
    """An app's gauges, read from the database at each scrape (a query or two on an index)."""
    _collectors[name] = collect


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"  # a 404 of the resolver: one series whatever was asked
    return match.view_name or match.route or "<unnamed>"


# A client may send any method: one series per made-up method would grow without end.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def observe(request, response, seconds: float) -> None:
    method = request.method if request.method in METHODS else "other"
    REQUEST_SECONDS.labels(
        view=view_label(request), method=method, status=str(response.status_code)
    ).observe(seconds)


# --- access --------------------------------------------------------------------------------


def _networks() -> list:
    networks = []
    for item in settings.METRICS_ALLOW:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            logger.warning("FANGKONG_METRICS_ALLOW: %r is no address or network", item)
    return networks


def _allowed_address(address: str | None, networks: list) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def may_scrape(request) -> bool:
    """The bearer of FANGKONG_METRICS_TOKEN, or a client on FANGKONG_METRICS_ALLOW. Behind
    a proxy both the proxy's address and the forwarded client's must be allowed: the proxy
    on 127.0.0.1 must not open /metrics to everyone it forwards."""
    token = settings.METRICS_TOKEN
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        if hmac.compare_digest(header[7:].strip().encode(), token.encode()):
            return True
    networks = _networks()
    addresses = {request.META.get("REMOTE_ADDR"), client_ip(request)}
    if request.META.get("HTTP_X_FORWARDED_FOR"):
        addresses.add(request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip())
    return all(_allowed_address(a, networks) for a in addresses)


# --- the database's figures ----------------------------------------------------------------


def _timestamp(value: str | None) -> float | None:
    moment = parse_datetime(value) if value else None
    return moment.timestamp() if moment else None


def collect_workers(now: datetime) -> Iterable[Metric]:
    """The heartbeats: live workers, and each sweep's last run, success, duration and counts
    (per live worker; the last success over every worker of the past week)."""
    from .heartbeat import KEEP
    from .models import WorkerBeat

    max_age = settings.HEALTHZ_WORKER_SECONDS
    rows = list(
        WorkerBeat.objects.filter(beat_at__gte=now - KEEP).values_list(
            "name", "beat_at", "stopped_at", "state"
        )
    )
    alive = [r for r in rows if r[2] is None and r[1] >= now - timedelta(seconds=max_age)]
    workers = GaugeMetricFamily(
        "fangkong_workers_alive",
        f"Worker processes that beat within {max_age:g} s and have not stopped.",
        value=len(alive),
    )
    beat_age = GaugeMetricFamily(
        "fangkong_worker_heartbeat_age_seconds",
        "Seconds since the latest heartbeat of any worker (absent: none in a week).",
    )
    if rows:
        beat_age.add_metric([], max((now - max(r[1] for r in rows)).total_seconds(), 0.0))
    labels = ["sweep", "worker"]
    duration = GaugeMetricFamily(
        "fangkong_sweep_duration_seconds", "How long the last run of a sweep took.", labels=labels
    )
    runs = CounterMetricFamily(
        "fangkong_sweep_runs", "Runs of a sweep since its worker started.", labels=labels
    )
    failures = CounterMetricFamily(
        "fangkong_sweep_failures", "Runs of a sweep that raised.", labels=labels
    )
    overruns = CounterMetricFamily(
        "fangkong_sweep_overruns", "Runs of a sweep longer than its interval.", labels=labels
    )
    items = CounterMetricFamily(
        "fangkong_sweep_items",
        "The counts sweeps returned, summed (notify.deliver: sent, failed, dead…).",
        labels=[*labels, "outcome"],
    )
    last_run: dict[str, float] = {}
    last_success: dict[str, float] = {}
    for _name, _beat, _stopped, state in rows:
        for sweep, s in (state or {}).items():
            for target, key in ((last_run, "last_run"), (last_success, "last_success")):
                moment = _timestamp(s.get(key))
                if moment is not None and moment > target.get(sweep, 0.0):
                    target[sweep] = moment
    for name, _beat, _stopped, state in alive:
        for sweep, s in (state or {}).items():
            duration.add_metric([sweep, name], float(s.get("seconds", 0.0)))
            runs.add_metric([sweep, name], s.get("runs", 0))
            failures.add_metric([sweep, name], s.get("failures", 0))
            overruns.add_metric([sweep, name], s.get("overruns", 0))
            for outcome, count in sorted((s.get("counts") or {}).items()):
                items.add_metric([sweep, name, outcome], count)
    run_at = GaugeMetricFamily(
        "fangkong_sweep_last_run_timestamp_seconds",
        "When a sweep last started, on any worker (Unix time).",
        labels=["sweep"],
    )
    success_at = GaugeMetricFamily(
        "fangkong_sweep_last_success_timestamp_seconds",
        "When a sweep last started a run that finished without raising (Unix time).",
        labels=["sweep"],
    )
    for sweep, at in sorted(last_run.items()):
        run_at.add_metric([sweep], at)
    for sweep, at in sorted(last_success.items()):
        success_at.add_metric([sweep], at)
    yield from (workers, beat_age, duration, runs, failures, overruns, items, run_at, success_at)


def collect_followups(now: datetime) -> Iterable[Metric]:
    from .models import FollowUp

    counts = dict(
        FollowUp.objects.exclude(state=FollowUp.State.DONE)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    family = GaugeMetricFamily(
        "fangkong_followups", "Follow-up work not done, by state.", labels=["state"]
    )
    for state in (FollowUp.State.PENDING, FollowUp.State.FAILED, FollowUp.State.DEAD):
        family.add_metric([state.value], counts.get(state.value, 0))
    yield family


CORE_COLLECTORS: dict[str, Collect] = {"workers": collect_workers, "followups": collect_followups}


class DatabaseCollector:
    """Asks every registered source at each scrape; a source whose query fails is left out
    and counted in `fangkong_metrics_errors`, the others are still answered."""

    def collect(self):
        now = timezone.now()
        errors = GaugeMetricFamily(
            "fangkong_metrics_errors",
            "Sources of this scrape that failed (their figures are missing).",
            labels=["source"],
        )
        seconds = GaugeMetricFamily(
            "fangkong_metrics_source_seconds",
            "How long each source of this scrape took.",
            labels=["source"],
        )
        for name, collect in {**CORE_COLLECTORS, **_collectors}.items():
            started = time.monotonic()
            try:
                families = list(collect(now))
            except DatabaseError as exc:
                logger.warning("metrics source %s failed (%s)", name, type(exc).__name__)
                errors.add_metric([name], 1)
                continue
            finally:
                seconds.add_metric([name], time.monotonic() - started)
            errors.add_metric([name], 0)
            yield from families
        yield errors
        yield seconds


def multiprocess_dir() -> str | None:
    path = os.environ.get(MULTIPROC_ENV)
    return path if path and os.path.isdir(path) else None


def render() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(DatabaseCollector())
    return generate_latest(registry)
