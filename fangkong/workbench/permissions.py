"""Permissions of the workbench, registered with the roles that grant them from the app's
ready() (see core/permissions.py)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class WorkbenchPerm(Permission):
    # The command view (一张图) of a subtree: the leading group, the epidemic office (the
    # SASAC duty room is the office on the root) and the admins who run a unit.
    COMMAND_VIEW = "command_view"


ROLES = {
    WorkbenchPerm.COMMAND_VIEW: {
        Role.SYSTEM_ADMIN,
        Role.LEADING_GROUP,
        Role.OFFICE,
        Role.UNIT_ADMIN,
    },
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
