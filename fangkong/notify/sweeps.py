"""The delivery sweep (`fangkong worker`, urgent lane, every 2 s): the outbox, batch after
batch (`services.deliver_due`, which holds the guarantees)."""

import time
from collections import Counter

from .services import BATCH, deliver_due


def deliver_sweep(budget: float = 10.0) -> dict[str, int]:
    """Batch after batch while batches come full, for about `budget` s."""
    total: Counter = Counter()
    start = time.monotonic()
    while True:
        result = deliver_due()
        total.update(result)
        if result["claimed"] < BATCH or time.monotonic() - start > budget:
            return {k: v for k, v in total.items() if v}
