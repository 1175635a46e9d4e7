"""The supplies ledger at scale: 10,000 units, 20 items, 90 days — 10 million ledger rows
(issue 12, Performance).

    .venv/bin/python bench/supplies_scale.py --database-url sqlite:////tmp/fk_sbench.sqlite3 --prepare
    .venv/bin/python bench/supplies_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_sbench --prepare

`--prepare` migrates, seeds the synthetic province when it is not there yet (`fangkong
seed-demo --units N --people M`), adds bench items up to `--items`, and bulk-inserts
`--days` days of ledger ending yesterday for every (unit, item): a first receipt, then on
about half the days an issue, and a receipt whenever the stock runs low — with the day
rows (`StockDay`) and balances the services would have written. Then it times:

- (a) days of cover for every (unit, item) of the province recomputed by the
  `supplies.cover` sweep (`cover.refresh_stale`, once: it is a sweep), beside the floor:
  one plain SQL aggregate of the last 7 days of issues per (unit, item);
- (b) the stock of a unit (`queries.list_stock`, and `GET /api/v1/supplies/stock`), and
  of the root's whole subtree (`subtree=1`), beside a plain `SUM ... GROUP BY item`;
- (c) the shortfall board of the province root (`queries.list_shortfalls` first page and
  its totals, and the page `/supplies/board/?unit=ROOT`), beside the plain SQL of the
  first page;
- (d) recording one issue through `services.record_issue`, balance, day row and cover
  included, beside a plain UPDATE of the balance and INSERT of the move.

Pages go through Django's test Client as a user whose epidemic-office role covers the
province. Figures are printed (a Markdown table); timing never fails.
"""

import argparse
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orgs_scale import bench_user, measure, setup

ROW_BATCH = 20_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--items", type=int, default=20, help="with --prepare")
    parser.add_argument("--days", type=int, default=90, help="with --prepare")
    return parser.parse_args()


# --- data ------------------------------------------------------------------------------


def _items(n):
    from fangkong.supplies.models import Item
    from fangkong.supplies.testing import install_catalogue

    install_catalogue()
    items = list(Item.objects.filter(durable=False).order_by("sort_order", "code"))
    k = 1
    while len(items) < n:
        item, _created = Item.objects.get_or_create(
            code=f"bench-item-{k:02d}",
            defaults={"name": f"测试物资{k}", "category": "other", "unit_of_measure": "件"},
        )
        if item not in items:
            items.append(item)
        k += 1
    return items[:n]


def _insert(model, fields, rows) -> int:
    """Bulk-insert `rows` (tuples in `fields` order): COPY on PostgreSQL, executemany on
    SQLite. Returns the count."""
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    count = 0
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count
    marks = ", ".join("?" * len(fields))
    batch = []
    adapt = connection.ops.adapt_datetimefield_value
    for row in rows:
        batch.append(
            [
                adapt(v)
                if isinstance(v, datetime)
                else v.isoformat()
                if hasattr(v, "isoformat")
                else v
                for v in row
            ]
        )
        if len(batch) == ROW_BATCH:
            connection.connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch
            )
            count += len(batch)
            batch = []
    if batch:
        connection.connection.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})", batch
        )
        count += len(batch)
    return count


