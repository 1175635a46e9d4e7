"""Permissions are enum members registered by their app: a typo fails loudly everywhere it
could be used, instead of granting an empty scope that silently hides a page."""

import ast
from pathlib import Path

from django.test import TestCase

from fangkong.core.errors import PermissionDeniedInScope
from fangkong.core.nav import NavItem
from fangkong.core.permissions import (
    CorePerm,
    Permission,
    UnknownPermission,
    permission_roles,
    register_permission,
    require,
)
from fangkong.core.scope import get_object_for, scope_of
from fangkong.health.permissions import HealthPerm
from fangkong.orgs.models import Unit
from fangkong.orgs.permissions import OrgPerm
from fangkong.orgs.testing import ProvinceMixin

FANGKONG = Path(__file__).resolve().parents[2]


class PermissionTests(ProvinceMixin, TestCase):
    def test_a_typo_is_refused_for_every_user(self):
        for user in (self.t.root, self.t.alice, self.t.bob):
            with self.assertRaises(UnknownPermission):
                scope_of(user, "manage_unit")  # not manage_units
            with self.assertRaises(UnknownPermission):
                require(user, "view_helth", self.t.a_site_1.path)
            with self.assertRaises(UnknownPermission):
                Unit.objects.visible_to(user, "veiw").count()
            with self.assertRaises(UnknownPermission):
                get_object_for(user, Unit.objects.all(), "manage_people ", pk=self.t.a_hq.pk)

    def test_a_nav_entry_with_a_typo_fails_the_page_not_hides_itself(self):
        item = NavItem("x", "core:access_log", perm="read_acces_log")
        with self.assertRaises(UnknownPermission):
            scope_of(self.t.alice, item.perm)

    def test_only_enum_members_can_be_registered(self):
        with self.assertRaises(UnknownPermission):
            register_permission("free_text", {"office"})

        class Stray(Permission):
            STRAY = "stray"

        self.assertNotIn("stray", {str(p) for p in permission_roles()})
        with self.assertRaises(UnknownPermission):
            scope_of(self.t.root, Stray.STRAY)  # a member, but never registered

    def test_registered_members_grant_by_role(self):
        self.assertTrue(scope_of(self.t.alice, OrgPerm.MANAGE_UNITS).covers(self.t.a_hq.path))
        self.assertFalse(scope_of(self.t.alice, OrgPerm.MANAGE_UNITS).covers(self.t.b_sub.path))
        require(self.t.alice, OrgPerm.MANAGE_UNITS, self.t.a_hq.path)
        with self.assertRaises(PermissionDeniedInScope):
            require(self.t.bob, OrgPerm.MANAGE_UNITS, self.t.a_hq.path)
        self.assertTrue(scope_of(self.t.bob, HealthPerm.VIEW_HEALTH).covers(self.t.a_site_1.path))
        self.assertTrue(scope_of(self.t.bob, CorePerm.VIEW).covers(self.t.a_site_1.path))

    def test_code_names_permissions_by_enum_not_by_string(self):
        """No call outside tests passes a permission as a string literal (log_access's
        "view" is an action, not a permission)."""
        names = {str(p) for p in permission_roles()}
        found = []
        for path in FANGKONG.rglob("*.py"):
            if {"tests", "migrations"} & set(path.parts):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", "")
                if name in {"log_access", "log_read"}:
                    continue
                args = [*node.args, *(k.value for k in node.keywords)]
                for arg in args:
                    if isinstance(arg, ast.Constant) and arg.value in names:
                        found.append(f"{path.relative_to(FANGKONG)}:{node.lineno} {arg.value}")
        self.assertEqual(found, [])
