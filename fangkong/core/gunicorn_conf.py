"""gunicorn's configuration for `fangkong serve` (`--config python:fangkong.core.gunicorn_conf`).

Read by the arbiter before it forks its workers, so what is set here holds in each one.
"""

import os
from pathlib import Path

import gunicorn.http.wsgi

# gunicorn names itself and its version in a `Server` header on every answer, telling a
# scanner which server to attack (issue 10). gunicorn has no setting for it: its
# Response copies this module constant (gunicorn 27; `test_serve` checks the header).
gunicorn.http.wsgi.SERVER = "fangkong"


# /metrics in multiprocess mode (core/metrics.py): `fangkong serve` names the directory where
# each worker keeps its request histograms. Emptied when the server starts (the counts of an
# earlier run would be summed in); a worker that exits leaves its counts, which the scrape
# still sums, as Prometheus expects of counters.
def on_starting(server):
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):
            old.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
