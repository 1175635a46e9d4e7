"""What the supplies pages share: the unit a page is about, numbers typed in a form."""

from django.contrib import messages

from fangkong.core.errors import ServiceError
from fangkong.core.numbers import parse_int
from fangkong.orgs.queries import get_unit_for, list_root_units

PAGE_SIZE = 50


def page_unit(request, perm=None):
    """The unit named by ?unit= (404 outside the scope), else the top of the user's scope."""
    code = (request.GET.get("unit") or request.POST.get("unit") or "").strip()
    if code:
        return get_unit_for(request.user, code, perm) if perm else get_unit_for(request.user, code)
    return (list_root_units(request.user, perm) if perm else list_root_units(request.user)).first()


def typed_int(value):
    """A whole number typed in a form (full-width digits too), None when empty; a
    ValueError for anything else."""
    text = (value or "").strip()
    if not text:
        return None
    return parse_int(text)


def service_errors(request, exc: ServiceError) -> dict:
    if not exc.fields:
        messages.error(request, exc.message)
    return exc.fields
