from django.core.management.base import BaseCommand

from fangkong.accountability.services import record_overdue


class Command(BaseCommand):
    help = (
        "Record missing reports, late filings and corrections after the cut-off of the last "
        "DAYS days in the accountability ledger (the worker does the last 3 days every "
        "minute; use this after the worker was down longer). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, **options):
        counts = record_overdue(days=options["days"])
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
