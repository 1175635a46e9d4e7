"""Follow-up work after a health case gets a result, for later capabilities to plug into
(incidents: a suspected or confirmed case must open an incident) without this app
importing them. Handlers run after the commit; one failing does not stop the others."""

import logging

logger = logging.getLogger(__name__)
_after_result = []


def on_case_result(handler):
    """Register `handler(case)`, called when a case gets a suspected or confirmed result;
    usable as a decorator."""
    _after_result.append(handler)
    return handler


def case_result(case) -> None:
    for handler in _after_result:
        try:
            handler(case)
        except Exception:  # the case is saved; the follow-up is retried by its owner
            logger.exception("after-result handler %s failed for case %s", handler, case.pk)
