"""Reads of the bulletins, scoped: a unit or bulletin outside the viewer's scope is a 404.
Drafts and approved bulletins not yet published are seen by those who edit or approve
bulletins on the unit; everybody who sees the unit sees the published ones."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.http import Http404

from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of

from .choices import BulletinState
from .models import Bulletin, Statement
from .permissions import BulletinPerm


def _visible(user):
    seen = scope_of(user, CorePerm.VIEW).q("unit_path")
    staff = scope_of(user, BulletinPerm.EDIT_BULLETINS).q("unit_path") | scope_of(
        user, BulletinPerm.APPROVE_BULLETINS
    ).q("unit_path")
    return Bulletin.objects.filter(seen).filter(Q(state=BulletinState.PUBLISHED) | staff)


def may_edit(user, unit) -> bool:
    return scope_of(user, BulletinPerm.EDIT_BULLETINS).covers(unit.path)


def may_approve(user, unit) -> bool:
    return scope_of(user, BulletinPerm.APPROVE_BULLETINS).covers(unit.path)


def list_bulletins(user, unit):
    """The archive of `unit` (its own bulletins, newest day first)."""
    return (
        _visible(user)
        .filter(unit=unit)
        .select_related("unit", "approved_by", "edited_by")
        .order_by("-day")
    )


def get_bulletin_for(user, unit, day: date) -> Bulletin:
    try:
        return (
            _visible(user)
            .select_related("unit", "approved_by", "edited_by")
            .get(unit=unit, day=day)
        )
    except Bulletin.DoesNotExist as exc:
        raise Http404 from exc


def list_statements(user, unit):
    """The external statements of `unit` and the units above it in the user's sight;
    drafts only for those who publish them."""
    seen = Statement.objects.filter(scope_of(user, CorePerm.VIEW).q("unit_path"))
    writer = scope_of(user, BulletinPerm.PUBLISH_STATEMENTS).q("unit_path")
    ancestors = [*unit.ancestor_ids, unit.pk]
    return (
        seen.filter(Q(published=True) | writer)
        .filter(unit_id__in=ancestors)
        .select_related("unit")
        .order_by("-published", "-published_at", "-created_at")
    )


def get_statement_for(user, statement_id) -> Statement:
    seen = Statement.objects.filter(scope_of(user, CorePerm.VIEW).q("unit_path"))
    writer = scope_of(user, BulletinPerm.PUBLISH_STATEMENTS).q("unit_path")
    try:
        return seen.filter(Q(published=True) | writer).get(pk=statement_id)
    except Statement.DoesNotExist as exc:
        raise Http404 from exc
