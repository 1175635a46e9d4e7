"""Checkpoint pages: the subtree's figures of a day, a checkpoint's phone page (counts of a
shift, a fever found opening a case or an incident, the deployed team members shown), the
grid for many checkpoints, setting one up; the outsider gets 404 everywhere."""

from django.test import TestCase

from fangkong.checkpoints.choices import Slot
from fangkong.checkpoints.models import Checkpoint, Fever, Shift
from fangkong.checkpoints.services import record_counts
from fangkong.checkpoints.testing import counts, make_checkpoint
from fangkong.health.models import HealthCase
from fangkong.incidents.models import Incident
from fangkong.orgs.testing import ProvinceMixin
from fangkong.teams.choices import Task
from fangkong.teams.services import deploy
from fangkong.teams.testing import make_team


class CheckpointPageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.cp = make_checkpoint(cls.t)
        cls.today = cls.t.a_site_1.local_date()
        cls.url = f"/checkpoints/CK-1/?day={cls.today}&shift=morning"

    def post(self, user, data, url=None):
        self.client.force_login(user)
        base = {"day": self.today.isoformat(), "shift": "morning"}
        return self.client.post(url or self.url, {**base, **data})

    def test_list_and_outsider(self):
        t = self.t
        record_counts(
            actor=t.bob, checkpoint=self.cp, day=self.today, slot=Slot.MORNING,
            counts=counts(),
        )  # fmt: skip
        client = self.login(t.olga)
        page = client.get(f"/checkpoints/?unit=a-sub&day={self.today}")
        self.assertContains(page, 'data-testid="total-checked">10<')
        self.assertContains(page, "东门检查点")
        self.assertEqual(client.get(self.url).status_code, 200)
        self.login(t.charlie)
        self.assertEqual(self.client.get("/checkpoints/?unit=a-sub").status_code, 404)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.post(t.charlie, counts()).status_code, 404)
        self.assertNotContains(self.client.get("/checkpoints/"), "东门检查点")
        self.assertEqual(self.client.get("/checkpoints/bulk/?unit=a-sub").status_code, 404)

    def test_counts_with_a_visitor_fever_and_a_staff_fever(self):
        t = self.t
        answer = self.post(
            t.bob,
            {**counts(), "fevers": "2",
             "found-0-passer": "visitor", "found-0-temperature": "38.3", "found-0-name": "李某",
             "found-1-passer": "staff", "found-1-temperature": "38.7", "found-1-person": "A003",
             "on_duty": "A002", "volunteers": "志愿者甲，志愿者乙"},
        )  # fmt: skip
        self.assertEqual(answer.status_code, 302, answer.content[:2000])
        shift = Shift.objects.get()
        self.assertEqual((shift.checked, shift.fevers), (10, 2))
        self.assertEqual(Incident.objects.get().kind, "fever")
        self.assertEqual(HealthCase.objects.get().person, t.p_site_2)
        self.assertEqual(shift.on_duty.count(), 3)
        page = self.client.get(self.url)
        self.assertContains(page, 'data-testid="incident-link"')
        self.assertContains(page, 'data-testid="case-link"')

    def test_bad_counts_are_refused_with_the_field(self):
        t = self.t
        answer = self.post(t.bob, {**counts(checked=9)})
        self.assertContains(answer, 'data-field="checked"')
        answer = self.post(t.bob, {**counts(), "fevers": "1"})
        self.assertContains(answer, 'data-field="fevers"')
        answer = self.post(
            t.bob, {**counts(checked=0, staff=0, residents=0, visitors=0),
                    "found-0-passer": "visitor", "found-0-temperature": "38.5"},
        )  # fmt: skip
        self.assertContains(answer, 'data-field="fevers"')
        self.assertFalse(Shift.objects.exists())
        self.assertFalse(Fever.objects.exists())

    def test_deployed_members_on_the_page(self):
        t = self.t
        team = make_team(t)
        deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=self.today, ends_on=self.today, people=[t.p_site_2],
        )  # fmt: skip
        page = self.login(t.bob).get(self.url)
        self.assertContains(page, 'data-testid="deployed"')
        self.assertContains(page, t.p_site_2.name)

    def test_the_list_costs_the_same_queries_whatever_its_length(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        t = self.t
        client = self.login(t.olga)
        url = f"/checkpoints/?unit=group-a&day={self.today}"
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        for i in range(5):
            cp = make_checkpoint(t, code=f"CK-X{i}", unit=t.a_site_2)
            record_counts(
                actor=t.alice, checkpoint=cp, day=self.today, slot=Slot.MORNING,
                counts=counts(),
            )  # fmt: skip
        with CaptureQueriesContext(connection) as six:
            client.get(url)
        self.assertEqual(len(six), len(one))

    def test_bulk_and_new(self):
        t = self.t
        client = self.login(t.alice)
        made = client.post(
            "/checkpoints/new/", {"unit": "a-site-2", "code": "CK-2", "name": "西门"}
        )
        self.assertRedirects(made, "/checkpoints/CK-2/", fetch_redirect_response=False)
        bad = client.post("/checkpoints/new/", {"unit": "a-sub", "code": "CK-3"})
        self.assertContains(bad, 'data-field="unit"')
        self.assertEqual(Checkpoint.objects.count(), 2)
        url = "/checkpoints/bulk/?unit=a-sub"
        self.assertEqual(client.get(url).status_code, 200)
        body = {"unit": "a-sub", "day": self.today.isoformat(), "shift": "afternoon",
                "CK-1.checked": "5", "CK-1.staff": "5", "CK-2.checked": "2", "CK-2.visitors": "2"}  # fmt: skip
        self.assertEqual(client.post(url, body).status_code, 302)
        self.assertEqual(Shift.objects.filter(slot="afternoon").count(), 2)
        bad = client.post(url, {**body, "shift": "night", "CK-2.visitors": "1"})
        self.assertContains(bad, 'data-field="CK-2.checked"')
        self.assertEqual(Shift.objects.filter(slot="night").count(), 0)
        self.login(t.bob)
        self.assertEqual(self.client.get("/checkpoints/new/").status_code, 404)
        self.assertEqual(self.client.post("/checkpoints/CK-2/state/").status_code, 404)
        client = self.login(t.alice)
        client.post("/checkpoints/CK-2/state/", {"active": "0"})
        self.assertFalse(Checkpoint.objects.get(code="CK-2").is_active)
        closed = self.post(t.alice, {**counts()}, url=f"/checkpoints/CK-2/?day={self.today}")
        self.assertContains(closed, 'data-field="checkpoint"')  # closed: no counts
        self.assertContains(
            client.get("/checkpoints/CK-2/"), 'data-testid="close-checkpoint"', count=0
        )
