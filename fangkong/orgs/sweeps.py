"""Time-driven work of the organization, run by `fangkong worker`."""

from .services import refresh_head_counts


def refresh_all_head_counts(now=None) -> dict:
    """Every unit's head count from its active people (hourly; the services keep it on
    each change, this catches what bulk imports and moves left behind)."""
    return {"units": refresh_head_counts()}
