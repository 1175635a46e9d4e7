"""The organization tree at scale: 10,000 units and 1,000,000 people (issue 2, Performance).

    .venv/bin/python bench/orgs_scale.py --database-url sqlite:////tmp/fk_bench.sqlite3 --prepare
    .venv/bin/python bench/orgs_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_bench

`--prepare` migrates the database and seeds the synthetic province when it is not there
yet (`fangkong seed-demo --units N --people M`). Then it times, over `--runs` runs after a
warm-up: the head count of the largest group's subtree; the detail page of that group's
largest subsidiary and its htmx children partial; the people list filtered to the group,
first page and a middle page; the unit picker's search (by initials, by name, by code)
and its children partial. Pages go through Django's test Client, logged in as a user
whose role (epidemic office) covers the whole synthetic province, so the scope filter is
applied as in real use. Figures are printed (a Markdown table); timing never fails.
`--explain` prints the plan of every query of every scenario.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=1_000_000, help="with --prepare")
    parser.add_argument("--page", type=int, default=100, help="the middle page of the list")
    parser.add_argument("--explain", action="store_true", help="print query plans")
    return parser.parse_args()


def setup(args):
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()


def prepare(args):
    from django.core.management import call_command

    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE

    call_command("migrate", verbosity=0, interactive=False)
    if not Unit.objects.filter(code=ROOT_CODE).exists():
        call_command("seed_demo", units=args.units, people=args.people)


def bench_user(root):
    """A non-superuser whose epidemic-office role covers the province: scope filters apply."""
    from django.contrib.auth import get_user_model

    from fangkong.orgs.choices import Role
    from fangkong.orgs.models import RoleAssignment

    user, created = get_user_model().objects.get_or_create(
        username="bench-province", defaults={"first_name": "benchmark"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    RoleAssignment.objects.get_or_create(user=user, unit=root, role=Role.OFFICE)
    return user


def targets():
    """The synthetic root, its largest group (by units) and that group's largest subsidiary."""
    from django.db.models import Count, Q

    from fangkong.core.fields import subtree_q
    from fangkong.orgs.choices import UnitKind
    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE

    root = Unit.objects.filter(code=ROOT_CODE).first()
    if root is None:
        sys.exit(f"No synthetic province ({ROOT_CODE}) in this database: run with --prepare.")

    def largest(kind, under):
        candidates = list(Unit.objects.subtree(under).filter(kind=kind))
        sizes = Unit.objects.aggregate(
            **{f"n{u.pk}": Count("pk", filter=subtree_q("path", u.path)) for u in candidates}
        )
        return max(candidates, key=lambda u: (sizes[f"n{u.pk}"], u.code))

    group = largest(UnitKind.GROUP, root)
    subsidiary = largest(UnitKind.SUBSIDIARY, group)
    user = bench_user(root)
    counts = Unit.objects.aggregate(
        group_units=Count("pk", filter=subtree_q("path", group.path)),
        sub_children=Count("pk", filter=Q(parent=subsidiary)),
    )
    return root, group, subsidiary, user, counts


def measure(fn, runs):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm-up: caches, templates, translations
        fn()
    reset_queries()  # the capture counts from the log's length, which is capped
    with CaptureQueriesContext(connection) as captured:
        fn()
    # Read it now: every request of the timed runs clears the log again.
    captured = list(captured.captured_queries)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p90 = times[min(len(times) - 1, int(round(0.9 * len(times))) - 1)]
    return statistics.median(times), p90, times[0], captured


def explain(sql):
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return "\n".join(f"    {'  ' * (parent > 0)}{detail}" for _, parent, _, detail in rows)
    return "\n".join(f"    {row[0]}" for row in rows)


def main():
    args = parse_args()
    setup(args)
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from fangkong.orgs import queries

    if args.prepare:
        prepare(args)
    settings.DEBUG = False
    root, group, subsidiary, user, counts = targets()
    client = Client()
    client.force_login(user)

    def get(url, **headers):
        def fetch():
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    people_url = f"/orgs/people/?unit={group.code}"
    scenarios = [
        (f"head_count({group.code})", lambda: queries.head_count(group)),
        (f"GET /orgs/units/{subsidiary.code}/", get(f"/orgs/units/{subsidiary.code}/")),
        (
            f"GET /orgs/units/{subsidiary.code}/children/ (htmx)",
            get(f"/orgs/units/{subsidiary.code}/children/", hx_request="true"),
        ),
        (f"GET {people_url}", get(people_url)),
        (f"GET {people_url}&page={args.page}", get(f"{people_url}&page={args.page}")),
        # The unit picker (issue 11): what a user types, answered over the whole province.
        ("search_units('rlz') (initials)", lambda: queries.search_units(user, "rlz")),
        ("search_units('热力站') (name)", lambda: queries.search_units(user, "热力站")),
        (
            f"GET /orgs/pick/units/?q={subsidiary.code} (htmx)",
            get(f"/orgs/pick/units/?q={subsidiary.code}", hx_request="true"),
        ),
        (
            f"GET /orgs/pick/units/{subsidiary.code}/children/ (htmx)",
            get(f"/orgs/pick/units/{subsidiary.code}/children/", hx_request="true"),
        ),
    ]
    from fangkong.orgs.models import Person, Unit

    with connection.cursor() as cursor:
        version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    print(
        f"# {connection.vendor} {version}, Django {django.get_version()}, Python "
        f"{sys.version.split()[0]}; {Unit.objects.count()} units, "
        f"{Person.objects.count()} people; group {group.code}: {counts['group_units']} units, "
        f"{queries.head_count(group)} people; subsidiary {subsidiary.code}: "
        f"{counts['sub_children']} children; {args.runs} runs each"
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
        for name, captured in plans:
            print(f"\n## {name}")
            for query in captured:
                print(f"  [{query['time']} s] {query['sql'][:300]}")
                if query["sql"].lstrip().upper().startswith("SELECT"):
                    print(explain(query["sql"]))


if __name__ == "__main__":
    main()
