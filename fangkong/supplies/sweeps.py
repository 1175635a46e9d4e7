"""Time-driven work of the supplies ledger: the days of cover slide at each unit's
midnight (`supplies.cover`)."""

from .cover import refresh_stale


def refresh_cover() -> dict:
    return {"balances": refresh_stale()}
