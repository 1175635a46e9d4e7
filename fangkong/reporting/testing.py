"""Test helpers: the province of orgs.testing with the shipped forms assigned."""

from datetime import time

from fangkong.orgs.testing import make_province

from .models import Assignment, ReportForm
from .shipped import install_current


class ShippedFormsMixin:
    """For a TransactionTestCase: its flush also removes the forms the data migration
    ships. Put them back before each test, and after each flush for the tests that follow."""

    @classmethod
    def _fixture_setup(cls):
        super()._fixture_setup()
        install_current()

    def _fixture_teardown(self):
        super()._fixture_teardown()
        install_current()


def make_reporting_province():
    # A TransactionTestCase run earlier in the same process flushes the shipped forms.
    install_current()
    t = make_province()
    t.daily = ReportForm.objects.get(code="daily")
    t.sasac_form = ReportForm.objects.get(code="sasac")
    # Every unit under the two groups files the daily form by 09:00 local time.
    t.assignment_a = Assignment.objects.create(
        form=t.daily, root=t.group_a, deadline=time(9, 0), reminder_minutes=[60, 15]
    )
    Assignment.objects.create(form=t.daily, root=t.group_b, deadline=time(9, 0))
    # The groups file the SASAC form.
    Assignment.objects.create(form=t.sasac_form, root=t.province, unit_kinds=["group"])
    return t


def daily_values(**overrides):
    values = {
        "confirmed": 0,
        "suspected": 0,
        "close_contacts": 0,
        "under_observation": 0,
        "fever_today": 0,
        "returned_from_risk": 0,
        "in_risk_areas": 0,
        "staff_total": 50,
        "on_post": 40,
        "on_duty": 5,
        "party_on_post": 10,
        "volunteers_on_post": 2,
        "remote": 5,
        "checkpoints": 1,
        "disinfections": 2,
        "masks_in_stock": 300,
        "remarks": "",
    }
    values.update(overrides)
    return values


def unfile_report(form_code: str, unit_code: str, day) -> None:
    """Make a (demo) report of `day` unfiled again: no revision, no values, never filed,
    for browser tests that file it themselves (the demo morning may have filed it)."""
    from . import rollup
    from .models import DailyReport

    report = DailyReport.objects.get(form__code=form_code, unit__code=unit_code, day=day)
    report.revisions.all().delete()
    with rollup.tracking(DailyReport.objects.filter(pk=report.pk)):
        DailyReport.objects.filter(pk=report.pk).update(
            values=None,
            is_zero=False,
            first_filed_at=None,
            filed_at=None,
            filed_by=None,
            revision_count=0,
            cutoff_values=None,
            version=None,
        )
