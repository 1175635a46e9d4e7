"""Follow-up work after a filing, for later capabilities to plug into (accountability,
notifications) without this app importing them. Handlers run after the commit."""

import logging

logger = logging.getLogger(__name__)
_after_filing = []


def on_report_filed(handler):
    """Register `handler(report, revision)`; usable as a decorator."""
    _after_filing.append(handler)
    return handler


def report_filed(report, revision) -> None:
    for handler in _after_filing:
        try:
            handler(report, revision)
        except Exception:  # a failing follow-up must not undo or block the filing
            logger.exception("after-filing handler %s failed for report %s", handler, report.pk)
