"""Backups and the move of an install to another database.

`fangkong backup` writes a consistent copy of the database while Fangkong runs — SQLite's
online backup (the `-wal` file included, never a torn copy) or PostgreSQL's `pg_dump
--format=custom` — and beside it a tar of the uploaded files (media), readable by the
owner only; older backups than `keep_days` are deleted. Restoring is documented in
docs/operations.md.

`fangkong copy-to --database postgres://…` moves a group's SQLite install to PostgreSQL:
the target is migrated to the same code, emptied, and every table copied as it is (ids
kept, so links and tokens go on working), then the sequences are set past the copied ids.
Rows are read through the models' fields (so SQLite's text dates, 0/1 booleans and JSON
text come out as Python values) and written with plain INSERTs in batches, without the
models' save logic (no auto_now rewriting of the times).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tarfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connections, transaction

BATCH = 2000
PREFIX = "fangkong-"


@dataclass
class Backup:
    database: Path
    media: Path | None
    seconds: float
    removed: list[Path] = field(default_factory=list)


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def backup(to: Path, *, keep_days: int = 30, alias: str = "default", now=None) -> Backup:
    """A consistent copy of the database (and the media folder) in `to`."""
    started = time.perf_counter()
    now = now or datetime.now()  # noqa: DTZ005 (a file name on this machine, local time)
    to = Path(to)
    old_umask = os.umask(0o077)
    try:
        to.mkdir(parents=True, exist_ok=True)
        connection = connections[alias]
        stamp = _stamp(now)
        if connection.in_atomic_block:
            raise RuntimeError("a backup is not taken inside a transaction")
        if connection.vendor == "sqlite":
            target = to / f"{PREFIX}{stamp}.sqlite3"
            connection.ensure_connection()
            _sqlite_backup(connection.connection, target)
        elif connection.vendor == "postgresql":
            target = to / f"{PREFIX}{stamp}.dump"
            _pg_dump(connection.settings_dict, target)
        else:  # pragma: no cover - the two supported databases
            raise RuntimeError(f"no backup for {connection.vendor}")
        media = None
        root = Path(settings.MEDIA_ROOT)
        if root.is_dir() and any(root.iterdir()):
            media = to / f"{PREFIX}{stamp}-media.tar.gz"
            with tarfile.open(media, "w:gz") as tar:
                tar.add(root, arcname="media")
        removed = prune(to, keep_days=keep_days, now=now)
    finally:
        os.umask(old_umask)
    return Backup(target, media, time.perf_counter() - started, removed)


def _sqlite_backup(source: sqlite3.Connection, target: Path) -> None:
    part = target.with_name(target.name + ".part")
    dst = sqlite3.connect(part)
    try:
        source.backup(dst)  # online: a consistent snapshot, the WAL's pages included
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        ok = dst.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        dst.close()
    if ok != "ok":
        part.unlink(missing_ok=True)
        raise RuntimeError(f"the copy failed its check: {ok}")
    part.rename(target)


def pg_environment(settings_dict: dict) -> tuple[list[str], dict]:
    """pg_dump/pg_restore arguments and environment for a Django database (password in
    the environment, never on the command line)."""
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def _pg_dump(settings_dict: dict, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise RuntimeError("pg_dump is not installed (Debian: apt install postgresql-client)")
    args, env = pg_environment(settings_dict)
    part = target.with_name(target.name + ".part")
    with part.open("wb") as out:
        done = subprocess.run(
            ["pg_dump", "--format=custom", *args, settings_dict["NAME"]],
            stdout=out,
            stderr=subprocess.PIPE,
            env=env,
        )
    if done.returncode:
        part.unlink(missing_ok=True)
        raise RuntimeError(done.stderr.decode(errors="replace").strip())
    part.rename(target)


def prune(to: Path, *, keep_days: int, now: datetime) -> list[Path]:
    """Delete this command's backups older than `keep_days` (other files are left)."""
    limit = (now - timedelta(days=keep_days)).timestamp()
    removed = []
    for path in Path(to).glob(f"{PREFIX}*"):
        if path.is_file() and not path.name.endswith(".part") and path.stat().st_mtime < limit:
            path.unlink()
            removed.append(path)
    return removed


# --- moving to another database ------------------------------------------------------------


@dataclass
class Copied:
    tables: int
    rows: int
    seconds: float


def _models():
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]


def copy_to(target_alias: str, *, source_alias: str = "default", log=lambda *a: None) -> Copied:
    """Copy every table of `source_alias` into `target_alias` (migrated to this code
    already), which is emptied first. One transaction on the target: a failure leaves it
    as it was."""
    started = time.perf_counter()
    target = connections[target_alias]
    models = _models()
    rows = 0
    with transaction.atomic(using=target_alias):
        with target.cursor() as cursor:
            tables = [target.ops.quote_name(m._meta.db_table) for m in models]
            if target.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                if _superuser(cursor):
                    # The source's rows passed its own foreign keys: not checked again row by
                    # row (the checks are most of the target's work). Ends with the transaction.
                    cursor.execute("SET LOCAL session_replication_role = replica")
            else:
                cursor.execute("PRAGMA defer_foreign_keys = ON")
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")
            for model in models:
                n = _copy_table(model, source_alias, target, cursor)
                rows += n
                if n:
                    log(f"{model._meta.db_table}: {n:,}")
            for sql in target.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    return Copied(len(models), rows, time.perf_counter() - started)


def _superuser(cursor) -> bool:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    row = cursor.fetchone()
    return bool(row and row[0])


def _copy_table(model, source_alias: str, target, cursor) -> int:
    fields = list(model._meta.concrete_fields)
    table = target.ops.quote_name(model._meta.db_table)
    columns = ", ".join(target.ops.quote_name(f.column) for f in fields)
    queryset = (
        model._base_manager.using(source_alias)
        .order_by("pk")
        .values_list(*[f.attname for f in fields])
    )
    rows = (
        [f.get_db_prep_save(value, connection=target) for f, value in zip(fields, row, strict=True)]
        for row in queryset.iterator(chunk_size=BATCH)
    )
    count = 0
    if target.vendor == "postgresql":  # COPY: several times faster than INSERTs
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            cursor.executemany(sql, batch)
            count, batch = count + len(batch), []
    if batch:
        cursor.executemany(sql, batch)
        count += len(batch)
    return count
