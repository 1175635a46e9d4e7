"""Test helpers with no domain in them."""

import threading

from django.db import connection


def run_in_threads(target, count=2):
    """Start `count` threads together on `target(n)` (a barrier lines them up), each with
    its own database connection; re-raise the first error in the test's thread."""
    barrier = threading.Barrier(count)
    errors = []

    def run(n):
        try:
            barrier.wait(10)
            target(n)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]


def run_followups() -> dict:
    """What the worker's `core.followups` sweep would do now: run every due follow-up (the
    incident of a case, the ledger entry of a late filing, the office's notices)."""
    from .followups import run_all

    return run_all()


def api_document(client) -> dict:
    """The OpenAPI document as a user with API access reads it (core.auth.docs_access)."""
    from django.contrib.auth import get_user_model

    reader, _created = get_user_model().objects.get_or_create(
        username="api-doc-reader", defaults={"is_superuser": True}
    )
    client.force_login(reader)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200, response.status_code
    return response.json()


# Tables a snapshot leaves alone: rebuilt by post_migrate after every flush (so under new
# ids; ContentType's cache holds them) and by migrate; no seeded row points at them.
UNSNAPSHOTTED = {"django_content_type", "auth_permission", "django_migrations"}


class TableSnapshot:
    """Every row of every table of a database, taken and put back exactly as stored:
    SQLite's values without Django's converters, PostgreSQL's through COPY. Both work
    inside a transaction too (a TestCase's `setUpTestData`, rolled back after the class)
    and outside one (a live-server test, flushed after the class).

    `restore()` empties every table first (but UNSNAPSHOTTED), so the database holds the
    snapshot and nothing else; sequences never move back (PostgreSQL's are not rolled
    back with a TestCase: a row of the state before must not get a new row's id)."""

    def __init__(self, alias: str = "default"):
        from django.db import connections, transaction

        self.alias = alias
        connection = connections[alias]
        self.vendor = connection.vendor
        self.tables: dict[str, object] = {}
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            for table in self._table_names(connection):
                self.tables[table] = self._take(cursor, connection, table)

    @staticmethod
    def _table_names(connection) -> list[str]:
        return sorted(
            name
            for name in connection.introspection.table_names()
            if name not in UNSNAPSHOTTED and not name.startswith("sqlite_")
        )

    def _take(self, cursor, connection, table):
        quote = connection.ops.quote_name
        if self.vendor == "sqlite":
            raw = cursor.connection  # the sqlite3 connection's own cursor: no converters
            columns = [row[1] for row in raw.execute(f"PRAGMA table_info({quote(table)})")]
            # A unary + drops the declared type: the value comes back as stored.
            listed = ", ".join(f"+{quote(c)}" for c in columns)
            rows = raw.execute(f"SELECT {listed} FROM {quote(table)}").fetchall()
            return columns, rows
        if self.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                return b"".join(bytes(chunk) for chunk in copy)
        raise NotImplementedError(self.vendor)

    def restore(self) -> None:
        from django.db import connections, transaction

        connection = connections[self.alias]
        quote = connection.ops.quote_name
        with transaction.atomic(using=self.alias), connection.cursor() as cursor:
            tables = self._table_names(connection)
            if set(tables) != set(self.tables):
                raise RuntimeError("the tables changed since the snapshot was taken")
            if self.vendor == "sqlite":
                raw = cursor.connection
                for table in tables:  # foreign keys are deferred to the commit
                    raw.execute(f"DELETE FROM {quote(table)}")
                for table, (columns, rows) in self.tables.items():
                    if rows:
                        listed = ", ".join(quote(c) for c in columns)
                        marks = ", ".join("?" * len(columns))
                        raw.executemany(
                            f"INSERT INTO {quote(table)} ({listed}) VALUES ({marks})", rows
                        )
            else:
                # Checks pending in this transaction fire now (TRUNCATE refuses a table
                # with pending trigger events); the COPYs' checks wait for the commit.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute("TRUNCATE " + ", ".join(quote(t) for t in tables))
                for table, data in self.tables.items():
                    if data:
                        with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
                            copy.write(data)
                for statement in self._sequence_statements(cursor, connection):
                    cursor.execute(statement)

    def _sequence_statements(self, cursor, connection) -> list[str]:
        if not hasattr(self, "_sequences"):
            quote = connection.ops.quote_name
            self._sequences = []
            for table in self.tables:
                for sequence in connection.introspection.get_sequences(cursor, table):
                    name, column = quote(sequence["name"]), quote(sequence["column"])
                    self._sequences.append(
                        f"SELECT setval('{name}', GREATEST(MAX({column}), "
                        f"(SELECT last_value FROM {name}))) FROM {quote(table)} "
                        f"HAVING MAX({column}) IS NOT NULL"
                    )
        return self._sequences
