"""Appending to the audit ledger, exactly once per idempotency key.

``append`` runs inside the caller's transaction together with the projection
writes, so a fact and its effect land together or not at all. Keys already in the
ledger are skipped; a concurrent writer that slips in between the check and the
insert makes the unique constraint fail the transaction, and the retry skips it.
``append_facts`` does the same for a batch of events of one type (the distribute
phase's ``AidIssued``) without a model per event, on SQLite through the DB-API.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, Engine, func, select

from warmth.domain.events import LedgerEvent
from warmth.store.schema import ledger

_CHUNK = 500  # bound the size of IN (...) lists
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def existing_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """The subset of ``keys`` already in the ledger."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for part in chunks(wanted):
        rows = conn.execute(
            select(ledger.c.idempotency_key).where(ledger.c.idempotency_key.in_(part))
        )
        found.update(r[0] for r in rows)
    return found


def append(conn: Connection, events: Sequence[LedgerEvent]) -> list[LedgerEvent]:
    """Append the events whose keys are new; return those appended, in order."""
    seen = existing_keys(conn, (e.idempotency_key for e in events))
    fresh: list[LedgerEvent] = []
    for e in events:
        if e.idempotency_key not in seen:
            seen.add(e.idempotency_key)
            fresh.append(e)
    if not fresh:
        return []
    versions: dict[str, int] = {}
    streams = list(dict.fromkeys(e.stream for e in fresh))
    for part in chunks(streams):
        rows = conn.execute(
            select(ledger.c.stream, func.max(ledger.c.version))
            .where(ledger.c.stream.in_(part))
            .group_by(ledger.c.stream)
        )
        versions.update((r[0], int(r[1])) for r in rows)
    records: list[dict[str, Any]] = []
    for e in fresh:
        version = versions.get(e.stream, 0) + 1
        versions[e.stream] = version
        records.append(
            {
                "campaign_id": e.campaign_id,
                "stream": e.stream,
                "version": version,
                "type": e.type,
                "payload": e.payload,
                "actor": e.actor,
                "at": e.at,
                "idempotency_key": e.idempotency_key,
            }
        )
    conn.execute(ledger.insert(), records)
    return fresh


class Fact(NamedTuple):
    """One event of a batch for :func:`append_facts`: its stream, key and payload."""

    stream: str
    idempotency_key: str
    payload: dict[str, Any]


def dbapi(conn: Connection) -> Any:
    """The DB-API connection under ``conn`` (in the same transaction)."""
    raw = conn.connection.dbapi_connection
    assert raw is not None, "the connection is closed"
    return raw


def append_facts(
    conn: Connection,
    campaign_id: str,
    type_: str,
    actor: str,
    at: datetime,
    facts: Sequence[Fact],
) -> set[str]:
    """:func:`append` for many events of one type, actor and time; the keys appended.

    The same rows as :func:`append` would write (same versions, same payload text),
    without a model per event. On SQLite the reads and the insert go through the
    DB-API cursor in the caller's transaction, with the values bound exactly as
    SQLAlchemy binds them (its own processors for the payload and the time); a payload
    object shared by several facts is serialised once.
    """
    if conn.dialect.name != "sqlite":
        events = [
            LedgerEvent(
                campaign_id=campaign_id,
                stream=f.stream,
                type=type_,
                payload=f.payload,
                actor=actor,
                at=at,
                idempotency_key=f.idempotency_key,
            )
            for f in facts
        ]
        return {e.idempotency_key for e in append(conn, events)}
    cursor = dbapi(conn).cursor()
    try:
        seen: set[str] = set()
        keys = list(dict.fromkeys(f.idempotency_key for f in facts))
        for part in chunks(keys):
            cursor.execute(
                "SELECT idempotency_key FROM ledger WHERE idempotency_key IN"
                f" ({','.join('?' * len(part))})",
                part,
            )
            seen.update(r[0] for r in cursor.fetchall())
        fresh: list[Fact] = []
        for f in facts:
            if f.idempotency_key not in seen:
                seen.add(f.idempotency_key)
                fresh.append(f)
        if not fresh:
            return set()
        versions: dict[str, int] = {}
        streams = list(dict.fromkeys(f.stream for f in fresh))
        for part in chunks(streams):
            cursor.execute(
                "SELECT stream, max(version) FROM ledger WHERE stream IN"
                f" ({','.join('?' * len(part))}) GROUP BY stream",
                part,
            )
            versions.update((r[0], int(r[1])) for r in cursor.fetchall())
        to_json = ledger.c.payload.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        to_time = ledger.c.at.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        when = to_time(at) if to_time else at
        texts: dict[int, Any] = {}  # id(payload) -> its bound text; the facts keep them alive
        records: list[tuple[Any, ...]] = []
        for f in fresh:
            version = versions.get(f.stream, 0) + 1
            versions[f.stream] = version
            text = texts.get(id(f.payload))
            if text is None:
                text = texts[id(f.payload)] = to_json(f.payload) if to_json else f.payload
            records.append(
                (campaign_id, f.stream, version, type_, text, actor, when, f.idempotency_key)
            )
        cursor.executemany(
            "INSERT INTO ledger (campaign_id, stream, version, type, payload, actor, at,"
            " idempotency_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            records,
        )
        return {f.idempotency_key for f in fresh}
    finally:
        cursor.close()


def events_of(
    conn: Connection, campaign_id: str, types: Sequence[str] | None = None
) -> Iterator[LedgerEvent]:
    """The campaign's events in ledger order, optionally of some types only."""
    query = select(ledger).where(ledger.c.campaign_id == campaign_id).order_by(ledger.c.position)
    if types is not None:
        query = query.where(ledger.c.type.in_(list(types)))
    for row in conn.execute(query.execution_options(yield_per=5000)):
        yield LedgerEvent(
            campaign_id=row.campaign_id,
            stream=row.stream,
            type=row.type,
            payload=row.payload,
            actor=row.actor,
            at=as_utc(row.at),
            idempotency_key=row.idempotency_key,
        )


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive date-times; everything in the store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def record(
    engine: Engine,
    campaign_id: str,
    type_: str,
    payload: dict[str, Any],
    actor: str,
    at: datetime,
    idempotency_key: str,
) -> bool:
    """Append one fact about the campaign as a whole, in its own transaction; new?"""
    with engine.begin() as conn:
        return bool(
            append(
                conn,
                [
                    LedgerEvent(
                        campaign_id=campaign_id,
                        stream=f"campaign:{campaign_id}",
                        type=type_,
                        payload=payload,
                        actor=actor,
                        at=at,
                        idempotency_key=idempotency_key,
                    )
                ],
            )
        )
