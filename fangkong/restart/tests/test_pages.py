"""Return-to-work pages: the rate with its drill-down and the plans, a plan's checklist
with its sources, evidence uploads, filing and the parent's decision, the plan form;
outsiders get 404."""

from django.test import TestCase, override_settings

from fangkong.orgs.testing import ProvinceMixin
from fangkong.restart.choices import PlanState
from fangkong.restart.models import RestartPlan
from fangkong.restart.testing import make_plan, pdf


@override_settings(MEDIA_ROOT="/tmp/fk-restart-media")
class RestartPageTests(ProvinceMixin, TestCase):
    def test_form_upload_file_and_decide(self):
        client = self.login(self.t.alice)
        page = client.post("/restart/edit/", {"unit": "a-sub", "industry": "", "restart_on": "x"})
        self.assertContains(page, "is-invalid")
        self.assertFalse(RestartPlan.objects.exists())
        page = client.post("/restart/edit/", {
            "unit": "a-sub", "industry": "utilities", "restart_on": "2020-02-10",
            "phase-0-site": "a-hq", "phase-0-starts_on": "2020-02-12",
        })  # fmt: skip
        self.assertContains(page, 'data-testid="phase-errors"')
        self.assertFalse(RestartPlan.objects.exists())
        answer = client.post("/restart/edit/", {
            "unit": "a-sub", "industry": "utilities", "restart_on": "2020-02-10", "returning": "3",
            "phase-0-site": "a-site-1", "phase-0-starts_on": "2020-02-12", "phase-0-people": "2",
        })  # fmt: skip
        self.assertEqual(answer.status_code, 302, answer.content[:3000])
        plan = RestartPlan.objects.get()
        self.assertEqual(plan.phases.get().site, self.t.a_site_1)
        url = f"/restart/{plan.pk}/"
        page = client.get(url)
        self.assertContains(page, 'data-testid="source-screened"')
        act = f"/restart/{plan.pk}/act/"
        client.post(act, {"action": "file"})
        plan.refresh_from_db()
        self.assertEqual(plan.state, PlanState.DRAFT)  # the items are not confirmed
        for item in ("commitment", "prevention_plan"):
            client.post(act, {"action": "confirm", "item": item, "file": pdf()})
        client.post(act, {"action": "file"})
        plan.refresh_from_db()
        self.assertEqual(plan.state, PlanState.FILED)
        self.assertNotContains(client.get(url), 'data-testid="decide"')  # alice: not a decider
        self.login(self.t.olga)
        self.assertContains(self.client.get(url), 'data-testid="decide"')
        self.client.post(act, {"action": "decide", "decision": "approve"})
        plan.refresh_from_db()
        self.assertEqual(plan.state, PlanState.APPROVED)
        listing = self.client.get("/restart/?unit=group-a")
        self.assertContains(listing, 'data-testid="rate-all">100.0%<')
        self.assertContains(listing, 'data-unit="a-sub"')

    def test_outsider(self):
        plan = make_plan(self.t)
        self.login(self.t.charlie)
        self.assertEqual(self.client.get(f"/restart/{plan.pk}/").status_code, 404)
        self.assertEqual(
            self.client.post(f"/restart/{plan.pk}/act/", {"action": "file"}).status_code, 404
        )
        self.assertEqual(self.client.get("/restart/?unit=group-a").status_code, 404)
        self.assertNotContains(self.client.get("/restart/"), "Unit a-sub")
        self.assertEqual(self.client.get("/restart/edit/?unit=a-sub").status_code, 404)
