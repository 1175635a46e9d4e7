"""What return to work hands to the other apps: the command view's panel (the restart
rate) and the parent's to-do item (plans filed, to decide)."""

from django.test import TestCase, override_settings
from django.utils import timezone

from fangkong.orgs.testing import ProvinceMixin
from fangkong.restart import services
from fangkong.restart.command import restart_rate
from fangkong.restart.tasks import plans_to_decide
from fangkong.restart.testing import make_plan


@override_settings(MEDIA_ROOT="/tmp/fk-restart-media")
class RestartHookTests(ProvinceMixin, TestCase):
    def test_task_to_decide_and_the_panel(self):
        t = self.t
        now = timezone.now()
        plan = make_plan(t)
        self.assertEqual(list(plans_to_decide(t.olga, now)), [])
        services.file_plan(actor=t.alice, plan=plan)
        tasks = list(plans_to_decide(t.olga, now))
        self.assertEqual([task.url for task in tasks], [f"/restart/{plan.pk}/"])
        self.assertEqual(list(plans_to_decide(t.bob, now)), [])
        self.assertEqual(list(plans_to_decide(t.charlie, now)), [])
        services.decide_plan(actor=t.olga, plan=plan, decision="approve")
        self.assertEqual(list(plans_to_decide(t.olga, now)), [])
        panel = restart_rate(t.olga, t.group_a, timezone.now())
        self.assertEqual(panel["figures"][0]["value"], "1/1")
        self.assertEqual(restart_rate(t.charlie, t.group_b, now)["figures"][0]["value"], "0/1")
