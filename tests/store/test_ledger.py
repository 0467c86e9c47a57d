"""The ledger: append-only, exactly once per idempotency key, versioned per stream."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from warmth.domain.events import LedgerEvent
from warmth.store import ledger
from warmth.store.schema import metadata

AT = datetime(2026, 12, 1, tzinfo=UTC)


def event(key: str, stream: str = "household:c1:p1", type_: str = "AidIssued") -> LedgerEvent:
    return LedgerEvent(
        campaign_id="c1",
        stream=stream,
        type=type_,
        payload={"item": key},
        actor="ops",
        at=AT,
        idempotency_key=key,
    )


def test_migrations_build_exactly_the_schema_the_code_declares(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_an_event_with_a_known_key_is_not_appended_again(engine: Engine) -> None:
    with engine.begin() as conn:
        first = ledger.append(conn, [event("k1"), event("k2"), event("k1")])
    with engine.begin() as conn:
        again = ledger.append(conn, [event("k2"), event("k3")])
        stored = list(ledger.events_of(conn, "c1"))
    assert [e.idempotency_key for e in first] == ["k1", "k2"]
    assert [e.idempotency_key for e in again] == ["k3"]
    assert [e.idempotency_key for e in stored] == ["k1", "k2", "k3"]
    assert stored[0].at == AT


def test_versions_count_per_stream(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger.append(conn, [event("a", "s1"), event("b", "s2"), event("c", "s1")])
        rows = conn.execute(text("select stream, version from ledger order by position")).all()
    assert [tuple(r) for r in rows] == [("s1", 1), ("s2", 1), ("s1", 2)]


def test_the_database_refuses_to_update_or_delete_a_ledger_row(engine: Engine) -> None:
    with engine.begin() as conn:
        ledger.append(conn, [event("k1")])
    for statement in ("update ledger set actor = 'mallory'", "delete from ledger"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert [e.actor for e in ledger.events_of(conn, "c1")] == ["ops"]


def test_the_same_fact_sent_ten_times_in_parallel_is_recorded_once(engine: Engine) -> None:
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            with engine.begin() as conn:
                ledger.append(conn, [event("c1:p1:package:confirmed")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert len(list(ledger.events_of(conn, "c1"))) == 1
