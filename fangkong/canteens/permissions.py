"""Permissions of canteens, registered with the roles that grant them from the app's
ready(). Seeing canteens and their plans is CorePerm.VIEW."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class CanteenPerm(Permission):
    # Set up a canteen, plan its meals, adjust and publish the plans.
    MANAGE_CANTEENS = "manage_canteens"


ROLES = {
    CanteenPerm.MANAGE_CANTEENS: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
