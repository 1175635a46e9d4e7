"""Permissions of the accountability ledger, registered with the roles that grant them from the app's
ready() (see core/permissions.py)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class AccountabilityPerm(Permission):
    MANAGE_ACCOUNTABILITY = "manage_accountability"


ROLES = {
    # Notes and waivers: the epidemic office (and system admins) over their subtree.
    AccountabilityPerm.MANAGE_ACCOUNTABILITY: {Role.SYSTEM_ADMIN, Role.OFFICE},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
