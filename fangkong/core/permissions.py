"""Permissions: named by enums, registered by the app that owns them, checked in one place.

Each app defines its permissions as members of a `Permission` enum of its own
(`health.choices.HealthPerm.VIEW_HEALTH`) and registers each with the roles that grant it
from its AppConfig.ready(); core knows only its own two (`CorePerm`). A permission that no
app registered — a typo, a leftover — is an error wherever it is used (`scope_of`,
`require`, `visible_to`, a nav entry), never an empty scope that silently hides a page.

Roles are opaque strings here: the app that owns roles (orgs) turns a user's role
assignments into one Scope per registered permission (`permission_roles()`).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured

from .errors import PermissionDeniedInScope


class Permission(StrEnum):
    """The base of every app's permission enum (an enum with members cannot be extended,
    so each app subclasses this empty one)."""


class CorePerm(Permission):
    VIEW = "view"  # every role, over its unit's subtree
    READ_ACCESS_LOG = "read_access_log"  # the personal-data access log, the delivery log
    USE_API = "use_api"  # API tokens and the API's documentation (integrators, admins)


class UnknownPermission(ImproperlyConfigured):
    """A permission no app registered (a programming error, not a user's)."""


_roles: dict[str, frozenset[str]] = {}
_members: dict[str, Permission] = {}


def register_permission(perm: Permission, roles: Iterable[str]) -> None:
    """Let an app define `perm` by the roles that grant it (from its ready())."""
    if not isinstance(perm, Permission):
        raise UnknownPermission(f"{perm!r} is not a member of a Permission enum")
    _roles[perm.value] = frozenset(str(r) for r in roles)
    _members[perm.value] = perm


def permission(perm: str) -> Permission:
    """The registered permission named `perm`; UnknownPermission if none is."""
    try:
        return _members[perm]
    except (KeyError, TypeError):
        raise UnknownPermission(f"unknown permission {perm!r}") from None


def permission_roles() -> dict[Permission, frozenset[str]]:
    """Every registered permission with the roles that grant it."""
    return {_members[name]: roles for name, roles in _roles.items()}


def require(actor, perm: Permission, path: str) -> None:
    """Refuse a write the actor's roles do not cover (visibility is checked by the caller)."""
    from .scope import scope_of

    if not scope_of(actor, perm).covers(path):
        raise PermissionDeniedInScope()
