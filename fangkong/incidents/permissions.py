"""Permissions of incidents, registered with the roles that grant them from the app's
ready() (see core/permissions.py)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class IncidentPerm(Permission):
    FILE_INCIDENTS = "file_incidents"


ROLES = {
    IncidentPerm.FILE_INCIDENTS: {
        Role.SYSTEM_ADMIN,
        Role.LEADING_GROUP,
        Role.OFFICE,
        Role.UNIT_ADMIN,
        Role.LIAISON,
    },
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
