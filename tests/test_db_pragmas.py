"""Every SQLite connection the hub opens gets its pragmas, in every thread (peewee opens one
connection per thread): WAL, foreign keys, and the bounded page cache (``SQLITE_CACHE_KIB``)."""

import threading

from hub.db import SQLITE_CACHE_KIB, open_database


def _pragmas(database):
    return {
        name: database.execute_sql(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "foreign_keys", "cache_size", "synchronous")
    }


def test_each_thread_s_connection_has_the_bounded_page_cache(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'hub.db'}")
    expected = {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "cache_size": -SQLITE_CACHE_KIB,
        "synchronous": 1,  # NORMAL
    }
    seen = {"main": _pragmas(database)}

    def other():
        seen["thread"] = _pragmas(database)
        database.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    database.close()
    assert seen == {"main": expected, "thread": expected}
    assert 0 < SQLITE_CACHE_KIB <= 16000  # a first import at 100,000 items stays < 150 MB
