"""Permissions of the duty roster, registered with the roles that grant them from the app's
ready() (see core/permissions.py)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class DutyPerm(Permission):
    MANAGE_DUTY = "manage_duty"


ROLES = {
    # Keeping rosters: admins and the epidemic office. Viewing them is CorePerm.VIEW.
    DutyPerm.MANAGE_DUTY: {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.OFFICE},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