def prepare(args):
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE
    from fangkong.supplies.models import Balance, Move, StockDay

    call_command("migrate", verbosity=0, interactive=False)
    if not Unit.objects.filter(code=ROOT_CODE).exists():
        call_command("seed_demo", units=args.units, people=args.people)
    root = Unit.objects.get(code=ROOT_CODE)
    user = bench_user(root)
    if Move.objects.filter(unit_path__startswith=root.path).exists():
        return
    items = _items(args.items)
    units = list(Unit.objects.subtree(root).only("pk", "path", "timezone").order_by("path"))
    rng = random.Random(12)
    end = root.local_date(timezone.now()) - timedelta(days=1)
    start = end - timedelta(days=args.days - 1)
    tz = root.tzinfo
    started = time.perf_counter()
    balances, days_rows = [], []

    def moves():
        for unit in units:
            for item in items:
                level = 0
                for offset in range(args.days):
                    day = start + timedelta(days=offset)
                    noon = datetime(day.year, day.month, day.day, 9, tzinfo=tz)
                    opening, received, issued, peak = level, 0, 0, level
                    if level < 30:
                        got = rng.choice((300, 500, 600))
                        level += got
                        received, peak = got, level
                        yield (
                            unit.pk,
                            unit.path,
                            item.pk,
                            "receipt",
                            got,
                            level,
                            "purchase",
                            noon,
                            user.pk,
                        )
                    if rng.random() < 0.5:
                        used = min(level, rng.randint(1, 40))
                        if used:
                            level -= used
                            issued = used
                            yield (
                                unit.pk,
                                unit.path,
                                item.pk,
                                "issue",
                                -used,
                                level,
                                "",
                                noon + timedelta(hours=8),
                                user.pk,
                            )
                    if received or issued:
                        days_rows.append(
                            (
                                unit.pk,
                                unit.path,
                                item.pk,
                                day,
                                opening,
                                received,
                                issued,
                                level,
                                peak,
                            )
                        )
                balances.append(
                    (unit.pk, unit.path, item.pk, level, timezone.now(), "adequate", 0, 0)
                )

    move_fields = [
        "unit",
        "unit_path",
        "item",
        "kind",
        "delta",
        "balance_after",
        "source",
        "at",
        "by",
    ]
    move_fields = [f"{f}_id" if f in ("unit", "item", "by") else f for f in move_fields]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -524288")
    with transaction.atomic():
        # Move has blank defaults for the other text columns: give them in the rows.
        extra = ["purpose", "reason", "note"]
        n_moves = _insert(Move, move_fields + extra, (row + ("", "", "") for row in moves()))
        n_days = _insert(
            StockDay,
            [
                "unit_id",
                "unit_path",
                "item_id",
                "day",
                "opening",
                "received",
                "issued",
                "closing",
                "peak",
            ],
            days_rows,
        )
        _insert(
            Balance,
            [
                "unit_id",
                "unit_path",
                "item_id",
                "quantity",
                "updated_at",
                "state",
                "severity",
                "shortfall",
            ],
            balances,
        )
    inserted = time.perf_counter() - started
    with connection.cursor() as cursor:
        for model in (Move, StockDay, Balance):
            table = model._meta.db_table
            cursor.execute(
                f"VACUUM ANALYZE {table}"
                if connection.vendor == "postgresql"
                else f"ANALYZE {table}"
            )
        if connection.vendor == "sqlite":
            # The insert is one transaction of gigabytes: left in the WAL, every later
            # page read searches its whole index (minutes for one query of the sweep).
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(
        f"# ledger: {n_moves:,} moves, {n_days:,} day rows, {len(balances):,} balances for "
        f"{len(units):,} units × {len(items)} items over {args.days} days in {inserted:.0f} s"
    )


# --- scenarios -------------------------------------------------------------------------


