"""The daily bulletin of the province root (10,000 units of the synthetic province; issue
14, Performance: generated in under 10 s, .docx and PDF in under 10 s each).

    .venv/bin/python bench/bulletins_scale.py --database-url sqlite:////tmp/fk_bbench.sqlite3 --prepare
    .venv/bin/python bench/bulletins_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_bbench --prepare

`--prepare` migrates and seeds the synthetic province when it is not there yet (`fangkong
seed-demo --units N --people M`); the figures are whatever the other benches (reporting,
health, supplies, inspections) left in it. Then it times, as a user whose epidemic-office
role covers the province:

- (a) `figures.collect` of the root as of now (every app's reads);
- (b) `services.generate_bulletin` of the root for today (a draft refreshed each run);
- (c) the .docx (`document.to_docx`) and (d) the PDF (`document.to_pdf`, font embedded);
- (e) `GET /api/v1/bulletins/ROOT/TODAY` and (f) its `.pdf`.

Figures are printed (a Markdown table); timing never fails.
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orgs_scale import bench_user, measure, setup


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=10_000, help="with --prepare")
    return parser.parse_args()


def prepare(args):
    from django.core.management import call_command

    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE

    call_command("migrate", verbosity=0, interactive=False)
    if not Unit.objects.filter(code=ROOT_CODE).exists():
        call_command("seed_demo", units=args.units, people=args.people)


def main():
    args = parse_args()
    setup(args)
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from fangkong.bulletins import document, figures, services
    from fangkong.bulletins.models import Bulletin
    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE

    if args.prepare:
        prepare(args)
    settings.DEBUG = False
    root = Unit.objects.get(code=ROOT_CODE)
    user = bench_user(root)
    client = Client()
    client.force_login(user)
    day = root.local_date()
    Bulletin.objects.filter(unit=root, day=day).exclude(state="draft").delete()
    bulletin = services.generate_bulletin(actor=user, unit=root, day=day)

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    api = f"/api/v1/bulletins/{ROOT_CODE}/{day.isoformat()}"
    scenarios = [
        (f"(a) figures.collect({ROOT_CODE})", lambda: figures.collect(user, root, timezone.now())),
        (
            f"(b) services.generate_bulletin({ROOT_CODE})",
            lambda: services.generate_bulletin(actor=user, unit=root, day=day),
        ),
        ("(c) document.to_docx", lambda: document.to_docx(bulletin)),
        ("(d) document.to_pdf", lambda: document.to_pdf(bulletin)),
        (f"(e) GET {api}", get(api)),
        (f"(f) GET {api}.pdf", get(api + ".pdf")),
    ]
    version = connection.Database.sqlite_version if connection.vendor == "sqlite" else ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    sections = ", ".join(s["key"] for s in bulletin.sections)
    print(
        f"# {connection.vendor} {version}, Django {django.get_version()}, Python "
        f"{sys.version.split()[0]}; {Unit.objects.count()} units; sections: {sections}; "
        f".docx {len(document.to_docx(bulletin))} bytes, PDF {len(document.to_pdf(bulletin))} "
        f"bytes; {args.runs} runs each"
    )
    print()
    print("| scenario | median ms | p90 ms | min ms | queries |")
    print("|---|---:|---:|---:|---:|")
    for name, fn in scenarios:
        median, p90, fastest, captured = measure(fn, args.runs)
        print(f"| {name} | {median:.1f} | {p90:.1f} | {fastest:.1f} | {len(captured)} |")


if __name__ == "__main__":
    main()
