"""What the supplies pages share: the unit a page is about, numbers typed in a form."""

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404

from fangkong.core.numbers import parse_int
from fangkong.core.permissions import CorePerm
from fangkong.core.scope import scope_of
from fangkong.orgs.queries import get_unit_for, list_root_units

PAGE_SIZE = 50


def page_unit(request, perm=None):
    """The unit a page of a subtree is about (the board, the requests, a distribution):
    the one named by ?unit= (404 outside the scope), else the top of the user's scope,
    None when the scope is empty."""
    code = (request.GET.get("unit") or request.POST.get("unit") or "").strip()
    if code:
        return get_unit_for(request.user, code, perm) if perm else get_unit_for(request.user, code)
    roots = list_root_units(request.user, perm) if perm else list_root_units(request.user)
    return roots.order_by("path").first()


def own_unit(request):
    """The unit a page of one unit's stock is about (the ledger, the daily count,
    transfers): ?unit= as `page_unit`, else the user's own unit (their roster entry's)
    when they may see it — the office's warehouse rather than the whole group — else the
    top of the scope; 404 when the scope is empty."""
    if not (request.GET.get("unit") or "").strip():
        try:
            own = request.user.person.unit
        except (ObjectDoesNotExist, AttributeError):
            own = None
        if own is not None and scope_of(request.user, CorePerm.VIEW).covers(own.path):
            return own
    unit = page_unit(request)
    if unit is None:
        raise Http404
    return unit


def typed_int(value):
    """A whole number typed in a form (full-width digits too), None when empty; a
    ValueError for anything else."""
    text = (value or "").strip()
    if not text:
        return None
    return parse_int(text)
