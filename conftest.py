import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in live-server tests


def pytest_configure(config):
    from django.conf import settings

    # Tests hash passwords with MD5: fast, and never used outside the test run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
