"""core.testing.TableSnapshot, the demo's snapshot for tests (orgs.testing.seed_demo_once):
rows come back exactly as stored, nothing else stays, and ids go on past them."""

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase

from fangkong.core.testing import TableSnapshot


def stored(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
        return cursor.fetchall()


class TableSnapshotTests(TestCase):
    def test_restore_puts_back_every_row_as_stored_and_only_those(self):
        User = get_user_model()
        moment = datetime(2026, 12, 2, 17, 30, 0, 123456, tzinfo=UTC)
        User.objects.create(username="kept", first_name="保留", is_staff=True, date_joined=moment)
        User.objects.create(username="edited", last_login=moment)
        before = stored(User._meta.db_table)
        snapshot = TableSnapshot()

        User.objects.filter(username="edited").update(first_name="改了", last_login=None)
        User.objects.filter(username="kept").delete()
        User.objects.create(username="added")
        snapshot.restore()

        self.assertEqual(stored(User._meta.db_table), before)
        kept = User.objects.get(username="kept")
        self.assertEqual((kept.first_name, kept.is_staff, kept.date_joined), ("保留", True, moment))
        self.assertFalse(User.objects.filter(username="added").exists())

    def test_new_rows_get_ids_past_every_one_seen(self):
        User = get_user_model()
        User.objects.create(username="first")
        snapshot = TableSnapshot()
        later = User.objects.create(username="later")  # an id the snapshot never held
        snapshot.restore()
        self.assertGreater(User.objects.create(username="after").pk, later.pk)
