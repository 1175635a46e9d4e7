"""Planner statistics on SQLite. PostgreSQL's autovacuum keeps its own; SQLite keeps none
unless ANALYZE runs, and an index without them is costed by rule of thumb: the supplies
board's index, re-created by a migration, lost its statistics and SQLite walked every
balance of the province for the board's first page (0.1 ms became 450 ms). ANALYZE with
an analysis limit samples each index instead of reading it (well under a second for ten
million rows), after every migration and once a day."""

from django.db import connection

ANALYSIS_LIMIT = 1000  # rows sampled per index (SQLite's documented range: 100–1000)


def refresh(**_kwargs) -> dict:
    if connection.vendor != "sqlite":
        return {"skipped": connection.vendor}
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return {"analyzed": True}
