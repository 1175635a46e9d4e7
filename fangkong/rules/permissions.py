"""Permissions of rules and plans, registered from the app's ready(). Every role reads the
rules issued in or covering its subtree; publishing a rule's version is what issuing a
notice is (the leading group, the office, unit admins: notices.permissions), as are the
contingency plans and their drills. Confirming one's own reading needs no role: it is the
person's own act, through their login."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class RulePerm(Permission):
    VIEW_RULES = "view_rules"  # the rules, plans and drills of the subtree, with their figures
    PUBLISH_RULES = "publish_rules"  # create a rule, publish a version (a notice with receipts)
    MANAGE_PLANS = "manage_plans"  # contingency plans, their roles, drills and findings


ALL = set(Role.values)
PUBLISHERS = {Role.SYSTEM_ADMIN, Role.LEADING_GROUP, Role.OFFICE, Role.UNIT_ADMIN}
ROLES = {
    RulePerm.VIEW_RULES: ALL,
    RulePerm.PUBLISH_RULES: PUBLISHERS,
    RulePerm.MANAGE_PLANS: PUBLISHERS,
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
