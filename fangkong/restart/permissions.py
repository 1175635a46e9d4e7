"""Permissions of return to work, registered with the roles that grant them from the app's
ready(). Seeing plans and the restart rate is CorePerm.VIEW."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class RestartPerm(Permission):
    # Draft, change and file a unit's return-to-work plan, confirm its items by hand.
    FILE_PLANS = "file_restart_plans"
    # Approve, return or tell to wait the plans filed by the units below.
    DECIDE_PLANS = "decide_restart_plans"


ROLES = {
    RestartPerm.FILE_PLANS: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN, Role.LIAISON},
    RestartPerm.DECIDE_PLANS: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.LEADING_GROUP},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
