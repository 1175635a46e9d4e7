"""Turns a user's role assignments into a Scope per permission (registered with core.scope)."""

from fangkong.core.permissions import Permission, permission_roles
from fangkong.core.scope import Scope, minimal_paths

from .models import RoleAssignment


def scopes_for(user) -> dict[Permission, Scope]:
    held = list(RoleAssignment.objects.filter(user=user).values_list("role", "unit__path"))
    return {
        perm: Scope(paths=minimal_paths(path for role, path in held if role in roles))
        for perm, roles in permission_roles().items()
    }
