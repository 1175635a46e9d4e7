"""Permissions of the organization, registered with the roles that grant them from the app's
ready() (see core/permissions.py)."""

from fangkong.core.permissions import CorePerm, Permission, register_permission

from .choices import Role


class OrgPerm(Permission):
    MANAGE_UNITS = "manage_units"
    MANAGE_PEOPLE = "manage_people"
    MANAGE_ROLES = "manage_roles"


ROLES = {
    CorePerm.VIEW: frozenset(Role.values),  # every role, over its unit's subtree
    CorePerm.READ_ACCESS_LOG: {Role.SYSTEM_ADMIN},
    CorePerm.USE_API: {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN},
    OrgPerm.MANAGE_UNITS: {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN},
    OrgPerm.MANAGE_PEOPLE: {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.OFFICE, Role.LIAISON},
    OrgPerm.MANAGE_ROLES: {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
