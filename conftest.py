import os
from datetime import datetime

import pytest

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API in live-server tests

# FANGKONG_TEST_NOW moves the whole run's clock to a moment, e.g. "2026-12-02T17:30:00+00:00"
# (Shanghai is already on the 3rd): no test may depend on the date or the hour, and
# `make test-clock` proves it. The clock then ticks on from there. A test that freezes
# time itself (time_machine.travel) still gets its own moment: travels nest.
TEST_NOW = "FANGKONG_TEST_NOW"
_travel = None


def moved_now() -> datetime | None:
    raw = os.environ.get(TEST_NOW, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise pytest.UsageError(f"{TEST_NOW}={raw!r} is not an ISO date and time") from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"{TEST_NOW}={raw!r} needs an offset, e.g. +00:00 or +08:00")
    return moment


def pytest_configure(config):
    global _travel
    from django.conf import settings

    # Tests hash passwords with MD5: fast, and never used outside the test run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    moment = moved_now()
    if moment is not None and _travel is None:
        import time_machine

        # Patches the process (every xdist worker configures its own), so the live
        # server's threads share the moved clock.
        _travel = time_machine.travel(moment, tick=True)
        _travel.start()
        # Chromium keeps cookies by its own clock: an expiry computed from a moved clock
        # could already be past for it. Browser-session cookies have no expiry.
        settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
        settings.CSRF_COOKIE_AGE = None


def pytest_unconfigure(config):
    global _travel
    if _travel is not None:
        _travel.stop()
        _travel = None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, then the freshly migrated test database is kept for
    fangkong.orgs.testing.seed_demo_once: the demo is seeded on it whatever the tests
    before left (a flush takes the shipped catalogue, forms and checklists)."""
    from fangkong.orgs.testing import remember_migrated_state

    with django_db_blocker.unblock():
        remember_migrated_state()


def pytest_report_header(config):
    moment = moved_now()
    if moment is not None:
        return f"clock moved: {TEST_NOW}={moment.isoformat()}"
    return None
