"""A read/write lock for an emulator's store: reads run side by side, a write runs alone.

One plain lock around every request makes an emulator answer one request at a time, which a
benchmark of a connector's steady state (many concurrent reads) then measures instead of the
connector. With :class:`ReadWriteLock` the reads share the store and only the writes
(and the control API's changes) wait for each other and for the reads in progress::

    with store.lock.reading():   # GET, HEAD
        ...
    with store.lock.writing():   # POST, PUT, PATCH, DELETE, a reset
        ...

A read must then change nothing a concurrent read sees half-done; memoising a value every
reader computes alike (a sort order, an index) is fine, since readers never run beside a write.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """Many readers or one writer. A writer that waits holds back readers arriving after it (a
    steady stream of reads would otherwise keep a write waiting for ever). Not reentrant: a
    thread holding the lock must not take it again (a reader asking to write waits for
    itself)."""

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._changed:
            while self._writing or self._writers_waiting:
                self._changed.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                if not self._readers:
                    self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._changed:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._changed.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()
