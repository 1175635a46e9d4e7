"""Settings of the benches' smoke runs (test_benches.py): the real ones, with the fast
password hasher of the test run (the demo sets a dozen passwords)."""

from fangkong.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
