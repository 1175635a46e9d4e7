"""What canteens hand to the other apps: the command view's panel (today's lunch plans)
and the office's to-do item (today's lunch not yet published, before lunch)."""

import datetime as dt

from django.test import TestCase
from django.utils import timezone

from fangkong.canteens import services
from fangkong.canteens.command import canteens_today
from fangkong.canteens.tasks import plans_to_publish
from fangkong.canteens.testing import check_in, make_canteen
from fangkong.orgs.testing import ProvinceMixin


class CanteenHookTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.canteen = make_canteen(cls.t)
        cls.day = cls.t.a_hq.local_date()
        check_in(cls.t, cls.day)

    def test_task_until_published_and_the_panel(self):
        t = self.t
        morning = timezone.make_aware(
            dt.datetime.combine(self.day, dt.time(9, 0)), t.canteen_site.tzinfo
        )
        tasks = list(plans_to_publish(t.olga, morning))
        self.assertEqual(len(tasks), 1)
        self.assertIn("/canteens/a-canteen/", tasks[0].url)
        self.assertEqual(list(plans_to_publish(t.bob, morning)), [])
        self.assertEqual(list(plans_to_publish(t.charlie, morning)), [])
        panel = canteens_today(t.olga, t.group_a, morning)
        self.assertEqual(panel["figures"][0]["value"], "0/1")
        plan = services.propose_plan(actor=t.olga, canteen=self.canteen, day=self.day, meal="lunch")
        services.publish_plan(actor=t.olga, plan=plan)
        self.assertEqual(list(plans_to_publish(t.olga, morning)), [])
        panel = canteens_today(t.olga, t.group_a, morning)
        self.assertEqual(panel["figures"][0]["value"], "1/1")
        self.assertEqual(panel["figures"][1]["value"], 9)
        self.assertIsNone(canteens_today(t.charlie, t.group_b, morning))
