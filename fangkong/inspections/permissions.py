"""Permissions of inspections, registered with the roles that grant them from the app's
ready() (see core/permissions.py). Seeing visits and rectification items is CorePerm.VIEW."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class InspectionPerm(Permission):
    # Assign inspectors (包抓包联) to units of the subtree.
    MANAGE_PLANS = "manage_inspection_plans"
    # Plan and carry out visits at units of the subtree.
    INSPECT = "inspect"
    # Report the fix of a rectification item of a unit (with evidence), raise its supplies.
    FIX = "fix_rectifications"
    # Verify a reported fix (the visit's inspector may too, for the items of their visits).
    VERIFY = "verify_rectifications"


ROLES = {
    InspectionPerm.MANAGE_PLANS: {Role.SYSTEM_ADMIN, Role.LEADING_GROUP, Role.OFFICE},
    InspectionPerm.INSPECT: {Role.SYSTEM_ADMIN, Role.LEADING_GROUP, Role.OFFICE, Role.INSPECTOR},
    InspectionPerm.FIX: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN, Role.LIAISON},
    InspectionPerm.VERIFY: {Role.SYSTEM_ADMIN, Role.OFFICE},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
