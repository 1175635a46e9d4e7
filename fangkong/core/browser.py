"""A base for end-to-end tests: the real pages in headless Chromium, driven by
Playwright's sync API against Django's live server.

The browser is the system's Chromium (Debian's `chromium`, which `.ci/run` installs);
Playwright's own browser downloads are never used. Without it the tests are skipped
with the reason, never failed.

    class HomeTests(BrowserTestCase):
        @classmethod
        def setUpClassData(cls):
            seed_demo_once()  # fangkong.orgs.testing: the demo, restored from a snapshot

        def test_home(self):
            self.login(self.page, "group-admin", DEMO_PASSWORD)
            expect(self.page.locator("h1")).to_be_visible()

Each test gets a fresh browser context (no cookies, zh-CN, 1280x800) in `self.page`;
`self.new_page(...)` opens another one, e.g. with a phone viewport. JavaScript errors,
failed static files and anything the Content-Security-Policy blocked (an inline script,
style or handler: Chromium reports each on the console) on any page fail the test.

The live server is a TransactionTestCase, so the database is normally flushed after
every test. Seeding can take seconds: data made in `setUpClassData()` is created once
and shared by the tests of the class, and the database is flushed once, after the
last of them. Such tests must leave shared rows as they found them. The demo is seeded
once per test process and restored for each class (`seed_demo_once()`, a second or less
instead of 10-30 s): call it first in `setUpClassData()`, it replaces the whole database.
"""

import os
import unittest
from urllib.parse import urlsplit

from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.core.management import call_command
from django.db import connections

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
TIMEOUT_MS = 10_000


def chromium_missing() -> str:
    """Why browser tests cannot run here, or "" when they can."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return ""


class BrowserTestCase(StaticLiveServerTestCase):
    browser = None

    @classmethod
    def setUpClassData(cls):
        """Override to create data shared by every test of the class (see above)."""

    @classmethod
    def _shares_class_data(cls) -> bool:
        return cls.setUpClassData.__func__ is not BrowserTestCase.setUpClassData.__func__

    @classmethod
    def setUpClass(cls):
        reason = chromium_missing()
        if reason:
            raise unittest.SkipTest(reason)
        from playwright.sync_api import expect, sync_playwright

        super().setUpClass()  # starts the live server; its stop is a class cleanup
        if cls._shares_class_data():
            # Class cleanups run last-in first-out: the flush runs after the browser has
            # closed, so no request still being served holds a table (SQLite's "database
            # table is locked" on the flush, which left the rows to the next class).
            cls.addClassCleanup(cls._flush_databases)
        expect.set_options(timeout=TIMEOUT_MS)
        playwright = sync_playwright().start()
        cls.addClassCleanup(playwright.stop)
        cls.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cls.addClassCleanup(cls.browser.close)
        # While Playwright runs, the main thread counts as async for asgiref: its database
        # connections live in a context variable that Django's own teardown cannot see.
        # Close them before Playwright stops, or PostgreSQL cannot drop the test database.
        cls.addClassCleanup(connections.close_all)
        if cls._shares_class_data():
            cls.setUpClassData()

    @classmethod
    def _flush_databases(cls):
        for alias in cls._databases_names(include_mirrors=False):
            call_command("flush", verbosity=0, interactive=False, database=alias)

    def _fixture_teardown(self):
        if not self._shares_class_data():
            super()._fixture_teardown()

    def setUp(self):
        super().setUp()
        self.browser_problems: list[str] = []
        self._page = None

    @property
    def page(self):
        """The test's desktop page, opened on first use."""
        if self._page is None:
            self._page = self.new_page()
        return self._page

    def tearDown(self):
        super().tearDown()
        self.assertEqual(
            self.browser_problems, [], "JavaScript errors, missing static files or CSP violations"
        )

    def new_page(self, viewport=None, locale="zh-CN", **options):
        """A page in a new browser context: cookies, storage and language of its own."""
        context = self.browser.new_context(
            viewport=viewport or DESKTOP, locale=locale, base_url=self.live_server_url, **options
        )
        self.addCleanup(context.close)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.browser_problems.append(f"{page.url}: {exc}"))
        page.on("response", self._check_static)
        page.on("console", lambda message: self._check_csp(page, message))
        return page

    def _check_csp(self, page, message):
        if "Content Security Policy" in message.text:
            self.browser_problems.append(f"{page.url}: {message.text}")

    def _check_static(self, response):
        path = urlsplit(response.url).path
        if path.startswith("/static/") and response.status >= 400:
            self.browser_problems.append(f"{response.status} {path}")

    def login(self, page, username, password):
        """Log in through the real login form; returns the page on the landing page."""
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.locator("form button[type=submit]").click()
        if urlsplit(page.url).path == "/login/":
            self.fail(f"login as {username} failed: still on {page.url}")
        return page
