"""Permissions of the emergency funds, registered with the roles that grant them from the
app's ready() (see core/permissions.py). Money is not for every role: liaisons, inspectors
and viewers do not see the funds. Signing a step of a proposal needs, besides
APPROVE_PROPOSALS, the step's own role (funds/services.py: the nearest holders up the
fund's line)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class FundsPerm(Permission):
    VIEW_FUNDS = "view_funds"  # the funds, their proposals, payments and statements
    MANAGE_FUNDS = "manage_funds"  # open a fund, add to its budget, set its chain
    DRAFT_PROPOSALS = "draft_proposals"  # 领导小组 or 疫情防控办公室 drafts spending
    APPROVE_PROPOSALS = "approve_proposals"  # sign a step of the chain (with its role)
    RECORD_PAYMENTS = "record_payments"  # 疫情防控办公室统一实施: the payments


ROLES = {
    FundsPerm.VIEW_FUNDS: {
        Role.SYSTEM_ADMIN,
        Role.LEADING_GROUP,
        Role.PARTY_COMMITTEE,
        Role.OFFICE,
        Role.UNIT_ADMIN,
    },
    FundsPerm.MANAGE_FUNDS: {Role.SYSTEM_ADMIN, Role.UNIT_ADMIN, Role.OFFICE},
    FundsPerm.DRAFT_PROPOSALS: {Role.SYSTEM_ADMIN, Role.LEADING_GROUP, Role.OFFICE},
    FundsPerm.APPROVE_PROPOSALS: {
        Role.LEADING_GROUP,
        Role.PARTY_COMMITTEE,
        Role.OFFICE,
        Role.UNIT_ADMIN,
    },
    FundsPerm.RECORD_PAYMENTS: {Role.SYSTEM_ADMIN, Role.OFFICE},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
