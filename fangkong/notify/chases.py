"""Kinds of 催办 (chasing a unit about something it has not done), registered by the apps
that own the missing lists (reporting: reports, health: check-ins and follow-ups,
incidents: acknowledgements), so notify sends every chase through one mechanism
(`services.chase`) without importing them.

A chase is about `what`, "<kind>:<ref>" (`report:daily:2020-02-03`, `ack:17`): the kind
says who may chase which units (`targets`), which of them still owe it (`pending`) and
what the reminder says (`compose`). The 5-minute rule holds per (what, unit).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import InvalidInput


@dataclass(frozen=True)
class ChaseKind:
    code: str
    label: object
    # (actor, ref) -> the full ref ("" → the default, e.g. today); InvalidInput if bad,
    # Http404 if the actor may not see what it names.
    resolve: Callable[[object, str], str]
    # (actor, ref, codes) -> the units (in `codes`' order) the actor may chase; a code the
    # actor may not chase is InvalidInput `unknown_unit`, as an unknown one.
    targets: Callable[[object, str, list[str]], list]
    # (ref, unit) -> (subject, body, url) of the reminder.
    compose: Callable[[str, Any], tuple[Any, Any, str]]
    # (ref, units) -> ids of the units that still owe it; None: all of them.
    pending: Callable[[str, list], set[int]] | None = None
    # (ref, units) -> {unit id: user ids} to remind; None: each unit's liaisons.
    recipients: Callable[[str, list], dict[int, set[int]]] | None = None


_kinds: dict[str, ChaseKind] = {}


def register_chase_kind(kind: ChaseKind) -> ChaseKind:
    if not kind.code or ":" in kind.code or len(kind.code) > 20:
        raise ValueError(f"not a chase kind code: {kind.code!r}")
    _kinds[kind.code] = kind
    return kind


def kind_codes() -> list[str]:
    return list(_kinds)


def parse_what(actor, what: str) -> tuple[ChaseKind, str]:
    """The kind and the resolved ref of `what` ("report", "report:daily:2020-02-03")."""
    code, _sep, ref = (what or "").partition(":")
    kind = _kinds.get(code)
    if kind is None:
        raise InvalidInput({"what": _("Not something that can be chased.")})
    return kind, kind.resolve(actor, ref)


def unknown_units(codes: Iterable[str]) -> InvalidInput:
    return InvalidInput(
        {"units": _("No such unit: %(codes)s") % {"codes": ", ".join(codes)}}, code="unknown_unit"
    )


def units_in_scope(actor, perm, codes: list[str]) -> list:
    """The units of `codes` in the actor's `perm` scope, in that order (the `targets` of a
    kind whose list is a subtree's: who may see the list may chase its units)."""
    from fangkong.orgs.models import Unit

    found = {u.code: u for u in Unit.objects.visible_to(actor, perm).filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise unknown_units(unknown)
    return [found[c] for c in codes]
