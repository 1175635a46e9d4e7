from datetime import date

from django.test import TestCase

from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.core.scope import scope_of
from fangkong.orgs import queries, services
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.testing import ProvinceMixin


class TreeTests(ProvinceMixin, TestCase):
    def test_paths_and_depths(self):
        t = self.t
        self.assertEqual(
            t.a_site_1.path, f"/{t.province.pk}/{t.group_a.pk}/{t.a_sub.pk}/{t.a_site_1.pk}/"
        )
        self.assertEqual(Unit.objects.get(pk=t.a_site_1.pk).depth, 3)
        self.assertEqual(t.a_site_1.ancestor_ids, [t.province.pk, t.group_a.pk, t.a_sub.pk])

    def test_subtree_does_not_catch_sibling_with_longer_id_prefix(self):
        # "/1/2/" must not match "/1/23/": the range filter stops at the slash.
        codes = set(Unit.objects.subtree(self.t.group_a).values_list("code", flat=True))
        self.assertEqual(codes, {"group-a", "a-hq", "a-sub", "a-site-1", "a-site-2"})

    def test_head_count_and_children(self):
        t = self.t
        self.assertEqual(queries.head_count(t.group_a), 3)
        with self.assertNumQueries(2):
            children = queries.list_children(t.group_a)
        counts = {c.code: (c.head_count, c.child_count) for c in children}
        self.assertEqual(counts, {"a-hq": (1, 0), "a-sub": (2, 2)})

    def test_move_moves_the_subtree_and_its_people(self):
        t = self.t
        services.move_unit(actor=t.root, unit=t.a_sub, new_parent=t.a_hq)
        site = Unit.objects.get(pk=t.a_site_1.pk)
        self.assertEqual(
            site.path, f"/{t.province.pk}/{t.group_a.pk}/{t.a_hq.pk}/{t.a_sub.pk}/{t.a_site_1.pk}/"
        )
        self.assertEqual(site.depth, 4)
        self.assertEqual(Person.objects.get(pk=t.p_site_1.pk).unit_path, site.path)
        self.assertEqual(queries.head_count(Unit.objects.get(pk=t.a_hq.pk)), 3)

    def test_move_across_groups_regroups_people(self):
        t = self.t
        services.move_unit(actor=t.root, unit=t.a_sub, new_parent=t.group_b)
        self.assertEqual(Person.objects.get(pk=t.p_site_1.pk).group_id, t.group_b.pk)

    def test_move_refuses_a_cycle(self):
        t = self.t
        with self.assertRaises(InvalidInput) as ctx:
            services.move_unit(actor=t.root, unit=t.group_a, new_parent=t.a_site_1)
        self.assertEqual(ctx.exception.code, "cycle")
        self.assertIn("parent", ctx.exception.fields)
        with self.assertRaises(InvalidInput):
            services.move_unit(actor=t.root, unit=t.a_sub, new_parent=t.a_sub)

    def test_move_needs_manage_rights_on_both_ends(self):
        t = self.t
        with self.assertRaises(PermissionDeniedInScope):
            services.move_unit(actor=t.alice, unit=t.a_sub, new_parent=t.group_b)
        services.move_unit(actor=t.alice, unit=t.a_site_2, new_parent=t.a_hq)

    def test_open_on(self):
        t = self.t
        services.update_unit(
            actor=t.root, unit=t.a_site_2, active_from=date(2020, 1, 1), active_to=date(2020, 2, 1)
        )
        open_codes = set(
            Unit.objects.subtree(t.a_sub).open_on(date(2020, 3, 1)).values_list("code", flat=True)
        )
        self.assertEqual(open_codes, {"a-sub", "a-site-1"})

    def test_unit_validation_names_fields(self):
        t = self.t
        with self.assertRaises(InvalidInput) as ctx:
            services.create_unit(
                actor=t.root,
                parent=t.group_a,
                code="bad code!",
                name="",
                kind="nonsense",
                timezone="Mars/Base",
            )
        self.assertEqual(set(ctx.exception.fields), {"code", "name", "kind", "timezone"})
        with self.assertRaises(InvalidInput) as ctx:
            services.create_unit(
                actor=t.root, parent=t.group_a, code="a-hq", name="x", kind=UnitKind.DEPARTMENT
            )
        self.assertIn("code", ctx.exception.fields)


class ScopeTests(ProvinceMixin, TestCase):
    def codes(self, user):
        return set(Unit.objects.visible_to(user).values_list("code", flat=True))

    def test_each_role_sees_its_subtree(self):
        t = self.t
        self.assertEqual(self.codes(t.bob), {"a-site-1"})
        self.assertEqual(self.codes(t.charlie), {"group-b", "b-sub"})
        self.assertEqual(len(self.codes(t.alice)), 5)
        self.assertEqual(len(self.codes(t.sasac)), 8)
        self.assertEqual(len(self.codes(t.root)), 8)
        self.assertEqual(self.codes(t.nobody), set())

    def test_people_scope(self):
        t = self.t
        self.assertEqual(list(Person.objects.visible_to(t.bob)), [t.p_site_1])
        self.assertEqual(Person.objects.visible_to(t.charlie).get(), t.p_b)

    def test_permissions(self):
        t = self.t
        self.assertTrue(scope_of(t.alice, "manage_units").covers(t.a_site_1.path))
        self.assertTrue(scope_of(t.olga, "manage_units").empty)
        self.assertFalse(scope_of(t.olga, "manage_people").empty)
        self.assertTrue(scope_of(t.sasac, "read_access_log").empty)

    def test_person_validation(self):
        t = self.t
        with self.assertRaises(InvalidInput) as ctx:
            services.create_person(
                actor=t.alice,
                unit=t.a_hq,
                employee_no="A001",
                name="x",
                phone="12345",
                id_number="110105194912310021",
            )
        self.assertEqual(set(ctx.exception.fields), {"employee_no", "phone", "id_number"})
        # The same number in another group is fine.
        services.create_person(actor=t.root, unit=t.b_sub, employee_no="A001", name="y")

    def test_id_number_is_never_stored_in_full(self):
        person = Person.objects.get(pk=self.t.p_site_1.pk)
        self.assertEqual(person.id_number_masked, "1101**********002X")
        values = " ".join(
            str(v) for v in Person.objects.filter(pk=person.pk).values().get().values()
        )
        self.assertNotIn("11010519491231002X", values)
