"""Incident clocks at scale and the first message of a filing (issue 5, Performance).

    .venv/bin/python bench/incidents_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_bench_incidents
    .venv/bin/python bench/incidents_scale.py --database-url sqlite:////tmp/fk_bench_incidents.sqlite3

1. Escalation sweep: 2,500 open incidents with 4 clocks each (10,000 open clocks) are made
   in bulk under the demo province; `escalate_due()` is timed (a) when none is due — the
   sweep's normal run — and (b) when 1,000 of them are due at once, each escalated with its
   message rows and its accountability entry.
2. Filing to first message: a local HTTP receiver stands in for a DingTalk robot of the
   filing unit's group; `fangkong worker` runs as a separate process; incidents are filed
   through the service (committed) and the time until the receiver has the robot's message
   is taken, over `--samples` filings.
Figures are printed; timing never fails.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.orgs_scale import setup  # noqa: E402 - bench/ is the script's directory


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--incidents", type=int, default=2500)
    parser.add_argument("--due", type=int, default=1000, help="clocks due in scenario (b)")
    parser.add_argument("--samples", type=int, default=20)
    return parser.parse_args()


def prepare():
    from django.core.management import call_command

    from fangkong.orgs.models import Unit

    call_command("migrate", verbosity=0, interactive=False)
    if not Unit.objects.filter(code="CT-HEAT-S01").exists():
        call_command("seed_demo", verbosity=0)


def make_clocks(n_incidents: int):
    """Open incidents at the heat stations, their receipts and 4 clocks each, in bulk."""
    from django.utils import timezone

    from fangkong.incidents.models import Clock, Incident, Receipt
    from fangkong.incidents.services import receiving_levels, target_of
    from fangkong.orgs.models import Unit

    Incident.objects.filter(title__startswith="bench ").delete()
    stations = list(Unit.objects.filter(code__startswith="CT-HEAT-S"))
    now = timezone.now()
    incidents = []
    for i in range(n_incidents):
        unit = stations[i % len(stations)]
        incidents.append(
            Incident(
                unit=unit,
                unit_path=unit.path,
                kind="fever_cluster",
                title=f"bench {i}",
                discovered_at=now,
                discovered_by="bench",
                level="group",
                target_unit=target_of(unit, "group"),
                filed_at=now,
            )
        )
    Incident.objects.bulk_create(incidents, batch_size=1000)
    levels = {u.pk: receiving_levels(u, target_of(u, "group")) for u in stations}
    receipts, clocks = [], []
    for incident in incidents:
        ups = levels[incident.unit_id]
        receipts += [Receipt(incident=incident, unit=u, order=k) for k, u in enumerate(ups, 1)]
        later = now + timedelta(hours=2)
        clocks += [
            Clock(incident=incident, kind="phone", unit_id=incident.unit_id, due_at=later),
            Clock(incident=incident, kind="written", unit_id=incident.unit_id, due_at=later),
        ]
        clocks += [Clock(incident=incident, kind="ack", unit=u, due_at=later) for u in ups]
    Receipt.objects.bulk_create(receipts, batch_size=2000)
    Clock.objects.bulk_create(clocks, batch_size=2000)
    return len(clocks)


def sweep_figures(args):
    from django.utils import timezone

    from fangkong.incidents.models import Clock
    from fangkong.incidents.sweeps import escalate_due

    total = make_clocks(args.incidents)
    runs = []
    for _ in range(20):
        started = time.perf_counter()
        escalate_due()
        runs.append((time.perf_counter() - started) * 1000)
    idle = statistics.median(runs)
    due_ids = list(
        Clock.objects.filter(incident__title__startswith="bench ").values_list("pk", flat=True)[
            : args.due
        ]
    )
    Clock.objects.filter(pk__in=due_ids).update(due_at=timezone.now() - timedelta(minutes=1))
    started = time.perf_counter()
    result = escalate_due()
    busy = (time.perf_counter() - started) * 1000
    print(f"open clocks: {total}")
    print(f"sweep with none due: median {idle:.1f} ms over 20 runs")
    print(
        f"sweep escalating {result['escalated']} due clocks: {busy:.0f} ms "
        f"({busy / max(result['escalated'], 1):.2f} ms a clock)"
    )


def latency_figures(args):
    from django.db import connection
    from django.utils import timezone

    from fangkong.incidents.services import file_incident
    from fangkong.notify.models import Message, UnitChannel
    from fangkong.notify.testing import WebhookReceiver
    from fangkong.orgs.models import Unit

    group = Unit.objects.get(code="CT")
    station = Unit.objects.get(code="CT-HEAT-S01")
    Message.objects.filter(state__in=["queued", "failed", "sending"]).update(state="dead")
    env = dict(os.environ)
    samples = []
    with WebhookReceiver() as receiver:
        channel = UnitChannel.objects.create(
            unit=group,
            kind="dingtalk",
            name="bench robot",
            target=receiver.url("/robot/send?access_token=x"),
        )
        connection.close()
        worker = subprocess.Popen(
            [str(ROOT / ".venv/bin/fangkong"), "worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # the worker's start-up
            for i in range(args.samples):
                seen = len(receiver.requests)
                started = time.perf_counter()
                file_incident(
                    actor=None,
                    unit=station,
                    kind="suspected",
                    title=f"latency {i}",
                    discovered_at=timezone.now(),
                )
                while len(receiver.requests) == seen and time.perf_counter() - started < 30:
                    time.sleep(0.01)
                samples.append(time.perf_counter() - started)
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(10)
            channel.is_active = False
            channel.save()
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    print(
        f"filing → first robot message: median {statistics.median(samples):.2f} s, "
        f"p95 {p95:.2f} s, max {samples[-1]:.2f} s over {len(samples)} filings"
    )


def main():
    args = parse_args()
    setup(args)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    from django.db import connection

    prepare()
    print(f"database: {connection.vendor}")
    sweep_figures(args)
    latency_figures(args)


if __name__ == "__main__":
    main()
