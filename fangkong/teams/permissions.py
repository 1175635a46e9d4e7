"""Permissions of teams, registered with the roles that grant them from the app's ready()
(see core/permissions.py). Seeing teams and deployments is CorePerm.VIEW."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class TeamPerm(Permission):
    # Form teams of a unit's subtree, change their members, send them to units.
    MANAGE_TEAMS = "manage_teams"


ROLES = {
    TeamPerm.MANAGE_TEAMS: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN},
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
