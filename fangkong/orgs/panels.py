"""Panels that later apps add to the unit and person pages (today's check-ins on a unit,
a person's health record link), without orgs importing them. A panel is a function
`(request, obj) -> str` returning rendered HTML, or "" to show nothing."""

_panels: dict[str, list] = {"unit": [], "person": []}


def register_unit_panel(fn):
    _panels["unit"].append(fn)
    return fn


def register_person_panel(fn):
    _panels["person"].append(fn)
    return fn


def render_panels(kind: str, request, obj) -> list[str]:
    return [html for fn in _panels[kind] if (html := fn(request, obj))]
