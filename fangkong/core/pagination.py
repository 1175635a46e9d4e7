"""The one paginated output of the API: `Page[ItemOut]` as the response schema, `PageQuery`
as the base of the endpoint's query schema, `paginate()` to fill it.

    class ListFilter(PageQuery):
        unit: str | None = None

    @router.get("/things", response=Page[ThingOut])
    def list_things(request, filters: Query[ListFilter]):
        return paginate(queries.list_things(request.user), filters, out=_out)

A page past the last one gives the last page (Django's `Paginator.get_page`), so a client
walking `page` up to `pages` never gets an error for a list that shrank meanwhile.
"""

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Generic, TypeVar

from django.core.paginator import Paginator
from ninja import Field, Schema

from .schemas import INT_MAX

T = TypeVar("T")


class PageQuery(Schema):
    """`page` (from 1) and `page_size`; an endpoint may narrow or widen `page_size`."""

    page: Annotated[int, Field(ge=1, le=INT_MAX)] = 1
    page_size: Annotated[int, Field(ge=1, le=500)] = 50


class Page(Schema, Generic[T]):
    count: int = Field(description="items in all pages")
    page: int = Field(description="this page's number, from 1")
    pages: int = Field(description="number of pages (at least 1)")
    page_size: int
    items: list[T]


def paginate(
    rows: Any,  # a queryset or a list
    query: PageQuery,
    *,
    out: Callable[[Any], Any] | None = None,
    items: Callable[[list[Any]], Iterable[Any]] | None = None,
) -> dict[str, Any]:
    """One page of `rows` (a queryset or a list) as a `Page` dict. `items(rows)` may
    enrich the page's rows in one go (an annotation of the page only); `out(row)` turns
    each into the item schema's dict."""
    paginator: Paginator = Paginator(rows, query.page_size)
    current = paginator.get_page(query.page)
    objects = list(current.object_list)
    if items is not None:
        objects = list(items(objects))
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "page_size": query.page_size,
        "items": [out(o) for o in objects] if out is not None else objects,
    }
