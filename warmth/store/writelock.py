"""One SQLite writer at a time per engine in this process, handed over at once.

SQLite lets one connection write. Every store transaction starts with ``BEGIN
IMMEDIATE``; the others wait in SQLite's busy handler, which polls with sleeps of up to
100 ms. When a worker runs several batch activities at once (districts in parallel),
the write lock could sit free while the next writer slept. Distributing 100,000
households, the issue stage took 10.5–15.8 s (median 13.4) over eight runs with this
lock and 12.2–15.8 s (median 14.1) over five without, on a machine whose speed swings
by 2× (``bench/README.md``): a modest gain, and no sleeping in between writers.
Taking this lock before ``BEGIN IMMEDIATE`` queues the process's writers in the
process instead; SQLite's busy handler still arbitrates between processes (the CLI and
the workers).

The lock is released right after the transaction's ``COMMIT`` or ``ROLLBACK`` has
reached the database. Both go through the dialect's ``do_commit``/``do_rollback`` —
whether the transaction ended by ``commit()``, by an error, by closing a connection in
the middle of one, or by the pool's reset on return — so those two are wrapped; a
connection the pool invalidates or closes releases it too. The holder is the DB-API
connection that began.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event

WAIT_SECONDS = 60.0
"""As long as SQLite's own busy timeout (``PRAGMA busy_timeout``) in the engine."""


class WriterLockTimeout(TimeoutError):
    """Another transaction of this process held the store for longer than SQLite would wait."""


class WriterLock:
    def __init__(self, wait: float = WAIT_SECONDS) -> None:
        self._lock = threading.Lock()
        self._holder: int | None = None  # id() of the DB-API connection in a transaction
        self._wait = wait

    def begin(self, connection: object, start: Callable[[], None]) -> None:
        """Take the lock for ``connection``, then ``start()`` its transaction (released if
        it fails)."""
        if not self._lock.acquire(timeout=self._wait):
            raise WriterLockTimeout(
                f"another transaction of this process held the store for {self._wait:.0f} s"
            )
        self._holder = id(connection)
        try:
            start()
        except BaseException:
            self.release(connection)
            raise

    def release(self, connection: object) -> None:
        """After every commit and rollback: release if ``connection`` holds the lock."""
        if self._holder is not None and self._holder == id(connection):
            self._holder = None
            self._lock.release()

    @property
    def held(self) -> bool:
        return self._lock.locked()


_LOCKS: weakref.WeakKeyDictionary[Engine, WriterLock] = weakref.WeakKeyDictionary()


def lock_of(engine: Engine) -> WriterLock | None:
    """The writer lock installed on ``engine``, if any."""
    return _LOCKS.get(engine)


def install(engine: Engine) -> WriterLock:
    """Make ``engine``'s transactions begin with ``BEGIN IMMEDIATE`` under a :class:`WriterLock`."""
    lock = _LOCKS[engine] = WriterLock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        lock.begin(_raw(conn.connection), lambda: conn.exec_driver_sql("BEGIN IMMEDIATE"))

    dialect: Any = engine.dialect  # this engine's own dialect instance
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_commit(connection: Any) -> None:
        try:
            commit(connection)
        finally:
            lock.release(_raw(connection))

    def do_rollback(connection: Any) -> None:
        try:
            rollback(connection)
        finally:
            lock.release(_raw(connection))

    dialect.do_commit = do_commit
    dialect.do_rollback = do_rollback

    def _dropped(dbapi_connection: Any, *_args: Any) -> None:
        lock.release(dbapi_connection)

    for name in ("invalidate", "soft_invalidate", "close", "close_detached"):
        event.listen(engine, name, _dropped)
    return lock


def _raw(connection: Any) -> Any:
    """The DB-API connection behind the pool's proxy (or the connection itself)."""
    return getattr(connection, "dbapi_connection", None) or connection
