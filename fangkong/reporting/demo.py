"""Demo data of the daily report: assignments and 30 days of history, so trends and the
completeness matrix are never empty, and a demo morning with units filed, units
zero-reported and units missing. Deterministic and idempotent: each (unit, day) draws
from its own seeded generator, and filed rows are never touched again."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Person, Unit

from . import rollup
from .models import Assignment, DailyReport, ReportForm, ReportRevision
from .services import expected_reports
from .shipped import install_current

HISTORY_DAYS = 30
REPORTING_SITES = [k for k in SiteKind.values if k != SiteKind.VEHICLE]


def _assignments():
    # The shipped forms come with a migration; a test database flushed since has lost them.
    install_current()
    daily = ReportForm.objects.get(code="daily")
    sasac = ReportForm.objects.get(code="sasac")
    for code in ("CT", "WL", "CQ"):
        Assignment.objects.get_or_create(
            form=daily,
            root=Unit.objects.get(code=code),
            defaults={
                "unit_kinds": [UnitKind.SUBSIDIARY, UnitKind.DEPARTMENT, UnitKind.SITE],
                "site_kinds": REPORTING_SITES,
                "deadline": time(9, 0),
                "reminder_minutes": [60, 15],
            },
        )
    Assignment.objects.get_or_create(
        form=sasac,
        root=Unit.objects.get(code="SASAC"),
        defaults={
            "unit_kinds": [UnitKind.GROUP],
            "deadline": time(10, 0),
            "reminder_minutes": [60, 15],
        },
    )
    return daily, sasac


def _values(form, staff: int, rng: random.Random) -> dict:
    if form.code == "sasac":
        return {"confirmed": 0, "suspected": rng.choice([0] * 12 + [1]), "remarks": ""}
    return daily_values(staff, rng)


def daily_values(staff: int, rng: random.Random) -> dict:
    """A plausible daily statistics form for a unit with `staff` people (also the bench's)."""
    on_post = max(0, staff - rng.randint(0, max(1, staff // 5)))
    return {
        "confirmed": 0,
        "suspected": rng.choice([0] * 40 + [1]),
        "close_contacts": rng.choice([0] * 15 + [1, 2]),
        "under_observation": rng.choice([0] * 8 + [1]),
        "fever_today": rng.choice([0] * 10 + [1]),
        "returned_from_risk": rng.choice([0] * 6 + [1, 2]),
        "in_risk_areas": rng.choice([0] * 10 + [1]),
        "staff_total": staff,
        "on_post": on_post,
        "on_duty": min(on_post, rng.randint(1, 3)),
        "party_on_post": min(on_post, rng.randint(0, max(1, on_post // 3))),
        "volunteers_on_post": min(on_post, rng.randint(0, 2)),
        "remote": min(staff - on_post, rng.randint(0, 2)),
        "checkpoints": rng.choice([0, 1, 1, 2]),
        "disinfections": rng.choice([1, 2, 2, 3]),
        "masks_in_stock": rng.randint(50, 400),
        "remarks": "",
    }


@transaction.atomic
def seed_reports(admin, log=print) -> None:
    forms = _assignments()
    now = timezone.now()
    today = timezone.localdate(now)
    staff = dict(Person.objects.filter(is_active=True).values_list("unit").annotate(n=Count("id")))
    filed = 0
    for form in forms:
        version = form.current_version()
        for offset in range(HISTORY_DAYS, -1, -1):
            day = today - timedelta(days=offset)
            if DailyReport.objects.filter(form=form, day=day).exists():
                continue  # seeded before (or synced by the worker): leave it as it is
            rows = sorted(expected_reports(form, day).values(), key=lambda r: r.unit_path)
            codes = dict(
                Unit.objects.filter(pk__in=[r.unit_id for r in rows]).values_list("pk", "code")
            )
            revisions = []
            for row in rows:
                rng = random.Random(f"{form.code}:{codes[row.unit_id]}:{day}")
                roll = rng.random()
                if offset == 0:  # the demo morning: some filed, some zero, some not yet
                    if roll < 0.3:
                        continue
                    when = min(now, row.deadline_at) - timedelta(minutes=rng.randint(5, 100))
                    if when < datetime.combine(day, time(0), tzinfo=row.deadline_at.tzinfo):
                        continue  # just after midnight: a day's report is filed on that day
                else:
                    if roll < 0.03:
                        continue  # missing (漏报)
                    late = roll > 0.95
                    when = row.deadline_at + timedelta(
                        minutes=rng.randint(10, 180) if late else -rng.randint(5, 120)
                    )
                zero = rng.random() < (0.25 if offset == 0 else 0.1)
                values = (
                    {"confirmed": 0, "suspected": 0}
                    if form.code == "sasac" and zero
                    else _values(form, staff.get(row.unit_id, 0) or rng.randint(3, 8), rng)
                )
                if zero and form.code == "daily":
                    values = {
                        k: 0
                        for k in (
                            "confirmed",
                            "suspected",
                            "close_contacts",
                            "under_observation",
                            "fever_today",
                            "returned_from_risk",
                            "in_risk_areas",
                        )
                    }
                row.version, row.values, row.is_zero = version, values, zero
                row.first_filed_at = row.filed_at = when
                row.filed_by, row.revision_count = admin, 1
                if when <= row.deadline_at:
                    row.cutoff_values, row.cutoff_is_zero = values, zero
                revisions.append(
                    ReportRevision(
                        report=row,
                        number=1,
                        version=version,
                        values=values,
                        is_zero=zero,
                        filed_at=when,
                        filed_by=admin,
                        after_cutoff=when > row.deadline_at,
                    )
                )
            DailyReport.objects.bulk_create(rows, batch_size=500)
            rollup.add_rows(rows)
            for revision in revisions:
                revision.report_id = revision.report.pk
            ReportRevision.objects.bulk_create(revisions, batch_size=500)
            filed += len(revisions)
    log(f"Daily reports: {filed} filings over {HISTORY_DAYS} days and this morning.")
