"""Permissions of staff health, registered with the roles that grant them from the app's
ready() (see core/permissions.py)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class HealthPerm(Permission):
    VIEW_HEALTH = "view_health"
    MANAGE_HEALTH = "manage_health"
    MANAGE_RISK_AREAS = "manage_risk_areas"


ROLES = {
    # Person-level health data: roles that cover the person's unit, not mere viewers.
    HealthPerm.VIEW_HEALTH: {
        Role.SYSTEM_ADMIN,
        Role.LEADING_GROUP,
        Role.OFFICE,
        Role.UNIT_ADMIN,
        Role.LIAISON,
        Role.INSPECTOR,
    },
    HealthPerm.MANAGE_HEALTH: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN, Role.LIAISON},
    # Risk areas apply to everyone: system admins and the epidemic office keep them.
    HealthPerm.MANAGE_RISK_AREAS: {Role.SYSTEM_ADMIN, Role.OFFICE},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
