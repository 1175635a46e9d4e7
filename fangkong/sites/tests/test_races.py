"""Two at once (PostgreSQL): two workers logging the same slot — one is logged, the other
refused, one count in the tally; two sweeps missing the same slots — each missed once,
told once, one ledger entry."""

from unittest import skipIf

from django.db import connection
from django.test import TransactionTestCase

from fangkong.accountability.models import Entry
from fangkong.core.errors import Conflict
from fangkong.core.testing import run_in_threads
from fangkong.notify.models import Message
from fangkong.orgs.testing import make_province
from fangkong.sites import services, sweeps
from fangkong.sites.models import Slot, SlotTally

from .test_slots import DAY, at

BOTH = ["disinfection", "ventilation"]


@skipIf(connection.vendor == "sqlite", "SQLite's writers never run at the same moment")
class RaceTests(TransactionTestCase):
    def test_two_logs_of_one_slot_at_once(self):
        t = make_province()
        services.sync_slots(DAY, now=at(0, 1))
        slot = Slot.objects.get(site=t.a_site_1, day=DAY)
        outcomes = []

        def log(n):
            try:
                services.log_slot(slot=slot, done=BOTH, now=at(9, 5))
                outcomes.append("logged")
            except Conflict as exc:
                outcomes.append(exc.code)

        run_in_threads(log)
        self.assertEqual(sorted(outcomes), ["already_logged", "logged"])
        tally = SlotTally.objects.get(site=t.a_site_1, day=DAY)
        self.assertEqual((tally.expected, tally.done), (0, 1))

    def test_two_sweeps_at_once_miss_each_slot_once(self):
        t = make_province()
        services.sync_slots(DAY, now=at(0, 1))
        results = []
        run_in_threads(lambda n: results.append(sweeps.mark_missed(now=at(13, 5))))
        self.assertEqual(sum(r["missed"] for r in results), 2)
        self.assertEqual(Entry.objects.filter(kind=services.MISSED_KIND).count(), 2)
        self.assertEqual(
            Message.objects.filter(topic="site_slot_missed", recipient=t.bob).count(), 1
        )
        tally = SlotTally.objects.get(site=t.a_site_2, day=DAY)
        self.assertEqual((tally.expected, tally.missed), (1, 1))
