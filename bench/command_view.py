"""The command view (一张图) of the province root at 10,000 units (issue 11, Performance:
under 300 ms).

    .venv/bin/python bench/command_view.py --database-url sqlite:////tmp/fk_rbench.sqlite3 --prepare
    .venv/bin/python bench/command_view.py --database-url postgres://postgres@127.0.0.1:5432/fk_rbench --prepare

It reuses the data of `reporting_scale.py` (its `--prepare`: the synthetic province, the
daily form of 9,969 units, `--days` days of history ending on 2020-04-30) and adds, once,
what the other panels read on that day: check-in tallies for every unit with people (about
95 % checked in, a few fevers), duty rooms on the root and on every group with three
people on duty at noon, and `--incidents` open incidents filed that morning (their
clocks, receipts). Then it times, over `--runs` runs after a warm-up, median, 90th
percentile and fastest run, through Django's test Client logged in as `bench-province`
(epidemic office on the root, not a superuser): `GET /workbench/command/?unit=SYN&at=…`
(2020-04-30 12:00 on the root's clock), the same in wall mode as htmx fetches it (the
panels alone), the deferred 14-day trend as the page fetches it once loaded, the same
page for the largest group, each panel's function on its own, and in
the same run the floor: the report summary of the root written as one plain SQL
statement. `--explain` prints every query of the root's page with its plan.
"""

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orgs_scale import explain, measure, setup, targets
from reporting_scale import HISTORY_END, floor_sql
from reporting_scale import prepare as prepare_reports


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=100_000, help="with --prepare")
    parser.add_argument("--days", type=int, default=90, help="with --prepare: days of history")
    parser.add_argument("--incidents", type=int, default=30, help="with --prepare")
    parser.add_argument("--explain", action="store_true", help="print query plans")
    return parser.parse_args()


def moment(root) -> datetime:
    return datetime(HISTORY_END.year, HISTORY_END.month, HISTORY_END.day, 12, 0, tzinfo=root.tzinfo)


