"""`fangkong purge-health --before DATE`: delete person-level health data older than a day.

Check-ins (with their earlier versions), observation follow-ups and trips that ended
before DATE are deleted; the per-unit counts of the check-ins (`CheckInTally`) are kept,
so completeness and totals of those days can still be read. Health cases and observations
themselves are kept (they are the record of what was done); their follow-ups go.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fangkong.health.models import CheckIn, FollowUp, Trip


class Command(BaseCommand):
    help = (
        "Delete person-level check-ins, follow-ups and trips older than a date (keeps unit counts)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: rows of earlier days go")
        parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")

    def handle(self, *args, before, dry_run, **options):
        try:
            day = date.fromisoformat(before)
        except ValueError:
            raise CommandError("--before must be a date, YYYY-MM-DD.") from None
        querysets = {
            "check-ins": CheckIn.objects.filter(day__lt=day),
            "follow-ups": FollowUp.objects.filter(day__lt=day),
            "trips": Trip.objects.filter(depart_on__lt=day).exclude(return_on__gte=day),
        }
        with transaction.atomic():
            for label, qs in querysets.items():
                if dry_run:
                    self.stdout.write(f"{label}: {qs.count()} would be deleted")
                else:
                    deleted, _detail = qs.delete()
                    self.stdout.write(f"{label}: {deleted} rows deleted (with their dependants)")
        if not dry_run:
            self.stdout.write(f"Person-level health data before {day} deleted; unit counts kept.")
