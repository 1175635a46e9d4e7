"""The rectification board at scale: the root of the 10,000-unit synthetic province with
rectification items at every unit (issue 13, Performance).

    .venv/bin/python bench/inspections_scale.py --database-url sqlite:////tmp/fk_ibench.sqlite3 --prepare
    .venv/bin/python bench/inspections_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_ibench --prepare

`--prepare` migrates, seeds the synthetic province when it is not there yet (`fangkong
seed-demo --units N --people M`) and bulk-inserts, for every unit, `--visits` finished
visits of the last weeks with `--per-visit` failed items each, every one a rectification
item: most closed (some this week), some fixed and waiting for verification, some open
(about a third of those overdue), the same item failed again at some units (repeats).
Then it times:

- (a) the board of the province root (`queries.get_board`: counts, the lists, repeats);
- (b) its page `/inspections/board/?unit=ROOT`;
- (c) `GET /api/v1/rectifications?unit=ROOT&state=open` (first page) and `state=overdue`;
- (d) the floor: one plain SQL aggregate of the four counts over the subtree.

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

BATCH = 5_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--visits", type=int, default=3, help="visits per unit, with --prepare")
    parser.add_argument("--per-visit", type=int, default=2, help="findings per visit")
    return parser.parse_args()


def prepare(args):
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from fangkong.inspections.choices import RectState, Result, VisitState
    from fangkong.inspections.models import (
        Answer,
        Checklist,
        ChecklistItem,
        Rectification,
        Visit,
    )
    from fangkong.inspections.services import due_hours
    from fangkong.inspections.testing import install_checklists
    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE

    call_command("migrate", verbosity=0, interactive=False)
    if not Unit.objects.filter(code=ROOT_CODE).exists():
        call_command("seed_demo", units=args.units, people=args.people)
    install_checklists()
    root = Unit.objects.get(code=ROOT_CODE)
    user = bench_user(root)
    if Visit.objects.filter(unit_path__startswith=root.path).exists():
        return
    started = time.perf_counter()
    version = Checklist.objects.get(code="community").current_version()
    items = list(ChecklistItem.objects.filter(version=version, kind="pass_fail"))
    units = list(Unit.objects.subtree(root).only("pk", "path").order_by("path"))
    rng = random.Random(13)
    now = timezone.now()

    visits = []
    for unit in units:
        for k in range(args.visits):
            at = now - timedelta(days=3 + 7 * k, hours=rng.randrange(10))
            visits.append(
                Visit(
                    unit_id=unit.pk,
                    unit_path=unit.path,
                    inspector=user,
                    checklist=version,
                    day=at.date(),
                    state=VisitState.DONE,
                    started_at=at,
                    finished_at=at,
                    created_at=at,
                )
            )
    Visit.objects.bulk_create(visits, batch_size=BATCH)
    visits = list(
        Visit.objects.filter(unit_path__startswith=root.path).only("pk", "unit_id", "unit_path")
    )
    answers = []
    for visit in visits:
        for item in rng.sample(items[:6], args.per_visit):  # a few items fail again and again
            answers.append(Answer(visit=visit, item=item, result=Result.FAIL, note="不足"))
    Answer.objects.bulk_create(answers, batch_size=BATCH)
    visit_of = {v.pk: v for v in visits}
    rects = []
    for answer in Answer.objects.filter(visit__unit_path__startswith=root.path).select_related(
        "item"
    ):
        visit = visit_of[answer.visit_id]
        item = answer.item
        created = now - timedelta(days=rng.randrange(1, 30))
        due = created + timedelta(hours=due_hours(item.severity))
        roll = rng.random()
        state = (
            RectState.CLOSED if roll < 0.7 else RectState.FIXED if roll < 0.8 else RectState.OPEN
        )
        closed = (
            created + timedelta(days=rng.randrange(1, 5)) if state == RectState.CLOSED else None
        )
        rects.append(
            Rectification(
                visit_id=visit.pk,
                answer=answer,
                item_code=item.code,
                title=item.label,
                detail="不足",
                unit_id=visit.unit_id,
                unit_path=visit.unit_path,
                severity=item.severity,
                due_at=due,
                state=state,
                fix_note="已整改" if state != RectState.OPEN else "",
                fixed_at=created + timedelta(hours=5) if state != RectState.OPEN else None,
                closed_at=min(closed, now) if closed else None,
                verified_at=min(closed, now) if closed else None,
                created_at=created,
            )
        )
    Rectification.objects.bulk_create(rects, batch_size=BATCH)
    from fangkong.inspections.services import recount_repeats

    recount_repeats()  # what finishing each visit would have kept
    # Statistics of the rows just inserted, as a live database's autovacuum would have
    # them: without, PostgreSQL plans the province's 60,000 items as one row.
    with connection.cursor() as cursor:
        for model in (Visit, Answer, Rectification):
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"ANALYZE {table}")
    print(
        f"# prepared {len(visits)} visits, {len(rects)} rectification items in "
        f"{time.perf_counter() - started:.1f} s"
    )


def main():
    args = parse_args()
    setup(args)
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from fangkong.inspections import queries
    from fangkong.inspections.models import Rectification
    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE

    if args.prepare:
        prepare(args)
    settings.DEBUG = False
    root = Unit.objects.get(code=ROOT_CODE)
    user = bench_user(root)
    client = Client()
    client.force_login(user)

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    table = connection.ops.quote_name(Rectification._meta.db_table)
    floor_sql = (
        f"SELECT SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN state = 'fixed' THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN state = 'open' AND due_at <= %s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN state = 'closed' AND closed_at >= %s THEN 1 ELSE 0 END) "
        f"FROM {table} WHERE unit_path >= %s AND unit_path < %s"
    )

    def floor():
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                floor_sql, [now, now - timedelta(days=7), root.path, root.path + "\uffff"]
            )
            cursor.fetchone()

    scenarios = [
        (f"(a) queries.get_board({ROOT_CODE})", lambda: queries.get_board(user, root)),
        (
            f"(b) GET /inspections/board/?unit={ROOT_CODE}",
            get(f"/inspections/board/?unit={ROOT_CODE}"),
        ),
        (
            f"(c) GET /api/v1/rectifications?unit={ROOT_CODE}&state=open",
            get(f"/api/v1/rectifications?unit={ROOT_CODE}&state=open"),
        ),
        (
            f"(c) GET /api/v1/rectifications?unit={ROOT_CODE}&state=overdue",
            get(f"/api/v1/rectifications?unit={ROOT_CODE}&state=overdue"),
        ),
        ("(d) floor: one SQL aggregate of the counts", floor),
    ]
    version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    board = queries.get_board(user, root)
    print(
        f"# {connection.vendor} {version}, Django {django.get_version()}, Python "
        f"{sys.version.split()[0]}; {Unit.objects.count()} units, "
        f"{Rectification.objects.count()} rectification items (open {board.open}, overdue "
        f"{board.overdue}, fixed {board.fixed}, closed this week {board.closed_week}, "
        f"repeats shown {len(board.repeats)}); {args.runs} runs each"
    )
    print()
    print("| scenario | median ms | p90 ms | min ms | queries |")
    print("|---|---:|---:|---:|---:|")
    for name, fn in scenarios:
        median, p90, fastest, captured = measure(fn, args.runs)
        print(f"| {name} | {median:.1f} | {p90:.1f} | {fastest:.1f} | {len(captured)} |")


if __name__ == "__main__":
    main()
