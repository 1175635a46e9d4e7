"""Notifications: a worker killed with SIGKILL mid-burst, and the delay from queueing to
receipt (issue 5, Performance and reliability).

    .venv/bin/python bench/notify_reliability.py --database-url sqlite:////tmp/fk_nbench.sqlite3
    .venv/bin/python bench/notify_reliability.py --database-url postgres://postgres@127.0.0.1:5432/fk_nbench

The database is migrated (and on PostgreSQL created) if needed; the bench's own rows
(topic "bench") are deleted first. A local HTTP server (notify.testing.WebhookReceiver)
stands in for the group robots and records every request with its arrival time.

(a) Crash: `--burst` messages are queued in one transaction to `--robots` WeCom robots
that answer after `--delay` s. `fangkong worker` starts as a subprocess; after `--kill-at`
requests have arrived it gets SIGKILL and is started again at once; the bench waits until
every bench message is sent. Reported: queued, requests received, distinct messages
received (by the `X-Fangkong-Message` key, checked against the text), repeats, lost, and
times. The killed worker's claimed rows come back when their lease ends, so the worker
runs with a short lease (`--lease`, FANGKONG_NOTIFY_LEASE_SECONDS) and timeout
(`--timeout`, FANGKONG_NOTIFY_TIMEOUT).
(b) Latency: with a fresh `fangkong worker` running (its defaults: the outbox sweep every
2 s, a tick of 1 s), this process queues one message at a time (committed) at random
intervals, `--samples` times, and measures the time from just before `queue` to its
arrival at the receiver. Figures are printed; timing never fails.
"""

