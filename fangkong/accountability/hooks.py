"""Follow-up work after an entry is recorded, for later apps to plug into (notify: tell
the office) without this app importing them. Handlers run after the commit."""

import logging

logger = logging.getLogger(__name__)
_after_entry = []


def on_entry_recorded(handler):
    """Register `handler(entry)`; usable as a decorator."""
    if handler not in _after_entry:
        _after_entry.append(handler)
    return handler


def entry_recorded(entry) -> None:
    for handler in _after_entry:
        try:
            handler(entry)
        except Exception:  # a failing follow-up must not undo or block the entry
            logger.exception("after-entry handler %s failed for entry %s", handler, entry.pk)
