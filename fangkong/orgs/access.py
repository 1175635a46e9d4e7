"""Turns a user's role assignments into a Scope (registered with core.scope)."""

from fangkong.core.scope import Scope, minimal_paths

from .choices import PERMISSION_ROLES
from .models import RoleAssignment


def scope_for(user, perm: str) -> Scope:
    roles = PERMISSION_ROLES.get(perm)
    if roles is None:
        raise ValueError(f"unknown permission {perm!r}")
    paths = RoleAssignment.objects.filter(user=user, role__in=roles).values_list(
        "unit__path", flat=True
    )
    return Scope(paths=minimal_paths(paths))


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
