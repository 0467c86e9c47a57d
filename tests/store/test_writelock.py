"""The store's in-process writer lock: taken by every transaction, always given back."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from warmth.store import writelock


def _lock(engine: Engine) -> writelock.WriterLock:
    lock = writelock.lock_of(engine)
    assert lock is not None
    return lock


def test_every_way_a_transaction_ends_gives_the_lock_back(engine: Engine) -> None:
    lock = _lock(engine)
    with engine.begin() as conn:  # committed
        conn.execute(text("SELECT 1"))
        assert lock.held
    assert not lock.held
    with engine.connect() as conn:  # a read, closed without commit
        conn.execute(text("SELECT 1"))
        assert lock.held
    assert not lock.held
    with pytest.raises(ValueError), engine.begin() as conn:  # an error: rolled back
        conn.execute(text("SELECT 1"))
        raise ValueError
    assert not lock.held
    conn = engine.connect()  # a statement that fails inside a transaction
    with pytest.raises(Exception, match="no such table"):
        conn.execute(text("SELECT * FROM nowhere"))
    conn.close()
    assert not lock.held
    conn = engine.connect()  # a connection invalidated in the middle of a transaction
    conn.execute(text("SELECT 1"))
    conn.invalidate()
    conn.close()
    assert not lock.held
    with engine.connect():  # nothing executed: no transaction, no lock
        assert not lock.held


def test_writers_of_one_process_take_turns_without_waiting_on_sqlite(engine: Engine) -> None:
    # Four threads writing at once, as a worker's parallel district activities do. With
    # SQLite's busy timeout at 0 a writer that had to wait in SQLite would fail with
    # "database is locked"; here each waits its turn in the process instead.
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (n INTEGER)")
    inside = most = 0
    guard = threading.Lock()
    errors: list[BaseException] = []

    def write(n: int) -> None:
        nonlocal inside, most
        try:
            for i in range(25):
                with engine.begin() as conn:
                    with guard:
                        inside += 1
                        most = max(most, inside)
                    conn.exec_driver_sql("INSERT INTO scratch (n) VALUES (?)", (n * 100 + i,))
                    time.sleep(0.001)
                    with guard:
                        inside -= 1
        except BaseException as exc:
            errors.append(exc)

    engine.dispose()  # new connections, each without SQLite's busy wait

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert [str(e) for e in errors] == []
    assert most == 1
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM scratch").scalar_one() == 100


def test_without_the_lock_the_same_writers_collide(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test above would pass on SQLite's own lock if the busy wait were on: this
    # shows it is off there, so it is the process's lock that lets every write through.
    monkeypatch.setattr(writelock.WriterLock, "begin", lambda _self, _c, start: start())
    with pytest.raises(AssertionError, match="database is locked"):
        test_writers_of_one_process_take_turns_without_waiting_on_sqlite(engine)