import argparse
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TOPIC = "bench"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--robots", type=int, default=4, help="robots the burst is spread over")
    parser.add_argument("--delay", type=float, default=0.01, help="each robot's answer time, s")
    parser.add_argument(
        "--kill-at",
        type=int,
        default=325,
        help="requests received, then kill (not a multiple of the batch)",
    )
    parser.add_argument("--lease", type=float, default=5.0, help="the worker's lease, s")
    parser.add_argument("--timeout", type=float, default=2.0, help="the worker's send timeout, s")
    parser.add_argument("--samples", type=int, default=50, help="latency samples")
    parser.add_argument("--skip-crash", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    return parser.parse_args()


def setup(args):
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        ensure_database(url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def ensure_database(url: str) -> None:
    from urllib.parse import urlsplit

    import psycopg

    name = urlsplit(url).path.lstrip("/")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_unit():
    from django.contrib.auth import get_user_model

    from fangkong.orgs import services as org_services
    from fangkong.orgs.models import Unit

    unit = Unit.objects.filter(code="NOTIFY-BENCH").first()
    if unit is None:
        root, _ = get_user_model().objects.get_or_create(
            username="notify-bench", defaults={"is_superuser": True, "is_staff": True}
        )
        unit = org_services.create_unit(
            actor=root, parent=None, code="NOTIFY-BENCH", name="Notify bench", kind="group"
        )
    return unit


def clean(unit):
    from fangkong.notify.models import Message, UnitChannel
    from fangkong.notify.topics import register_topic

    register_topic(TOPIC, "Benchmark messages")  # every message has a registered topic
    Message.objects.filter(topic=TOPIC).delete()
    UnitChannel.objects.filter(unit=unit).delete()


def robots(unit, receiver, count):
    from fangkong.notify.choices import Channel
    from fangkong.notify.models import UnitChannel

    return [
        UnitChannel.objects.create(
            unit=unit,
            kind=Channel.WECOM,
            name=f"bench {i}",
            target=receiver.url(f"/cgi-bin/webhook/send?key=r{i}"),
        )
        for i in range(count)
    ]


def start_worker(env_extra: dict) -> subprocess.Popen:
    env = {**os.environ, **env_extra}
    return subprocess.Popen(
        [sys.executable, "-m", "fangkong.cli", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def state_counts() -> dict[str, int]:
    from django.db.models import Count

    from fangkong.notify.models import Message

    rows = Message.objects.filter(topic=TOPIC).values_list("state").annotate(n=Count("id"))
    return dict(rows)


def crash(args, unit) -> dict:
    from django.db import transaction

    from fangkong.notify import services
    from fangkong.notify.channels import delivery_key
    from fangkong.notify.choices import CLAIMABLE
    from fangkong.notify.models import Message
    from fangkong.notify.testing import WebhookReceiver

    clean(unit)
    env = {
        "FANGKONG_NOTIFY_LEASE_SECONDS": str(args.lease),
        "FANGKONG_NOTIFY_TIMEOUT": str(args.timeout),
    }
    with WebhookReceiver(delay=args.delay) as receiver:
        channels = robots(unit, receiver, args.robots)
        with transaction.atomic():
            for i in range(args.burst):
                services.queue(
                    key=f"bench:{i}",
                    subject=f"bench {i}",
                    topic=TOPIC,
                    unit=unit,
                    channels=[channels[i % len(channels)]],
                )
        keys = {
            delivery_key(m): m.subject
            for m in Message.objects.filter(topic=TOPIC).only("dedupe_key", "subject")
        }
        started = time.monotonic()
        worker = start_worker(env)
        while len(receiver.requests) < args.kill_at and time.monotonic() - started < 120:
            time.sleep(0.002)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed_at = time.monotonic()
        at_kill = {"received": len(receiver.requests), **state_counts()}
        worker = start_worker(env)
        try:
            while time.monotonic() - killed_at < 300:
                if not Message.objects.filter(topic=TOPIC, state__in=CLAIMABLE).exists():
                    break
                time.sleep(0.05)
            done = time.monotonic()
            time.sleep(0.5)  # anything still on the wire
        finally:
            stop_worker(worker)
        requests = list(receiver.requests)
    by_key = Counter(r.headers.get("X-Fangkong-Message", "") for r in requests)
    texts = Counter(r.json["text"]["content"] for r in requests)
    assert all(
        keys.get(k) == t
        for k, t in ((r.headers["X-Fangkong-Message"], r.json["text"]["content"]) for r in requests)
    ), "key and text disagree"
    delivered = {t for t in texts if t.startswith("bench ")}
    return {
        "queued": args.burst,
        "received": len(requests),
        "distinct": len(by_key),
        "repeats": sum(n - 1 for n in by_key.values()),
        "repeated_messages": sum(1 for n in by_key.values() if n > 1),
        "lost": args.burst - len(delivered),
        "at_kill": at_kill,
        "final": state_counts(),
        "kill_after_s": killed_at - started,
        "recovery_s": done - killed_at,
        "total_s": done - started,
    }


def latency(args, unit) -> dict:
    from django.db import transaction

    from fangkong.notify import services
    from fangkong.notify.testing import WebhookReceiver

    clean(unit)
    rng = random.Random(5)
    samples = []
    with WebhookReceiver() as receiver:
        [channel] = robots(unit, receiver, 1)
        worker = start_worker({})
        try:
            time.sleep(3)  # started and past its first round
            for i in range(args.samples):
                time.sleep(rng.uniform(0.3, 2.0))  # no lock-step with the worker's clock
                text = f"latency {i}"
                before = time.time()
                with transaction.atomic():
                    services.queue(
                        key=f"latency:{i}", subject=text, topic=TOPIC, unit=unit, channels=[channel]
                    )
                deadline = time.monotonic() + 30
                arrived = None
                while arrived is None and time.monotonic() < deadline:
                    arrived = next(
                        (
                            r.at
                            for r in reversed(receiver.requests)
                            if r.json["text"]["content"] == text
                        ),
                        None,
                    )
                    time.sleep(0.005)
                samples.append((arrived - before) if arrived else float("inf"))
        finally:
            stop_worker(worker)
    samples.sort()
    return {
        "n": len(samples),
        "median": statistics.median(samples),
        "p95": samples[max(0, round(0.95 * len(samples)) - 1)],
        "min": samples[0],
        "max": samples[-1],
    }


def main():
    args = parse_args()
    setup(args)
    from django.db import connection

    unit = bench_unit()
    vendor = connection.vendor
    print(
        f"# {vendor}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    if not args.skip_crash:
        r = crash(args, unit)
        print(
            f"\n## SIGKILL mid-burst ({vendor}; lease {args.lease:g} s, timeout "
            f"{args.timeout:g} s, {args.robots} robots answering in {args.delay * 1000:g} ms)"
        )
        print(
            "| queued | requests received | distinct messages | repeats | lost | killed after | "
            "recovered in | total |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(
            f"| {r['queued']} | {r['received']} | {r['distinct']} | {r['repeats']} | "
            f"{r['lost']} | {r['kill_after_s']:.1f} s | {r['recovery_s']:.1f} s | "
            f"{r['total_s']:.1f} s |"
        )
        print(f"at the kill: {r['at_kill']}; at the end: {r['final']}")
    if not args.skip_latency:
        r = latency(args, unit)
        print(
            f"\n## Queue → first receipt ({vendor}, {r['n']} messages, `fangkong worker` "
            "with its defaults)"
        )
        print("| median | p95 | min | max |\n|---:|---:|---:|---:|")
        print(f"| {r['median']:.2f} s | {r['p95']:.2f} s | {r['min']:.2f} s | {r['max']:.2f} s |")
    clean(unit)


if __name__ == "__main__":
    main()
