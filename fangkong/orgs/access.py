"""Turns a user's role assignments into a Scope per permission (registered with core.scope)."""

from fangkong.core.scope import Scope, minimal_paths

from .choices import PERMISSION_ROLES
from .models import RoleAssignment


def register_permission(name: str, roles) -> None:
    """Let a later app define a permission by the roles that grant it (from its ready())."""
    PERMISSION_ROLES[name] = frozenset(roles)


def scopes_for(user) -> dict[str, Scope]:
    held = list(RoleAssignment.objects.filter(user=user).values_list("role", "unit__path"))
    return {
        perm: Scope(paths=minimal_paths(path for role, path in held if role in roles))
        for perm, roles in PERMISSION_ROLES.items()
    }
