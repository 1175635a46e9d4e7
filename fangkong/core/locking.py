"""Row locks that serialize check-then-create writes.

A write that checks "is there one already?" and then creates against a unique constraint
(one check-in per person and day, one open case per person, one live link) races itself:
two requests at the same moment (a double tap) both see nothing and the second insert
hits the constraint. Such writes first lock the row they are about (the person, the
unit) with `lock_rows`: the second request waits for the first to commit, then sees its
row and answers like a repeat. The constraint stays as the backstop. Rows are locked in
primary-key order, so two writers that lock several rows never wait on each other in a
circle. On SQLite the lock is a no-op: its writers are serialized by the database
(`BEGIN IMMEDIATE`).
"""

from collections.abc import Iterable

import fangkong.core.fields  # noqa: F401 (the __any lookup)


def lock_rows(model, ids: Iterable[int | None]) -> list[int]:
    """Lock the rows of `model` with these primary keys until the end of the current
    transaction (call inside one); returns the ids that exist, in order."""
    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return []
    return list(
        model.objects.select_for_update(of=("self",))
        .filter(pk__any=wanted)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
