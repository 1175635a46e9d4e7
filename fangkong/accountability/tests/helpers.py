from datetime import UTC, date, datetime, time, timedelta

from fangkong.core.testing import run_followups
from fangkong.reporting import services as reporting
from fangkong.reporting.testing import daily_values, make_reporting_province

DAY = date(2020, 2, 3)
# The daily form's cut-off is 09:00 in Shanghai, 01:00 UTC.
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)  # 08:00 local
AFTER = datetime(2020, 2, 3, 2, 30, tzinfo=UTC)  # 10:30 local


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """`hour:minute` in Shanghai on `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - timedelta(hours=8)


class LedgerMixin:
    """For django.test.TestCase: the reporting province and filing helpers that run the
    filing's follow-ups, as the worker would after the commit."""

    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        # Olga is the epidemic office of group A; she gets a liaison to show in entries.
        from fangkong.orgs import services as org_services

        org_services.update_unit(actor=cls.t.root, unit=cls.t.a_site_1, liaison=cls.t.p_site_1)

    def file(self, unit, day=DAY, now=None, user=None, **kwargs):
        kwargs.setdefault("values", daily_values())
        filing = reporting.file_report(
            actor=user or self.t.root,
            form=self.t.daily,
            unit=unit,
            day=day,
            now=now or local(day, 8),
            **kwargs,
        )
        run_followups()
        return filing

    def file_late(self, unit, day=DAY, minutes=90, **kwargs):
        return self.file(unit, day, now=local(day, 9) + timedelta(minutes=minutes), **kwargs)
