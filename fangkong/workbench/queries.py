"""Reads of the command view (一张图): which unit and which moment it is about, and its
panels, as the apps registered them (core.command)."""

from datetime import datetime

from django.http import Http404
from django.utils import timezone

from fangkong.core.command import panels_for
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import get_unit_for, list_root_units

from .permissions import WorkbenchPerm

PERM = WorkbenchPerm.COMMAND_VIEW


def get_command_unit(user, code: str = "") -> Unit:
    """The unit named by `code` in the user's command-view scope (else a 404, whether it
    exists or not), or the first unit at the top of that scope."""
    if code:
        return get_unit_for(user, code, PERM)
    unit = list_root_units(user, PERM).select_related("parent", "liaison").order_by("path").first()
    if unit is None:
        raise Http404
    return unit


def parse_moment(value: str, unit: Unit) -> datetime | None:
    """`at=` of the page: an ISO date and time, on the unit's wall clock unless it names
    its offset; None when absent. Garbage is a 404 (as a day that does not parse is)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Http404 from exc
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=unit.tzinfo)
    return moment


def list_command_panels(user, unit: Unit, at: datetime, only: str = "") -> list[dict]:
    """The panels of the page (deferred ones without their data), or the one named `only`
    (a 404 when there is none, or nothing to show)."""
    panels = panels_for(user, unit, at, only=only)
    if only and not panels:
        raise Http404
    return panels
