from datetime import UTC, datetime, timedelta

from django.test import TestCase, override_settings

from fangkong.accountability.models import Entry
from fangkong.incidents import services, sweeps
from fangkong.incidents.models import Clock
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin

FOUND = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@override_settings(LANGUAGE_CODE="en")
class EscalationSweepTests(ProvinceMixin, TestCase):
    def file(self, found, title):
        return services.file_incident(
            actor=self.t.bob,
            unit=self.t.a_site_1,
            kind="suspected",
            title=title,
            discovered_at=found,
            now=found + timedelta(minutes=1),
        )

    def test_a_clock_that_fails_to_escalate_is_skipped_and_the_others_go_on(self):
        first = self.file(FOUND, "First")
        # A poisoned row (a clock kind this version does not know) that is due first.
        poisoned = Clock.objects.get(incident=first, kind="phone")
        Clock.objects.filter(pk=poisoned.pk).update(kind="bogus")
        with self.assertLogs("fangkong.incidents.sweeps", "ERROR") as logs:
            result = sweeps.escalate_due(now=FOUND + timedelta(minutes=31), batch=1)
        self.assertEqual(result, {"escalated": 4, "failed": 1})  # written + 3 acknowledgements
        self.assertIn(f"clock {poisoned.pk} ", logs.output[0])
        poisoned.refresh_from_db()
        self.assertIsNone(poisoned.escalated_at)  # its savepoint was rolled back alone
        self.assertEqual(poisoned.escalation_failures, 1)
        self.assertFalse(Entry.objects.filter(object_id=poisoned.pk).exists())
        self.assertFalse(Message.objects.filter(dedupe_key__contains=f"escalated:{poisoned.pk}|"))
        self.assertEqual(
            Clock.objects.filter(incident=first, escalated_at__isnull=False).count(), 4
        )

        # The next run: the poisoned clock is taken after the healthy ones, even in
        # batches of one, and fails again with one line (its traceback was logged once).
        second = self.file(FOUND + timedelta(hours=1), "Second")
        with self.assertLogs("fangkong.incidents.sweeps", "WARNING") as logs:
            result = sweeps.escalate_due(now=FOUND + timedelta(hours=1, minutes=31), batch=1)
        self.assertEqual(result, {"escalated": 5, "failed": 1})
        self.assertEqual([r.levelname for r in logs.records], ["WARNING"])
        self.assertEqual(
            Clock.objects.filter(incident=second, escalated_at__isnull=False).count(), 5
        )
        poisoned.refresh_from_db()
        self.assertEqual(poisoned.escalation_failures, 2)

        # Once repaired, it escalates like any other.
        Clock.objects.filter(pk=poisoned.pk).update(kind="phone")
        result = sweeps.escalate_due(now=FOUND + timedelta(hours=2))
        self.assertEqual(result, {"escalated": 1})
