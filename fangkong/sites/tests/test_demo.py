"""The demo's disinfection: schedules of the CT group, two weeks of logs (mostly on time,
some late, a few missed: in compliance and the ledger), a QR code for every site."""

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone

from fangkong.accountability.models import Entry
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import seed_demo_once
from fangkong.sites import queries
from fangkong.sites.demo import OFFICE_BUILDING, seed_sites
from fangkong.sites.models import Schedule, SiteLink, Slot
from fangkong.sites.services import MISSED_KIND


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_demo_once()

    def test_two_weeks_of_logs_in_compliance_and_the_ledger(self):
        group = Unit.objects.get(code="CT")
        # 办公楼每日三消毒: the HQ's office building has its own schedule of three, the
        # group's other offices the group's two.
        building = Unit.objects.get(code=OFFICE_BUILDING)
        self.assertEqual(len(Schedule.objects.get(unit=building).slots), 3)
        self.assertFalse(Schedule.objects.filter(unit__code="CT-JD-DUTY").exists())
        today = timezone.localdate()
        self.assertEqual(Slot.objects.filter(site=building, day=today).count(), 3)
        self.assertEqual(
            Slot.objects.filter(site__code="CT-JD-DUTY", day=today).count(),
            len(Schedule.objects.get(unit=group, site_kind="office").slots),
        )
        yesterday = timezone.localdate() - timedelta(days=1)
        totals, children = queries.get_compliance(group, yesterday)
        self.assertGreater(totals["total"], 200)
        self.assertEqual(totals["expected"], 0)
        self.assertGreater(totals["done"], totals["late"])
        fortnight = queries.get_daily_compliance(
            group, [yesterday - timedelta(days=n) for n in range(14)]
        )
        self.assertGreater(sum(c["missed"] for _d, c in fortnight), 0)
        self.assertGreater(sum(c["late"] for _d, c in fortnight), 0)
        self.assertEqual(
            Entry.objects.filter(kind=MISSED_KIND).count(),
            Slot.objects.filter(state="missed").count(),
        )
        heat = Unit.objects.get(code="CT-HEAT")
        self.assertEqual(Slot.objects.filter(site__parent=heat, day=yesterday).count() >= 13, True)
        self.assertEqual(
            SiteLink.objects.filter(revoked_at__isnull=True).count(),
            Unit.objects.subtree(group).filter(kind="site").exclude(site_kind="").count(),
        )
        before = Slot.objects.count()
        seed_sites(None, log=lambda *a: None)  # again: nothing
        self.assertEqual(Slot.objects.count(), before)
