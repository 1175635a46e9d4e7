"""Permissions of the supplies ledger, registered with the roles that grant them from the
app's ready() (see core/permissions.py). Reading stock is CorePerm.VIEW."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class SuppliesPerm(Permission):
    KEEP_STOCK = "keep_stock"  # record receipts, issues, transfers, counts of a unit
    MANAGE_CATALOGUE = "manage_catalogue"
    DECIDE_REQUESTS = "decide_supply_requests"  # approve, reject or pass up what units ask


ROLES = {
    SuppliesPerm.KEEP_STOCK: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN, Role.LIAISON},
    SuppliesPerm.MANAGE_CATALOGUE: {Role.SYSTEM_ADMIN},
    SuppliesPerm.DECIDE_REQUESTS: {
        Role.SYSTEM_ADMIN,
        Role.LEADING_GROUP,
        Role.OFFICE,
        Role.UNIT_ADMIN,
    },
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
