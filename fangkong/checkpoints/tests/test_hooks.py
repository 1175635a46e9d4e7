"""What checkpoints and teams hand to the other apps: the daily report's `checkpoints`
through the prefill registry, the command view's panels, the liaison's to-do item."""

from datetime import datetime, timedelta

from django.test import TestCase
from django.utils import timezone

from fangkong.checkpoints.choices import Slot
from fangkong.checkpoints.services import record_counts
from fangkong.checkpoints.testing import counts, make_checkpoint
from fangkong.core.command import panels_for
from fangkong.core.tasks import tasks_for
from fangkong.reporting.prefill import derived_values
from fangkong.reporting.testing import make_reporting_province
from fangkong.teams.choices import Task
from fangkong.teams.services import deploy
from fangkong.teams.testing import make_team


class HookTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        cls.cp = make_checkpoint(cls.t)
        make_checkpoint(cls.t, code="CK-2", unit=cls.t.a_site_2)

    def test_the_daily_report_is_prefilled_with_the_checkpoints(self):
        t = self.t
        day = t.a_sub.local_date()
        self.assertEqual(derived_values(t.daily, t.a_sub, day)["checkpoints"], 2)
        self.assertEqual(derived_values(t.daily, t.a_site_1, day)["checkpoints"], 1)
        self.assertNotIn("checkpoints", derived_values(t.daily, t.group_b, day))

    def test_command_panels(self):
        t = self.t
        now = timezone.now()
        day, slot = t.a_site_1.local_date(now), Slot.MORNING
        record_counts(actor=t.bob, checkpoint=self.cp, day=day, slot=slot, counts=counts())
        from fangkong.checkpoints.command import checkpoints_today
        from fangkong.teams.command import deployed_today

        panel = checkpoints_today(t.olga, t.a_sub, now)
        self.assertIsNotNone(panel)
        self.assertIsNone(checkpoints_today(t.charlie, t.group_b, now))
        team = make_team(t)
        deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=day - timedelta(days=1), ends_on=day + timedelta(days=1),
        )  # fmt: skip
        figures = deployed_today(t.olga, t.group_a, now)["figures"]
        self.assertEqual([f["value"] for f in figures], [2, 1])
        self.assertIsNone(deployed_today(t.charlie, t.group_b, now))
        names = [p["panel"].name for p in panels_for(t.olga, t.group_a, now)]
        self.assertIn("teams.deployed", names)

    def test_the_liaison_is_asked_for_the_counts_after_the_morning_shift(self):
        t = self.t
        unit = t.a_site_1
        noon = datetime(2020, 2, 3, 12, 0, tzinfo=unit.tzinfo)
        evening = datetime(2020, 2, 3, 16, 0, tzinfo=unit.tzinfo)
        kinds = lambda now: [x.kind for x in tasks_for(t.bob, now)]  # noqa: E731
        self.assertNotIn("checkpoints.counts_to_enter", kinds(noon))
        self.assertEqual(kinds(evening).count("checkpoints.counts_to_enter"), 1)
        record_counts(
            actor=t.bob, checkpoint=self.cp, day=evening.date(), slot=Slot.MORNING,
            counts=counts(), now=evening,
        )  # fmt: skip
        self.assertNotIn("checkpoints.counts_to_enter", kinds(evening))
