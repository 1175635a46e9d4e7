"""Permissions of checkpoints, registered with the roles that grant them from the app's
ready() (see core/permissions.py). Seeing checkpoints and their counts is CorePerm.VIEW."""

from fangkong.core.permissions import Permission, register_permission
from fangkong.orgs.choices import Role


class CheckpointPerm(Permission):
    # Set up and close the checkpoints of a unit's subtree.
    MANAGE_CHECKPOINTS = "manage_checkpoints"
    # Enter a shift's counts and the fevers found, who was on the checkpoint.
    ENTER_COUNTS = "enter_checkpoint_counts"


ROLES = {
    CheckpointPerm.MANAGE_CHECKPOINTS: {Role.SYSTEM_ADMIN, Role.OFFICE, Role.UNIT_ADMIN},
    CheckpointPerm.ENTER_COUNTS: {
        Role.SYSTEM_ADMIN,
        Role.OFFICE,
        Role.UNIT_ADMIN,
        Role.LIAISON,
    },
}


def register_permissions() -> None:
    for perm, roles in ROLES.items():
        register_permission(perm, roles)
