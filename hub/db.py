"""The database: one DatabaseProxy opened from a URL (``hub.models.schema`` migrates it).

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions, so concurrent
writers queue on the lock instead of failing to upgrade a read lock.
"""

import contextlib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from peewee import DatabaseProxy, PostgresqlDatabase, SqliteDatabase
from playhouse.db_url import connect, parse

db = DatabaseProxy()

# The page cache is per connection (every worker and web thread has one), in KiB when
# negative. 8 MB: a first import of 100,000 PrestaShop combinations peaks at ~124 MB instead
# of ~154 MB with 32 MB, for the same CPU; pages beyond it come from the OS's file cache
# (benchmarks/README.md, "Merchant scale").
SQLITE_CACHE_KIB = 8000

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("busy_timeout", 30000),
    ("synchronous", "normal"),
    ("cache_size", -SQLITE_CACHE_KIB),
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


PASSWORD_PARAMETER = re.compile(r"(?i)([?&]password=)[^&#]*")


def display_url(url):
    """``url`` as it may be shown (an error message, a log line): any password replaced by
    ``***``, in the user part (``postgresql://hub:***@host/db``) or a ``password=`` query
    parameter; the rest as written."""
    parts = urlsplit(url)
    if parts.password is not None:
        user, host = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0], parts.netloc.rsplit("@")[-1]
        url = url.replace(parts.netloc, f"{user}:***@{host}", 1)
    return PASSWORD_PARAMETER.sub(r"\1***", url)


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


def backup(url, dest):
    """Copy the database at ``url`` to the file ``dest`` while the hub runs; returns its size.

    SQLite: the online backup API, in one step — a consistent snapshot (WAL: writers go on
    meanwhile), written to ``dest``.tmp (mode 0600) and renamed into place. PostgreSQL:
    ``pg_dump --format=custom`` of the hub's schema (``pg_restore`` reads it), the
    connection's parameters passed in PG* variables, never on a command line."""
    import sqlite3
    import subprocess

    from hub.errors import BadInput, HubError

    dest = Path(dest)
    if dest.exists():
        raise BadInput(f"{dest} exists: choose a new file (a backup never overwrites one)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if url.startswith("sqlite"):
            path = parse(url)["database"]
            if path == ":memory:" or not Path(path).exists():
                raise BadInput(f"no SQLite database at {path}")
            source = sqlite3.connect(path, timeout=30)
            target = sqlite3.connect(tmp)
            try:
                # pages=-1: the whole file in one step, one read transaction: a consistent
                # snapshot, and in WAL mode the writers are not held up meanwhile
                source.backup(target)
                # one self-contained file (no -wal beside it); the hub turns WAL on again
                # when it opens a restored copy
                target.execute("PRAGMA journal_mode=DELETE")
                check = target.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise HubError(f"the copy does not pass SQLite's quick_check: {check}")
            finally:
                target.close()
                source.close()
        elif url.startswith("postgres"):
            params = parse(url.replace("postgresql+psycopg2://", "postgresql://"))
            env = dict(os.environ)
            for key, var in (
                ("database", "PGDATABASE"),
                ("user", "PGUSER"),
                ("password", "PGPASSWORD"),
                ("host", "PGHOST"),
                ("port", "PGPORT"),
                ("options", "PGOPTIONS"),
            ):
                if params.get(key):
                    env[var] = str(params[key])
            database = open_database(url)
            try:
                schema = database.execute_sql("SELECT current_schema()").fetchone()[0]
            finally:
                database.close()
            try:
                subprocess.run(
                    ["pg_dump", "--format=custom", f"--schema={schema}", f"--file={tmp}"],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=6 * 3600,
                )
            except FileNotFoundError:
                raise HubError(
                    "pg_dump is not installed (Debian/Ubuntu: apt install postgresql-client)"
                ) from None
            except subprocess.CalledProcessError as exc:
                raise HubError(f"pg_dump failed: {exc.stderr.strip()[-1000:]}") from None
        else:
            raise BadInput(f"no backup for this database URL: {url.split(':', 1)[0]}")
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest.stat().st_size
