"""Subtree scope: the one place that decides what a user may see or change.

A role on a unit covers the unit's whole subtree. Units carry a materialized
path ("/1/7/42/"), so "inside the scope" is a prefix test that the database
answers from an index. Core defines the mechanism; the app that owns roles
(orgs) registers the resolver that turns a user into a Scope, so core never
imports a higher app.

Anything outside the scope is a 404, never a 403 that confirms it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.http import Http404

from .fields import subtree_q
from .permissions import CorePerm, Permission, permission


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.everything and not self.paths

    def q(self, field: str) -> Q:
        """A filter keeping rows whose `field` (a unit path) lies inside the scope."""
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        query = Q()
        for path in self.paths:
            query |= subtree_q(field, path)
        return query

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths)


def minimal_paths(paths) -> tuple[str, ...]:
    """Drop paths that lie under another path of the set (their subtree is already in)."""
    result: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return tuple(sorted(result))


# Given a user, returns their Scope for every permission (one database round trip).
ScopeResolver = Callable[[object], dict[Permission, Scope]]
_resolver: ScopeResolver | None = None


def register_scope_resolver(resolver: ScopeResolver) -> None:
    global _resolver
    _resolver = resolver


def scope_of(user, perm: Permission | str = CorePerm.VIEW) -> Scope:
    """The subtree `user` may exercise `perm` on; cached on the user object for a request.
    A permission no app registered raises UnknownPermission, for every user."""
    perm = permission(perm)
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    scopes = user.__dict__.get("_fangkong_scopes")
    if scopes is None:
        scopes = _resolver(user) if _resolver is not None else {}
        user.__dict__["_fangkong_scopes"] = scopes
    return scopes.get(perm, Scope())


def forget_scopes(user) -> None:
    user.__dict__.pop("_fangkong_scopes", None)


class ScopedQuerySet(models.QuerySet):
    """A queryset whose model names the field holding its unit path (`scope_field`)."""

    def visible_to(self, user, perm: Permission = CorePerm.VIEW):
        field = getattr(self.model, "scope_field", "path")
        return self.filter(scope_of(user, perm).q(field))

    def in_subtree(self, unit, include_self: bool = True):
        """Rows of `unit`'s subtree (an index range on the model's unit path); without the
        rows of `unit` itself if not `include_self`."""
        field = getattr(self.model, "scope_field", "path")
        qs = self.filter(subtree_q(field, unit.path))
        return qs if include_self else qs.exclude(**{field: unit.path})


def get_object_for(user, queryset, perm: Permission = CorePerm.VIEW, **lookup):
    """Fetch one object inside the user's scope for `perm`, or raise Http404."""
    try:
        return queryset.visible_to(user, perm).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
