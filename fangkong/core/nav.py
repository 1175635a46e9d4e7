"""Navigation by capability. Each app registers its entries in AppConfig.ready();
core never imports the apps that register here. Entries that name a `section` are shown
together under one dropdown (registered with `register_section`), so the bar stays one
line as capabilities are added."""

from dataclasses import dataclass

from django.urls import reverse

from .permissions import CorePerm, Permission
from .scope import scope_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: Permission = CorePerm.VIEW
    icon: str = "circle"
    order: int = 100
    section: str = ""  # the key of a NavSection, or "" for an entry of its own


@dataclass(frozen=True)
class NavSection:
    key: str
    label: str
    icon: str = "circle"


_items: list[NavItem] = []
_sections: dict[str, NavSection] = {}


def register(item: NavItem) -> None:
    if item not in _items:
        _items.append(item)
        _items.sort(key=lambda i: i.order)


def register_section(section: NavSection) -> None:
    _sections[section.key] = section


def items_for(request):
    """The entries the user may open, in order: {"item", "url", "active"} for an entry of
    its own, {"section", "children", "active"} for a dropdown (placed where its first
    entry would be)."""
    user = request.user
    if not user.is_authenticated:
        return []
    current = request.path
    links = []
    for item in _items:
        if scope_of(user, item.perm).empty:
            continue
        links.append({"item": item, "url": reverse(item.url_name), "active": False})
    # The longest entry URL that prefixes the current path is the active one.
    matches = [e for e in links if e["url"] != "/" and current.startswith(e["url"])]
    if matches:
        max(matches, key=lambda e: len(e["url"]))["active"] = True
    result, groups = [], {}
    for link in links:
        key = link["item"].section
        if not key or key not in _sections:
            result.append(link)
        elif key in groups:
            groups[key]["children"].append(link)
        else:
            groups[key] = {"section": _sections[key], "children": [link], "active": False}
            result.append(groups[key])
    for group in groups.values():
        group["active"] = any(child["active"] for child in group["children"])
    return result
