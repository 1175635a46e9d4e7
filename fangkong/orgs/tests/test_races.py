"""Tree writes at the same moment, each a thread with its own connection on PostgreSQL."""

from unittest import skipIf

from django.db import connection
from django.test import TransactionTestCase

from fangkong.core.errors import InvalidInput
from fangkong.core.testing import run_in_threads
from fangkong.orgs import services
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.testing import make_province


@skipIf(connection.vendor == "sqlite", "SQLite's writers never run at the same moment")
class TreeRaceTests(TransactionTestCase):
    def setUp(self):
        self.t = make_province()

    def test_two_crossed_moves_never_make_a_cycle(self):
        """Seen: move_unit locked the moved unit but not the new parent, so "a-hq under
        a-sub" and "a-sub under a-hq" at once both passed the cycle check."""
        t = self.t
        outcomes = []

        def move(n):
            unit, parent = (t.a_hq, t.a_sub) if n else (t.a_sub, t.a_hq)
            try:
                services.move_unit(actor=t.root, unit=unit, new_parent=parent)
                outcomes.append("moved")
            except InvalidInput as exc:
                outcomes.append(exc.code)

        run_in_threads(move)
        self.assertEqual(sorted(outcomes), ["cycle", "moved"])
        for unit in Unit.objects.all():  # every path is its parent's plus its own id
            parent = unit.parent
            self.assertEqual(unit.path, f"{parent.path if parent else '/'}{unit.pk}/")
        for person in Person.objects.select_related("unit"):
            self.assertEqual(person.unit_path, person.unit.path)

    def test_a_person_added_while_their_unit_moves_gets_the_new_path(self):
        t = self.t

        def write(n):
            if n:
                services.move_unit(actor=t.root, unit=t.a_site_2, new_parent=t.a_hq)
            else:
                services.create_person(
                    actor=t.root, unit=t.a_site_2, employee_no="R001", name="Racer"
                )

        run_in_threads(write)
        person = Person.objects.select_related("unit").get(employee_no="R001")
        self.assertEqual(person.unit_path, person.unit.path)
        self.assertTrue(person.unit_path.startswith(Unit.objects.get(pk=t.a_hq.pk).path))

    def test_two_units_with_one_code_at_once_answer_a_clear_error(self):
        outcomes = []

        def create(n):
            try:
                services.create_unit(
                    actor=self.t.root, parent=self.t.a_sub, code="a-twin", name=f"Twin {n}"
                )
                outcomes.append("created")
            except InvalidInput as exc:
                outcomes.append(list(exc.fields))

        run_in_threads(create)
        self.assertEqual(sorted(outcomes, key=str), [["code"], "created"])
