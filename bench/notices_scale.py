"""Orders and notices at scale: a notice to every unit of the synthetic province (10,000
units; issue 14, Performance: issued in under 5 s, the root's receipts page under 200 ms).

    .venv/bin/python bench/notices_scale.py --database-url postgres://postgres@127.0.0.1:5432/fk_noticebench --prepare

`--prepare` migrates and seeds the synthetic province when it is not there yet (`fangkong
seed-demo --units N --people M`). Then it times:

- (a) issuing one notice of the root to its whole subtree through
  `notices.services.issue_notice` (numbered, one receipt per unit written in batches, the
  in-app messages queued per batch of units, the audit row), once; then marks about two
  thirds of the receipts read and half acknowledged (plain UPDATEs), as a day later;
- (b) the receipts of the root: `queries.get_tally` (counts with one row per child), the
  API's `GET /api/v1/notices/{id}/receipts` and the page `/notices/{id}/`, as a user whose
  epidemic-office role covers the province (scope filters apply);
- (c) the re-reminder of the laggards (`services.remind`, level 1), once.

Notices of the benchmark (its title) are deleted at the start, so it can run again.
Figures are printed (a Markdown table); timing never fails.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orgs_scale import bench_user, measure, prepare, setup

TITLE = "基准测试：关于做好疫情防控工作的通知"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: $DATABASE_URL, else the default SQLite")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--prepare", action="store_true", help="migrate and seed if needed")
    parser.add_argument("--units", type=int, default=10_000, help="with --prepare")
    parser.add_argument("--people", type=int, default=10_000, help="with --prepare")
    return parser.parse_args()


def main():
    args = parse_args()
    setup(args)
    if args.prepare:
        prepare(args)
    from django.db.models import F
    from django.test import Client

    from fangkong.notices import queries, services
    from fangkong.notices.models import Notice, Receipt, Reminder
    from fangkong.notify.models import Message
    from fangkong.orgs.models import Unit
    from fangkong.orgs.synthetic import ROOT_CODE

    root = Unit.objects.filter(code=ROOT_CODE).first()
    if root is None:
        sys.exit("No synthetic province in this database: run with --prepare.")
    user = bench_user(root)
    old = list(Notice.objects.filter(title=TITLE).values_list("pk", flat=True))
    Message.objects.filter(url__in=[f"/notices/{pk}/" for pk in old]).delete()
    Reminder.objects.filter(notice_id__in=old).delete()
    Receipt.objects.filter(notice_id__in=old).delete()
    Notice.objects.filter(pk__in=old).update(root=None)
    Notice.objects.filter(pk__in=old).delete()
    units = Unit.objects.subtree(root).count()

    started = time.perf_counter()
    notice = services.issue_notice(
        actor=user, issuer=root, title=TITLE, body="<p>各单位：</p>", recipients=[root]
    )
    issue = time.perf_counter() - started
    messages = Message.objects.filter(url=f"/notices/{notice.pk}/").count()
    print(
        f"# (a) issue_notice to {units:,} units: {notice.receipt_count:,} receipts and "
        f"{messages:,} messages in {issue:.2f} s"
    )
    rows = Receipt.objects.filter(notice=notice)
    now = notice.issued_at
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    read = ids[: len(ids) * 2 // 3]
    acked = ids[: len(ids) // 2]
    for start in range(0, len(read), 2000):
        Receipt.objects.filter(pk__in=read[start : start + 2000]).update(read_at=now, read_by=user)
    for start in range(0, len(acked), 2000):
        Receipt.objects.filter(pk__in=acked[start : start + 2000]).update(
            acked_at=now, acked_by=user, replied_at=F("acked_at")
        )

    table = []

    def add(name, fn):
        median, p90, best, captured = measure(fn, args.runs)
        table.append((name, median, p90, best, len(captured)))

    add(f"(b) queries.get_tally({ROOT_CODE})", lambda: queries.get_tally(user, notice, root))
    client = Client()
    client.force_login(user)
    path = f"/api/v1/notices/{notice.pk}/receipts?unit={ROOT_CODE}"
    add(f"(b) GET {path}", lambda: client.get(path))
    page = f"/notices/{notice.pk}/"
    add(f"(b) GET {page}", lambda: client.get(page))
    started = time.perf_counter()
    reminder = services.remind(actor=user, notice=notice)
    remind = time.perf_counter() - started
    print(f"# (c) remind: {reminder.units:,} units reminded in {remind:.2f} s")
    print()
    print("| what | median ms | p90 ms | best ms | queries |")
    print("|---|---:|---:|---:|---:|")
    for name, median, p90, best, n in table:
        print(f"| {name} | {median:.1f} | {p90:.1f} | {best:.1f} | {n} |")


if __name__ == "__main__":
    main()
