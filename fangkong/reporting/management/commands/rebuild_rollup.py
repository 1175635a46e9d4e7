import time
from datetime import date

from django.core.management.base import BaseCommand

from fangkong.reporting import rollup
from fangkong.reporting.models import ReportForm


class Command(BaseCommand):
    help = (
        "Recount the daily reports' roll-up (per form, day and ancestor) from the report "
        "rows and replace it; filings wait meanwhile. With --check, only compare."
    )

    def add_arguments(self, parser):
        parser.add_argument("--form", help="a form's code (default: every form)")
        parser.add_argument("--day", type=date.fromisoformat, action="append", help="a day")
        parser.add_argument("--check", action="store_true", help="compare, change nothing")

    def handle(self, *args, form=None, day=None, check=False, **options):
        form_id = ReportForm.objects.get(code=form).pk if form else None
        started = time.perf_counter()
        if check:
            expected = rollup.recount(form_id=form_id, days=day)
            actual = rollup.stored(form_id=form_id, days=day)
            wrong = {k for k in expected.keys() | actual.keys() if expected.get(k) != actual.get(k)}
            self.stdout.write(
                f"{len(expected)} roll-up rows recounted, {len(wrong)} differ "
                f"({time.perf_counter() - started:.1f} s)"
            )
            if wrong:
                raise SystemExit(1)
            return
        n = rollup.rebuild(form_id=form_id, days=day)
        self.stdout.write(f"{n} roll-up rows written in {time.perf_counter() - started:.1f} s")
