"""Checkpoint services: setting one up, a shift's counts (adding up, refusals naming the
field, nothing written), fevers found opening a health case (staff) or an incident of kind
fever with its clocks (resident, visitor), the deployed team members on the shifts, the
day's totals and the daily report's prefill."""

from datetime import timedelta

from django.test import TestCase

from fangkong.checkpoints import prefill, queries, services
from fangkong.checkpoints.choices import Passer, Slot
from fangkong.checkpoints.models import Fever, Shift
from fangkong.checkpoints.testing import counts, make_checkpoint
from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.health.choices import CaseTrigger
from fangkong.health.models import HealthCase
from fangkong.incidents.choices import IncidentKind
from fangkong.incidents.models import Clock, Incident
from fangkong.orgs.testing import ProvinceMixin
from fangkong.teams.choices import Task
from fangkong.teams.services import deploy
from fangkong.teams.testing import make_team

Found = services.Found


class CheckpointServiceTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.cp = make_checkpoint(cls.t)
        cls.today = cls.t.a_site_1.local_date()

    def record(self, actor=None, **extra):
        values = dict(
            actor=actor or self.t.bob,
            checkpoint=self.cp,
            day=self.today,
            slot=Slot.MORNING,
            counts=counts(),
        )
        values.update(extra)
        return services.record_counts(**values)

    def test_set_up(self):
        t = self.t
        with self.assertRaises(InvalidInput) as caught:
            make_checkpoint(t)
        self.assertIn("code", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            make_checkpoint(t, code="CK-2", unit=t.a_sub)  # not a site
        self.assertIn("unit", caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            make_checkpoint(t, code="CK-3", actor=t.bob)
        with self.assertRaises(PermissionDeniedInScope):
            make_checkpoint(t, code="CK-4", actor=t.charlie)

    def test_a_closed_checkpoint_takes_no_counts(self):
        services.set_active(actor=self.t.alice, checkpoint=self.cp, active=False)
        with self.assertRaises(InvalidInput) as caught:
            self.record()
        self.assertIn("checkpoint", caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            services.set_active(actor=self.t.bob, checkpoint=self.cp, active=True)
        services.set_active(actor=self.t.alice, checkpoint=self.cp, active=True)
        self.record()

    def test_counts_are_saved_and_replaced(self):
        shift, added = self.record()
        self.assertEqual((shift.checked, shift.staff, shift.fevers), (10, 4, 0))
        self.assertEqual(added, [])
        shift, _ = self.record(counts=counts(checked=12, residents=7))
        self.assertEqual(Shift.objects.get().checked, 12)

    def test_bad_counts_name_the_field_and_write_nothing(self):
        cases = [
            (counts(checked=9), "checked"),  # 4 + 5 + 1 is not 9
            (counts(turned_away=11), "turned_away"),
            (counts(fevers=1), "fevers"),  # counted but nobody recorded
            (counts(staff="x"), "staff"),
            (counts(staff=-1), "staff"),
        ]
        for values, field in cases:
            with self.subTest(field=field), self.assertRaises(InvalidInput) as caught:
                self.record(counts=values)
            self.assertIn(field, caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            self.record(counts=counts(checked=0, staff=0, residents=0, visitors=0),
                        found=[Found(Passer.VISITOR, "38.5")])  # fmt: skip
        self.assertIn("fevers", caught.exception.fields)  # more fevers than people checked
        with self.assertRaises(InvalidInput) as caught:
            self.record(found=[Found(Passer.VISITOR, "36.8")])
        self.assertIn("found.0.temperature", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            self.record(found=[Found(Passer.STAFF, "38.5")])
        self.assertIn("found.0.person", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            self.record(found=[Found(Passer.STAFF, "38.5", person=self.t.p_b)])
        self.assertIn("found.0.person", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            self.record(day=self.today + timedelta(days=1))
        self.assertIn("day", caught.exception.fields)
        with self.assertRaises(InvalidInput):
            self.record(slot="lunch")
        with self.assertRaises(PermissionDeniedInScope):
            self.record(actor=self.t.charlie)
        self.assertFalse(Shift.objects.exists())
        self.assertFalse(Incident.objects.exists())

    def test_a_staff_fever_opens_a_health_case(self):
        t = self.t
        # The person is of another site than the liaison's: the case opens all the same.
        shift, (fever,) = self.record(
            found=[Found(Passer.STAFF, "38.6", person=t.p_site_2)], counts=counts(fevers=1)
        )
        case = HealthCase.objects.get()
        self.assertEqual(fever.case, case)
        self.assertEqual((case.person, case.trigger), (t.p_site_2, CaseTrigger.FEVER))
        self.assertEqual(shift.fevers, 1)
        # A second fever of the same person the same day joins the open case.
        _, (again,) = self.record(
            slot=Slot.AFTERNOON, found=[Found(Passer.STAFF, "38.9", person=t.p_site_2)]
        )
        self.assertEqual(again.case, case)
        self.assertEqual(HealthCase.objects.count(), 1)

    def test_a_visitor_fever_files_an_incident_with_its_clock(self):
        shift, (fever,) = self.record(found=[Found(Passer.VISITOR, "38.2", name="王某")])
        incident = fever.incident
        self.assertEqual(incident.kind, IncidentKind.FEVER)
        self.assertEqual(incident.unit, self.t.a_site_1)
        self.assertIn("王某", incident.title)
        clock = Clock.objects.filter(incident=incident, kind="written").get()
        self.assertEqual(clock.due_at - incident.discovered_at, timedelta(minutes=30))
        # Counts again: the fever stays, the typed total must include it.
        shift, added = self.record(counts=counts(fevers=1))
        self.assertEqual((shift.fevers, added), (1, []))
        self.assertEqual(Fever.objects.count(), 1)

    def test_deployed_members_show_on_the_shifts(self):
        t = self.t
        team = make_team(t)
        deploy(
            actor=t.alice, team=team, unit=t.a_site_1, task=Task.TEMPERATURE,
            starts_on=self.today, ends_on=self.today, people=[t.p_site_2],
        )  # fmt: skip
        self.record(on_duty=[t.p_site_1], volunteers=["志愿者甲", ""])
        day = queries.get_day(self.cp, self.today)
        morning = day.shifts[0]
        self.assertEqual(
            [(d.person, d.name) for d in morning.on_duty], [(t.p_site_1, ""), (None, "志愿者甲")]
        )
        self.assertEqual([p for p, _d in day.deployed], [t.p_site_2])

    def test_totals_bulk_and_prefill(self):
        t = self.t
        other = make_checkpoint(t, code="CK-2", unit=t.a_site_2)
        self.record(found=[Found(Passer.RESIDENT, "38.0")])
        services.record_bulk(
            actor=t.alice, day=self.today, slot=Slot.MORNING,
            rows=[services.BulkRow(other, counts(checked=3, staff=3, residents=0, visitors=0)),
                  services.BulkRow(self.cp, {})],
        )  # fmt: skip
        totals = queries.get_totals(t.olga, t.a_sub, self.today)
        self.assertEqual((totals.checked, totals.fevers, totals.counted), (13, 1, 2))
        self.assertEqual(queries.get_totals(t.charlie, t.a_sub, self.today).checkpoints, 0)
        with self.assertRaises(InvalidInput) as caught:
            services.record_bulk(
                actor=t.alice, day=self.today, slot=Slot.NIGHT,
                rows=[services.BulkRow(other, counts(checked=1))],
            )  # fmt: skip
        self.assertIn("CK-2.checked", caught.exception.fields)
        self.assertEqual(prefill.derive(t.a_sub, self.today, ()), {"checkpoints": 2})
        self.assertEqual(
            prefill.derive(t.a_sub, self.today, (t.a_site_2.path,)), {"checkpoints": 1}
        )
        self.assertEqual(prefill.derive(t.group_b, self.today, ()), {})
