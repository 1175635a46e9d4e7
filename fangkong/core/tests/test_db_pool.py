"""FANGKONG_DB_POOL: how the PostgreSQL connections are kept (docs/operations.md)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import SimpleTestCase, TestCase

SETTINGS = Path(settings.BASE_DIR) / "fangkong" / "settings.py"
PG = "postgres://fangkong@127.0.0.1:5432/fangkong"


def load_settings(**env: str):
    """fangkong/settings.py read afresh with these variables (not the running settings)."""
    names = ("DATABASE_URL", "FANGKONG_DB_POOL", "FANGKONG_DB_CONN_MAX_AGE")
    clean = {k: v for k, v in os.environ.items() if k not in names}
    with mock.patch.dict(os.environ, {**clean, **env}, clear=True):
        spec = importlib.util.spec_from_file_location("fangkong_settings_probe", SETTINGS)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


class PoolSettingTests(SimpleTestCase):
    def test_persistent_connections_by_default(self):
        db = load_settings(DATABASE_URL=PG).DATABASES["default"]
        self.assertEqual(db["CONN_MAX_AGE"], 60)
        self.assertTrue(db["CONN_HEALTH_CHECKS"])
        self.assertNotIn("pool", db.get("OPTIONS", {}))
        self.assertFalse(db.get("DISABLE_SERVER_SIDE_CURSORS", False))

    def test_psycopg_pool_replaces_the_kept_connection(self):
        db = load_settings(DATABASE_URL=PG, FANGKONG_DB_POOL="psycopg").DATABASES["default"]
        self.assertEqual(db["CONN_MAX_AGE"], 0)  # Django refuses a pool with persistent ones
        self.assertEqual(db["OPTIONS"]["pool"], {"min_size": 1, "max_size": 1, "timeout": 3})
        self.assertTrue(db["CONN_HEALTH_CHECKS"])  # the pool checks each connection it lends

    def test_pgbouncer_has_no_server_side_cursors(self):
        db = load_settings(DATABASE_URL=PG, FANGKONG_DB_POOL="PgBouncer").DATABASES["default"]
        self.assertTrue(db["DISABLE_SERVER_SIDE_CURSORS"])
        self.assertEqual(db["CONN_MAX_AGE"], 60)  # kept connections to PgBouncer are cheap
        self.assertNotIn("pool", db.get("OPTIONS", {}))

    def test_sqlite_ignores_it(self):
        db = load_settings(
            DATABASE_URL="sqlite:///x.sqlite3", FANGKONG_DB_POOL="psycopg"
        ).DATABASES["default"]
        self.assertEqual(db["CONN_MAX_AGE"], 0)
        self.assertNotIn("pool", db["OPTIONS"])

    def test_an_unknown_value_is_refused(self):
        with self.assertRaisesMessage(ImproperlyConfigured, "FANGKONG_DB_POOL"):
            load_settings(DATABASE_URL=PG, FANGKONG_DB_POOL="yes")


class PoolConnectsTests(TestCase):
    def test_a_process_with_the_psycopg_pool_queries_and_returns_its_connection(self):
        if connection.vendor != "postgresql":
            self.skipTest("PostgreSQL only")
        params = connection.settings_dict
        url = (
            f"postgres://{params['USER']}:{params['PASSWORD']}@{params['HOST'] or '127.0.0.1'}"
            f":{params['PORT'] or 5432}/{params['NAME']}"
        )
        script = (
            "import django; django.setup()\n"
            "from django.db import connection, close_old_connections\n"
            "for _ in range(3):\n"
            "    with connection.cursor() as c:\n"
            "        c.execute('SELECT pg_backend_pid()'); pid = c.fetchone()[0]\n"
            "    connection.close()  # the end of a request: back to the pool\n"
            "print(type(connection.pool).__name__, connection.pool.get_stats()['pool_size'])\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", script],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "fangkong.settings",
                "DATABASE_URL": url,
                "FANGKONG_DB_POOL": "psycopg",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(out.returncode, 0, out.stderr[-2000:])
        self.assertEqual(out.stdout.split(), ["ConnectionPool", "1"])
