"""Permissions of donations, registered with the roles that grant them from the app's
ready() (see core/permissions.py). Seeing a campaign and unit totals is CorePerm.VIEW."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class DonationPerm(Permission):
    # Open and close campaigns of a unit's subtree, record the transfer to the recipient.
    MANAGE_CAMPAIGNS = "manage_campaigns"
    # Enter (or import) the money gifts of a unit; record goods received and given.
    ENTER_GIFTS = "enter_gifts"
    # See what one person gave: the office and the leading group of the unit's scope only.
    VIEW_PERSONAL_GIFTS = "view_personal_gifts"


ROLES = {
    DonationPerm.MANAGE_CAMPAIGNS: {Role.SYSTEM_ADMIN, Role.OFFICE},
    DonationPerm.ENTER_GIFTS: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN, Role.LIAISON},
    DonationPerm.VIEW_PERSONAL_GIFTS: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.LEADING_GROUP},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
