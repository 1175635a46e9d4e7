"""Time-driven work of the ledger, run by `fangkong worker` (every 60 s)."""

from . import services


def record_overdue(now=None) -> dict:
    """Missing reports past the cut-off; late filings and corrections no follow-up recorded."""
    return services.record_overdue(now)


def seed_ledger(admin, log=print) -> None:
    """`fangkong seed-demo`: the ledger of the demo's 30 days of report history (filed in
    bulk, without the filing follow-ups)."""
    counts = services.record_overdue(days=31)
    log(
        f"Accountability ledger: {counts['missing']} missing, {counts['late']} late, "
        f"{counts['corrections']} corrections after the cut-off."
    )
