"""Navigation by capability. Each app registers its entries in AppConfig.ready();
core never imports the apps that register here."""

from dataclasses import dataclass

from django.urls import reverse

from .scope import scope_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str = "view"
    icon: str = "circle"
    order: int = 100


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if item not in _items:
        _items.append(item)
        _items.sort(key=lambda i: i.order)


def items_for(request):
    user = request.user
    if not user.is_authenticated:
        return []
    current = request.path
    result = []
    for item in _items:
        if scope_of(user, item.perm).empty:
            continue
        result.append({"item": item, "url": reverse(item.url_name), "active": False})
    # The longest entry URL that prefixes the current path is the active one.
    matches = [e for e in result if e["url"] != "/" and current.startswith(e["url"])]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    return result