def prepare_panels(args, root, user) -> None:
    """Tallies, duty rooms and incidents of the bench day, once (bulk rows; incidents
    through the service, so their clocks and receipts are real)."""
    import random

    from django.db.models import Count

    from fangkong.duty.choices import DutyRole
    from fangkong.duty.models import DutyRoom, Shift
    from fangkong.health.choices import Category
    from fangkong.health.models import CheckInTally
    from fangkong.incidents import services as incidents
    from fangkong.incidents.models import Incident
    from fangkong.orgs.choices import UnitKind
    from fangkong.orgs.models import Person, Unit

    started = time.perf_counter()
    at = moment(root)
    rng = random.Random(11)
    if not CheckInTally.objects.in_subtree(root).filter(day=HISTORY_END).exists():
        staff = (
            Person.objects.in_subtree(root)
            .filter(is_active=True)
            .values_list("unit_id", "unit_path")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows = []
        for unit_id, path, n in staff:
            done = n if rng.random() < 0.8 else int(n * rng.uniform(0.5, 1))
            rows.append(
                CheckInTally(
                    unit_id=unit_id,
                    unit_path=path,
                    day=HISTORY_END,
                    category=Category.values[0],
                    checked_in=done,
                    fever=1 if rng.random() < 0.01 else 0,
                    at_post=done,
                )
            )
        CheckInTally.objects.bulk_create(rows, batch_size=5_000)
    levels = [root, *Unit.objects.filter(parent=root, kind=UnitKind.GROUP).order_by("path")]
    if not DutyRoom.objects.filter(unit=root).exists():
        for unit in levels:
            room = DutyRoom.objects.create(
                unit=unit, name=f"{unit.name}值班室", phone="0471-0000000"
            )
            people = list(Person.objects.in_subtree(unit).filter(is_active=True)[:3])
            for role, person in zip(DutyRole.values, people, strict=False):
                Shift.objects.create(
                    room=room,
                    role=role,
                    person=person,
                    starts_at=at - timedelta(hours=4),
                    ends_at=at + timedelta(hours=20),
                )
    if not Incident.objects.in_subtree(root).exists():
        sites = list(Unit.objects.subtree(root).filter(kind=UnitKind.SITE).order_by("path"))
        for i in range(args.incidents):
            filed = at - timedelta(minutes=rng.randint(5, 180))
            incidents.file_incident(
                actor=user,
                unit=sites[(i * 97) % len(sites)],
                kind="suspected" if i % 3 else "other",
                title=f"基准事件 {i}",
                discovered_at=filed - timedelta(minutes=5),
                now=filed,
            )
    print(f"# panels' data ready in {time.perf_counter() - started:.1f} s")


def main():
    args = parse_args()
    setup(args)
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils.http import urlencode

    from fangkong.core.command import _panels
    from fangkong.orgs.models import Unit
    from fangkong.reporting.models import ReportForm

    if args.prepare:
        prepare_reports(args)
        root = Unit.objects.get(code="SYN")
        from orgs_scale import bench_user

        prepare_panels(args, root, bench_user(root))
    settings.DEBUG = False
    root, group, _subsidiary, user, _counts = targets()
    at = moment(root)
    form = ReportForm.objects.get(code="daily")
    client = Client()
    client.force_login(user)
    url = reverse("workbench:command")
    stamp = at.strftime("%Y-%m-%dT%H:%M")

    def get(query, **headers):
        target = f"{url}?{urlencode(query)}"

        def fetch():
            response = client.get(target, headers=headers)
            assert response.status_code == 200, (target, response.status_code)

        return fetch

    def panel(fn):
        from django.contrib.auth import get_user_model

        from fangkong.core.scope import forget_scopes

        actor = get_user_model().objects.get(pk=user.pk)

        def run():
            forget_scopes(actor)  # a request resolves the scope afresh
            fn(actor, root, at)

        return run

    scenarios = [
        (f"GET {url}?unit={root.code}&at={stamp}", get({"unit": root.code, "at": stamp})),
        (
            f"GET {url}?unit={root.code}&at=…&wall=1 (htmx: the panels)",
            get({"unit": root.code, "at": stamp, "wall": "1"}, HX_Request="true"),
        ),
        (
            f"GET {url}?unit={root.code}&at=…&panel=reporting.trend (deferred, after the page)",
            get({"unit": root.code, "at": stamp, "panel": "reporting.trend"}),
        ),
        (f"GET {url}?unit={group.code}&at={stamp}", get({"unit": group.code, "at": stamp})),
    ]
    scenarios += [
        (f"panel {p.name}({root.code})", panel(p.fn))
        for p in sorted(_panels.values(), key=lambda p: p.order)
    ]
    scenarios.append(
        (
            f"floor: plain SQL summary of {root.code}",
            floor_sql(form, root, HISTORY_END, at),
        )
    )

    with connection.cursor() as cursor:
        version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    print(
        f"# {connection.vendor} {version}, Django {django.get_version()}, Python "
        f"{sys.version.split()[0]}; {Unit.objects.count()} units; at {stamp} "
        f"({root.timezone}); {args.runs} runs each"
    )
    print()
    print("| scenario | median ms | p90 ms | min ms | queries |")
    print("|---|---:|---:|---:|---:|")
    plans = []
    for name, fn in scenarios:
        median, p90, fastest, captured = measure(fn, args.runs)
        print(f"| {name} | {median:.1f} | {p90:.1f} | {fastest:.1f} | {len(captured)} |")
        plans.append((name, captured))
    if args.explain:
        name, captured = plans[0]
        print(f"\n## {name}")
        for query in captured:
            print(f"  [{query['time']} s] {query['sql'][:400]}")
            if query["sql"].lstrip().upper().startswith("SELECT"):
                print(explain(query["sql"]))


if __name__ == "__main__":
    main()
