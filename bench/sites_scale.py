"""Disinfection and ventilation at scale: 10,000 units with schedules (about 30,000 slots a
day), 90 days — 2.7 million slot rows (issue 13, Performance).

    .venv/bin/python bench/sites_scale.py --database-url sqlite:////tmp/fk_sitebench.sqlite3 --prepare
    .venv/bin/python bench/sites_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_sitebench --prepare

`--prepare` migrates, seeds the synthetic province when it is not there yet (`fangkong
seed-demo --units N --people M`), sets one schedule at the root for every site kind there
with as many slots a day as make about `--slots` slots a day in all (at most 12 a site),
and bulk-inserts `--days` days of slots ending yesterday for every site — mostly done on
time, some late, a few missed — with the per-site day tallies the services keep. Then it
times:

- (a) the slot sweep for a day (`services.sync_slots` for today, once: it is a sweep),
  from nothing, then again with every row there (the idle run the worker does every ten
  minutes); beside it, the floor: one plain INSERT … SELECT of the day's rows;
- (b) compliance of the province root for yesterday (`queries.get_compliance`, the API's
  `GET /api/v1/sites/compliance`, and the page `/sites/?unit=ROOT`), beside the floor: a
  plain SUM of the day's tallies;
- (c) logging one slot through `services.log_slot` (slot, tally and audit row), beside a
  plain UPDATE of the slot and its tally.

Pages go through Django's test Client as a user whose epidemic-office role covers the
province. Figures are printed (a Markdown table); timing never fails.
"""

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orgs_scale import bench_user, measure, setup
from supplies_scale import _insert, sql_runner


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--slots", type=int, default=30_000, help="a day, with --prepare")
    parser.add_argument("--days", type=int, default=90, help="with --prepare")
    return parser.parse_args()


# --- data ------------------------------------------------------------------------------


def _sites(root):
    from fangkong.orgs.choices import UnitKind
    from fangkong.orgs.models import Unit

    return list(
        Unit.objects.subtree(root)
        .filter(kind=UnitKind.SITE)
        .exclude(site_kind="")
        .only("pk", "path", "kind", "site_kind", "timezone", "active_from", "active_to")
        .order_by("path")
    )


