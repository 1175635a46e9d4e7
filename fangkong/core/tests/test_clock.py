"""FANGKONG_TEST_NOW moves the clock of the whole test run (the root conftest.py), so
`make test-clock` can prove that no test depends on the date or the hour."""

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[3]
MOVED = os.environ.get("FANGKONG_TEST_NOW", "")


@pytest.mark.skipif(not MOVED, reason="FANGKONG_TEST_NOW is not set: the real clock")
def test_the_moved_clock_is_everyones_clock():
    moment = datetime.fromisoformat(MOVED)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(timezone.now()))  # a live server's
    thread.start()
    thread.join()
    for now in (timezone.now(), seen[0]):
        assert moment <= now < moment + timedelta(hours=1)  # it ticks on from the moment


def run_pytest(moment: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FANGKONG_TEST_NOW": moment}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:xdist", "-p", "no:randomly", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fangkong_test_now_moves_the_run_and_says_so():
    # 17:30 UTC on 2 December is already 3 December in Shanghai.
    result = run_pytest(
        "2026-12-02T17:30:00+00:00",
        f"{__file__}::{test_the_moved_clock_is_everyones_clock.__name__}",
        "-rs",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "clock moved: FANGKONG_TEST_NOW=2026-12-02T17:30:00+00:00" in result.stdout
    assert "1 passed" in result.stdout, result.stdout


def test_a_moment_without_an_offset_is_refused():
    result = run_pytest(
        "2026-12-02T17:30:00", f"{__file__}::test_the_moved_clock_is_everyones_clock"
    )
    assert result.returncode != 0
    assert "needs an offset" in result.stderr, result.stderr
