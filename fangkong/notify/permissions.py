"""Permissions of notifications, registered with the roles that grant them from the app's
ready() (see core/permissions.py)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class NotifyPerm(Permission):
    MANAGE_ROUTING = "manage_routing"


ROLES = {
    # Who sets a unit's routing rules: its admins (a role covers the subtree).
    NotifyPerm.MANAGE_ROUTING: {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
