"""Permissions of the daily bulletin, registered with the roles that grant them from the
app's ready(). Reading a published bulletin is CorePerm.VIEW; a draft is seen by those who
edit or approve it."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class BulletinPerm(Permission):
    EDIT_BULLETINS = "edit_bulletins"  # generate, edit, publish (疫情防控办公室)
    APPROVE_BULLETINS = "approve_bulletins"  # a leading-group member signs it off
    PUBLISH_STATEMENTS = "publish_statements"  # the one voice (统一口径) of external information


ROLES = {
    BulletinPerm.EDIT_BULLETINS: {Role.SYSTEM_ADMIN, Role.OFFICE},
    BulletinPerm.APPROVE_BULLETINS: {Role.LEADING_GROUP},
    BulletinPerm.PUBLISH_STATEMENTS: {Role.SYSTEM_ADMIN, Role.OFFICE},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
