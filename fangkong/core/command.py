"""The panels of the command view (一张图), computed from the facts at every read.

Every app that owns figures of a subtree registers its panels from its
`AppConfig.ready()`, in its `command.py`:

    register_command_panel("reporting.completeness", completeness,
                           template="reporting/_command_completeness.html", order=10)

where `completeness(user, unit, now)` returns a dict (the context of `template`) or None
(nothing to show: no form assigned, no permission to see the figure); without a
`template` of its own the panel is drawn by `core/_command_panel.html` from
`{"title", "url", "figures": [{"label", "value", "url"}], "source"}`. `now` is the moment
the view is asked about (the present, or the `at=` of the page). The workbench draws the
panels in `order`; each app keeps its own figures, queries and template, and the workbench
imports none of them. A panel that fails is logged and skipped: one broken app never
blanks the duty room's wall.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

logger = logging.getLogger(__name__)

PanelFn = Callable[[object, object, datetime], dict | None]


@dataclass(frozen=True)
class CommandPanel:
    name: str  # "<app>.<what>", stable (a test id on the page)
    fn: PanelFn
    template: str
    order: int = 100
    wide: bool = False  # spans the whole row (a table, a chart) rather than a card
    # Fetched by the page in a request of its own once it has loaded: a panel whose
    # figures cost more than the page may (the 14-day trend of a province).
    deferred: bool = False


_panels: dict[str, CommandPanel] = {}


PLAIN = (
    "core/_command_panel.html"  # {"title", "url", "figures": [{"label", "value", "url"}], "source"}
)


def register_command_panel(
    name: str,
    fn: PanelFn,
    *,
    template: str = PLAIN,
    order: int = 100,
    wide: bool = False,
    deferred: bool = False,
) -> None:
    _panels[name] = CommandPanel(name, fn, template, order, wide, deferred)


def unregister_command_panel(name: str) -> None:
    """For tests that register a panel of their own."""
    _panels.pop(name, None)


def panels_for(user, unit, now: datetime, *, only: str = "") -> list[dict]:
    """[{"panel": CommandPanel, "data": dict | None}] of the panels with something to show;
    a deferred panel comes without its data (None: the page fetches it with `only`, its
    name, which computes that panel alone)."""
    shown: list[dict] = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.name)):
        if only and panel.name != only:
            continue
        if panel.deferred and not only:
            shown.append({"panel": panel, "data": None})
            continue
        try:
            data = panel.fn(user, unit, now)
        except Exception:
            logger.exception("The command panel %s failed", panel.name)
            continue
        if data is not None:
            shown.append({"panel": panel, "data": data})
    return shown
