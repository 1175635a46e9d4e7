"""`fangkong backup` (a consistent copy of the database and the media, owner-only, old
ones pruned) and `fangkong copy-to` (a group's SQLite install moved to PostgreSQL: every
row, ids kept, sequences past them), on real databases."""

import io
import os
import sqlite3
import stat
import tempfile
import time
from pathlib import Path
from unittest import skipUnless

import dj_database_url
import psycopg
from django.core.management import call_command
from django.db import connection, connections
from django.test import TestCase, TransactionTestCase, override_settings

from fangkong.orgs.models import Person
from fangkong.orgs.testing import ProvinceMixin, make_province

PG = dict(host=os.environ.get("PGHOST", "127.0.0.1"), port=os.environ.get("PGPORT", "5432"))
PG_USER = os.environ.get("PGUSER", "postgres")


def _pg_reachable() -> bool:
    try:
        psycopg.connect(dbname="postgres", user=PG_USER, connect_timeout=2, **PG).close()
        return True
    except psycopg.Error:
        return False


class BackupTests(TransactionTestCase):
    """Outside a test's transaction: a backup copies what is committed (SQLite's online
    backup waits for an open write transaction to end)."""

    def setUp(self):
        make_province()

    def test_a_backup_holds_the_rows_is_private_and_old_ones_go(self):
        people = Person.objects.count()
        self.assertGreater(people, 0)
        with tempfile.TemporaryDirectory() as tmp, override_settings(MEDIA_ROOT=Path(tmp) / "m"):
            (Path(tmp) / "m").mkdir()
            (Path(tmp) / "m" / "report.pdf").write_bytes(b"%PDF-1.4")
            to = Path(tmp) / "backups"
            to.mkdir()
            old = to / "fangkong-20200101-000000.sqlite3"
            old.write_bytes(b"old")
            stale = time.time() - 40 * 86400
            os.utime(old, (stale, stale))
            keep = to / "notes.txt"
            keep.write_text("not ours")
            os.utime(keep, (stale, stale))
            out = io.StringIO()
            call_command("backup", to=str(to), stdout=out)
            files = sorted(p.name for p in to.iterdir())
            self.assertNotIn(old.name, files)  # older than 30 days: removed
            self.assertIn("notes.txt", files)  # not a backup: left alone
            media = [p for p in to.iterdir() if p.name.endswith("-media.tar.gz")]
            self.assertEqual(len(media), 1)
            self.assertEqual(stat.S_IMODE(media[0].stat().st_mode), 0o600)
            if connection.vendor == "sqlite":
                (dump,) = to.glob("fangkong-*.sqlite3")
                self.assertEqual(stat.S_IMODE(dump.stat().st_mode), 0o600)
                copy = sqlite3.connect(dump)
                self.assertEqual(
                    copy.execute("SELECT count(*) FROM orgs_person").fetchone()[0], people
                )
                copy.close()
            else:
                (dump,) = to.glob("fangkong-*.dump")
                self.assertGreater(dump.stat().st_size, 10_000)
            self.assertIn(str(dump), out.getvalue())


ALIAS = "copy_target"


@skipUnless(_pg_reachable(), "PostgreSQL is not reachable")
class CopyToTests(ProvinceMixin, TestCase):
    """SQLite → a fresh PostgreSQL database, migrated before the test's transactions."""

    databases = "__all__"

    @classmethod
    def setUpClass(cls):
        cls.name = f"fk_copy_to_{os.getpid()}_{int(time.time())}"
        cls.url = f"postgres://{PG_USER}@{PG['host']}:{PG['port']}/{cls.name}"
        with psycopg.connect(dbname="postgres", user=PG_USER, autocommit=True, **PG) as admin:
            admin.execute(f'CREATE DATABASE "{cls.name}"')
        cfg = dj_database_url.parse(cls.url)
        both = connections.configure_settings(
            {"default": dict(connections.settings["default"]), ALIAS: cfg}
        )
        connections.settings[ALIAS] = both[ALIAS]
        call_command("migrate", database=ALIAS, interactive=False, verbosity=0)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]
        with psycopg.connect(dbname="postgres", user=PG_USER, autocommit=True, **PG) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{cls.name}" WITH (FORCE)')

    def test_an_sqlite_install_moves_to_postgresql_whole(self):
        if connection.vendor != "sqlite":
            self.skipTest("the move is from SQLite")
        out = io.StringIO()
        call_command("copy_to", database=self.url, yes=True, stdout=out)
        self.assertIn("Copied", out.getvalue())
        with connections[ALIAS].cursor() as target:
            for table, count in (
                ("orgs_person", Person.objects.count()),
                ("orgs_unit", type(self.t.province).objects.count()),
                ("auth_user", type(self.t.olga).objects.count()),
            ):
                target.execute(f"SELECT count(*) FROM {table}")
                self.assertEqual(target.fetchone()[0], count, table)
            # ids kept, and the next id lies past them
            first = Person.objects.order_by("pk").first()
            target.execute("SELECT name, unit_path FROM orgs_person WHERE id = %s", [first.pk])
            self.assertEqual(target.fetchone(), (first.name, first.unit_path))
            target.execute("SELECT nextval('orgs_person_id_seq')")
            self.assertGreater(target.fetchone()[0], Person.objects.order_by("-pk").first().pk)
