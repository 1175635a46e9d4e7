from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TransactionTestCase

from fangkong.orgs import services
from fangkong.orgs.models import Person, Unit


class SyntheticProvinceTests(TransactionTestCase):
    """The bulk loader writes what the services would: paths, depths, groups."""

    def test_exact_sizes_consistent_paths_and_refusal_to_run_twice(self):
        call_command("seed_demo", units=200, people=3000, stdout=open("/dev/null", "w"))
        self.assertEqual(Unit.objects.count(), 200)
        self.assertEqual(Person.objects.count(), 3000)
        units = {u.pk: u for u in Unit.objects.all()}
        for unit in units.values():
            expected = (units[unit.parent_id].path if unit.parent_id else "/") + f"{unit.pk}/"
            self.assertEqual((unit.path, unit.depth), (expected, len(unit.ancestor_ids)))
        groups = services.groups_for(units.values())
        for person in Person.objects.all()[:500]:
            self.assertEqual(person.unit_path, units[person.unit_id].path)
            self.assertEqual(person.group_id, groups[person.unit_id].pk)
        # Sequences moved past the bulk-loaded ids: the services still insert.
        root = Unit.objects.get(code="SYN")
        from fangkong.orgs.testing import make_user

        admin = make_user("root", superuser=True)
        unit = services.create_unit(
            actor=admin, parent=root, code="after", name="后加", kind="group"
        )
        services.create_person(actor=admin, unit=unit, employee_no="1", name="后加")
        with self.assertRaises(CommandError):
            call_command("seed_demo", units=10, people=10, stdout=open("/dev/null", "w"))
