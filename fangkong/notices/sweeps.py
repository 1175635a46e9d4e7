"""Time-driven work of the notices (core.worker): past a notice's reply deadline the units
with no written reply go into the accountability ledger, once per notice (idempotent,
safe from two workers: the notice row is locked and marked swept)."""

from . import services


def missing_replies(now=None) -> dict:
    return services.record_missing_replies(now)