def prepare(args):
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE
    from fangkong.sites import schedules
    from fangkong.sites.choices import Covers
    from fangkong.sites.models import Schedule, Slot, SlotTally

    call_command("migrate", verbosity=0, interactive=False)
    if not Unit.objects.filter(code=ROOT_CODE).exists():
        call_command("seed_demo", units=args.units, people=args.people)
    root = Unit.objects.get(code=ROOT_CODE)
    user = bench_user(root)
    if Slot.objects.filter(unit_path__startswith=root.path).exists():
        return
    sites = _sites(root)
    per_site = max(1, min(schedules.MAX_SLOTS, round(args.slots / max(1, len(sites)))))
    times = [f"{7 + (i * 14) // per_site:02d}:{(i * 37) % 60:02d}" for i in range(per_site)]
    rows = [{"at": t, "covers": Covers.BOTH, "agent": schedules.CHLORINE} for t in times]
    for kind in {s.site_kind for s in sites}:
        if not Schedule.objects.filter(unit=root, site_kind=kind).exists():
            schedules.set_schedule(actor=user, unit=root, site_kind=kind, slots=rows)
    resolver = schedules.Resolver()
    rng = random.Random(13)
    end = root.local_date(timezone.now()) - timedelta(days=1)
    start = end - timedelta(days=args.days - 1)
    tallies = []
    started = time.perf_counter()

    def slots():
        for site in sites:
            plan = resolver.plan(site)
            if plan is None:
                continue
            for offset in range(args.days):
                day = start + timedelta(days=offset)
                counts = {"done": 0, "late": 0, "missed": 0}
                for spec in plan.slots:
                    starts, ends, missed = plan.times(site, day, spec)
                    roll = rng.random()
                    if roll < 0.03:
                        state, at = "missed", None
                    elif roll < 0.10:
                        state, at = "late", ends + timedelta(minutes=rng.randint(1, 100))
                    else:
                        state, at = "done", starts + timedelta(minutes=rng.randint(1, 110))
                    counts[state] += 1
                    yield (
                        site.pk,
                        site.path,
                        day,
                        spec.number,
                        starts,
                        ends,
                        missed,
                        spec.covers,
                        spec.agent,
                        spec.label,
                        state,
                        at,
                        '["disinfection", "ventilation"]' if at else "[]",
                        "",
                        "",
                        "demo" if at else "",
                        missed if state == "missed" else None,
                    )
                tallies.append((site.pk, site.path, day, len(plan.slots), 0, *counts.values()))

    fields = [
        "site_id",
        "unit_path",
        "day",
        "number",
        "starts_at",
        "ends_at",
        "missed_at",
        "covers",
        "agent",
        "label",
        "state",
        "logged_at",
        "done",
        "note",
        "photo",
        "via",
        "told_at",
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -524288")
    with transaction.atomic():
        n = _insert(Slot, fields, slots())
        _insert(
            SlotTally,
            ["site_id", "unit_path", "day", "total", "expected", "done", "late", "missed"],
            tallies,
        )
    inserted = time.perf_counter() - started
    with connection.cursor() as cursor:
        for model in (Slot, SlotTally):
            table = model._meta.db_table
            cursor.execute(
                f"VACUUM ANALYZE {table}"
                if connection.vendor == "postgresql"
                else f"ANALYZE {table}"
            )
    print(
        f"# slots: {n:,} rows, {len(tallies):,} tallies for {len(sites):,} sites × "
        f"{per_site} a day over {args.days} days in {inserted:.0f} s"
    )


# --- scenarios -------------------------------------------------------------------------


def main():
    args = parse_args()
    setup(args)
    if args.prepare:
        prepare(args)
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE
    from fangkong.sites import queries, services
    from fangkong.sites.models import Slot, SlotTally

    root = Unit.objects.filter(code=ROOT_CODE).first()
    if root is None:
        sys.exit("No synthetic province in this database: run with --prepare.")
    user = bench_user(root)
    n_slots = Slot.objects.filter(unit_path__startswith=root.path).count()
    today = root.local_date()
    yesterday = today - timedelta(days=1)
    rows = []

    def add(name, fn, runs=args.runs):
        median, p90, best, queries_ = measure(fn, runs)
        rows.append((name, median, p90, best, len(queries_)))

    # (a) the sweep for today, from nothing, then idle.
    Slot.objects.filter(day=today).delete()
    SlotTally.objects.filter(day=today).delete()
    now = timezone.now()
    started = time.perf_counter()
    made = services.sync_slots(today, now=now - timedelta(days=1))
    sweep = time.perf_counter() - started
    started = time.perf_counter()
    services.sync_slots(today, now=now - timedelta(days=1))
    idle = time.perf_counter() - started
    print(
        f"# (a) sync_slots({today}): {made['created']:,} slots made in {sweep:.1f} s; "
        f"again with all there {idle:.1f} s"
    )
    tomorrow = today + timedelta(days=1)
    day_param = yesterday.isoformat() if connection.vendor == "sqlite" else yesterday
    next_param = tomorrow.isoformat() if connection.vendor == "sqlite" else tomorrow
    with transaction.atomic():
        Slot.objects.filter(day=tomorrow).delete()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO sites_slot (site_id, unit_path, day, number, starts_at, ends_at, "
                "missed_at, covers, agent, label, state, done, note, photo, via) "
                "SELECT site_id, unit_path, %s, number, starts_at, ends_at, missed_at, covers, "
                "agent, label, 'expected', '[]', '', '', '' FROM sites_slot WHERE day = %s",
                [next_param, day_param],
            )
        floor = time.perf_counter() - started
        transaction.set_rollback(True)
    print(f"# (a) floor: one INSERT … SELECT of a day's slots {floor:.1f} s")

    # (b) compliance of the province root for yesterday.
    add(
        f"(b) get_compliance({ROOT_CODE}, {yesterday})",
        lambda: queries.get_compliance(root, yesterday),
    )
    upper = root.path[:-1] + "0"
    add(
        "(b) floor: SUM of the day's tallies over the province",
        sql_runner(
            "SELECT SUM(total), SUM(expected), SUM(done), SUM(late), SUM(missed) "
            "FROM sites_slottally WHERE day = %s AND unit_path >= %s AND unit_path < %s",
            [day_param, root.path, upper],
        ),
    )
    client = Client()
    client.force_login(user)
    add(
        f"(b) GET /api/v1/sites/compliance?unit={ROOT_CODE}",
        lambda: client.get(f"/api/v1/sites/compliance?unit={ROOT_CODE}&day={yesterday}"),
    )
    add(
        f"(b) GET /sites/?unit={ROOT_CODE}",
        lambda: client.get(f"/sites/?unit={ROOT_CODE}&day={yesterday}"),
        10,
    )

    # (c) logging a slot: a fresh one of today each run.
    todo = list(
        Slot.objects.filter(day=today, state="expected", unit_path__startswith=root.path)
        .select_related("site")
        .order_by("pk")[: args.runs + 10]
    )

    def log():
        slot = todo.pop()
        services.log_slot(
            slot=slot,
            done=["disinfection", "ventilation"],
            actor=user,
            now=slot.starts_at + timedelta(minutes=5),
        )

    add("(c) services.log_slot", log, args.runs)
    target = todo[0] if todo else None

    def floor_log():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE sites_slot SET state = 'expected', logged_at = NULL WHERE id = %s",
                [target.pk],
            )
            cursor.execute(
                "UPDATE sites_slottally SET done = done + 1 WHERE site_id = %s AND day = %s",
                [target.site_id, today.isoformat() if connection.vendor == "sqlite" else today],
            )

    if target is not None:
        add("(c) floor: UPDATE slot + UPDATE tally", floor_log)

    print(f"\n{connection.vendor}, {n_slots:,} slot rows, {args.runs} runs\n")
    print("| scenario | median ms | p90 ms | best ms | queries |")
    print("|---|---:|---:|---:|---:|")
    for name, median, p90, best, count in rows:
        print(f"| {name} | {median:.1f} | {p90:.1f} | {best:.1f} | {count} |")


if __name__ == "__main__":
    main()
