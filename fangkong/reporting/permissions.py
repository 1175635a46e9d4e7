"""Permissions of the daily reports, registered with the roles that grant them from the app's
ready() (see core/permissions.py)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class ReportingPerm(Permission):
    FILE_REPORTS = "file_reports"
    MANAGE_FORMS = "manage_forms"


ROLES = {
    ReportingPerm.FILE_REPORTS: {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.OFFICE, Role.LIAISON},
    ReportingPerm.MANAGE_FORMS: {Role.SYSTEM_ADMIN, Role.OFFICE},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
