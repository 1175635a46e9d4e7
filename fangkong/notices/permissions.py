"""Permissions of the notices, registered from the app's ready(). Every role reads the
notices of its subtree; issuing is the leading group's, the office's and the unit admins';
approving is the leading group's (seed 003: 集团疫情防控领导小组令); acknowledging is
everyone's who works a unit (not viewers or inspectors)."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class NoticePerm(Permission):
    VIEW_NOTICES = "view_notices"  # the notices issued in or sent to the subtree
    ISSUE_NOTICES = "issue_notices"  # draft, issue, forward, withdraw, remind
    APPROVE_NOTICES = "approve_notices"  # a leading-group member's approval
    ACK_NOTICES = "ack_notices"  # read and acknowledge (签收) for one's unit


ALL = set(Role.values)
ROLES = {
    NoticePerm.VIEW_NOTICES: ALL,
    NoticePerm.ISSUE_NOTICES: {
        Role.SYSTEM_ADMIN,
        Role.LEADING_GROUP,
        Role.OFFICE,
        Role.UNIT_ADMIN,
    },
    NoticePerm.APPROVE_NOTICES: {Role.LEADING_GROUP},
    NoticePerm.ACK_NOTICES: ALL - {Role.VIEWER, Role.INSPECTOR},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
