"""Permissions of disinfection and ventilation, registered from the app's ready() (see
core/permissions.py). Reading schedules, slots and compliance is CorePerm.VIEW."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class SitesPerm(Permission):
    MANAGE_SCHEDULES = "manage_site_schedules"  # schedules of a subtree, the sites' QR links
    LOG_SLOTS = "log_site_slots"  # log a slot of a site on the liaison's page or the API


ROLES = {
    SitesPerm.MANAGE_SCHEDULES: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN},
    SitesPerm.LOG_SLOTS: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN, Role.LIAISON},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