def sql_runner(sql, params):
    from django.db import connection

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


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
    from fangkong.supplies import cover, queries, services
    from fangkong.supplies.models import Balance, Item, Move

    root = Unit.objects.filter(code=ROOT_CODE).first()
    if root is None:
        sys.exit("No synthetic province in this database: run with --prepare.")
    user = bench_user(root)
    n_moves = Move.objects.filter(unit_path__startswith=root.path).count()
    site = Unit.objects.filter(path__startswith=root.path, kind="site").order_by("path").first()
    item = Item.objects.filter(balances__unit=site).order_by("sort_order").first()
    rows = []

    def add(name, fn, runs=args.runs):
        median, p90, best, queries_ = measure(fn, runs)
        rows.append((name, median, p90, best, len(queries_)))

    # (a) the sweep, once over every balance.
    Balance.objects.filter(unit_path__startswith=root.path).update(rate_day=None)
    started = time.perf_counter()
    done = cover.refresh_stale()
    sweep = time.perf_counter() - started
    today = root.local_date()
    week = today - timedelta(days=cover.rate_days())
    day = week.isoformat() if connection.vendor == "sqlite" else week
    floor_rate = sql_runner(
        "SELECT unit_id, item_id, SUM(issued) FROM supplies_stockday WHERE day >= %s "
        "GROUP BY unit_id, item_id",
        [day],
    )
    started = time.perf_counter()
    floor_rate()
    floor_sweep = time.perf_counter() - started
    print(
        f"# (a) cover.refresh_stale: {done:,} balances in {sweep:.1f} s; floor (one SQL "
        f"aggregate of the week's issues) {floor_sweep:.1f} s"
    )

    # (b) stock of a unit and of the province.
    add(f"(b) list_stock({site.code})", lambda: queries.list_stock(user, site))
    add(
        f"(b) list_stock({ROOT_CODE}, subtree)",
        lambda: queries.list_stock(user, root, subtree=True),
        10,
    )
    upper = root.path[:-1] + "0"
    add(
        "(b) floor: SUM(quantity) GROUP BY item over the province",
        sql_runner(
            "SELECT item_id, SUM(quantity), SUM(rate) FROM supplies_balance "
            "WHERE unit_path >= %s AND unit_path < %s GROUP BY item_id",
            [root.path, upper],
        ),
        10,
    )
    client = Client()
    client.force_login(user)
    add(
        f"(b) GET /api/v1/supplies/stock?unit={site.code}",
        lambda: client.get(f"/api/v1/supplies/stock?unit={site.code}"),
    )

    # (c) the board of the province root.
    add(
        f"(c) list_shortfalls({ROOT_CODE}) first page",
        lambda: list(queries.list_shortfalls(user, root)[:50]),
    )
    add(f"(c) summarize_shortfalls({ROOT_CODE})", lambda: queries.summarize_shortfalls(user, root))
    add(
        "(c) floor: the first page in plain SQL",
        sql_runner(
            "SELECT id FROM supplies_balance WHERE severity >= 2 AND unit_path >= %s AND "
            "unit_path < %s ORDER BY severity DESC, days_of_cover, shortfall DESC LIMIT 50",
            [root.path, upper],
        ),
    )
    add(
        f"(c) GET /supplies/board/?unit={ROOT_CODE}",
        lambda: client.get(f"/supplies/board/?unit={ROOT_CODE}"),
        10,
    )
    add(
        "(c) its subtree stock, fetched after it (&part=stock)",
        lambda: client.get(f"/supplies/board/?unit={ROOT_CODE}&part=stock"),
        10,
    )

    # (d) one issue through the service, then the floor.
    def record():
        services.record_receipt(actor=user, unit=site, item=item, quantity=2)
        services.record_issue(actor=user, unit=site, item=item, quantity=1, purpose="bench")

    add("(d) record_receipt + record_issue (2 moves)", record)
    balance_id = Balance.objects.get(unit=site, item=item).pk
    now = timezone.now()
    now_param = (
        connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    )

    def floor_move():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE supplies_balance SET quantity = quantity + 1 WHERE id = %s", [balance_id]
            )
            cursor.execute(
                "INSERT INTO supplies_move (unit_id, unit_path, item_id, kind, delta, "
                "balance_after, source, purpose, reason, note, at, by_id) VALUES "
                "(%s, %s, %s, 'receipt', 1, 1, 'other', '', '', '', %s, %s)",
                [site.pk, site.path, item.pk, now_param, user.pk],
            )

    add("(d) floor: UPDATE balance + INSERT move (1 move)", floor_move)

    print(f"\n{connection.vendor}, {n_moves:,} ledger rows, {args.runs} runs\n")
    print("| scenario | median ms | p90 ms | best ms | queries |")
    print("|---|---:|---:|---:|---:|")
    for name, median, p90, best, count in rows:
        print(f"| {name} | {median:.1f} | {p90:.1f} | {best:.1f} | {count} |")


if __name__ == "__main__":
    main()
