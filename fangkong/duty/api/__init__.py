"""The duty roster over JSON, one module per capability: roster (who is on duty now,
rooms, shifts, templates, gaps, swaps) and log (the duty log)."""

from ninja import Router

from . import log, roster

router = Router()
for module in (roster, log):
    router.add_router("", module.router)
