"""The database: one DatabaseProxy opened from a URL (``hub.models.schema`` migrates it).

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions, so concurrent
writers queue on the lock instead of failing to upgrade a read lock.
"""

import contextlib
import os
from pathlib import Path

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect, parse

db = DatabaseProxy()

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", 30000),
    ("synchronous", "normal"),
    ("cache_size", -32000),
)


def create_private_file(path):
    """Create ``path`` empty with mode 0600 unless it exists (SQLite then makes its -wal and
    -shm files with the same mode): credentials, sessions and tokens are in there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def open_database(url):
    """Open (lazily) a peewee database from ``url``; SQLite gets the pragmas above."""
    if url.startswith("sqlite"):
        path = parse(url)["database"]
        if path != ":memory:" and not path.startswith("file:"):
            create_private_file(path)
        return SqliteDatabase(
            path, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=30, check_same_thread=False
        )
    if url.startswith("postgres"):
        url = url.replace("postgresql+psycopg2://", "postgresql://")
    return connect(url)


def init_db(url):
    database = open_database(url)
    db.initialize(database)
    return database


def is_sqlite(database=None):
    database = database or db.obj
    return isinstance(database, SqliteDatabase)


def is_postgres(database=None):
    database = database or db.obj
    return isinstance(database, PostgresqlDatabase)
