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

from warmth.domain.events import LedgerEvent, campaign_stream
from warmth.store.schema import ledger
from warmth.store.sql import insert_values, rows_in

_CHUNK = 500  # bound the size of IN (...) lists
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def existing_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """The subset of ``keys`` already in the ledger."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    if conn.dialect.name == "sqlite":
        found.update(r[0] for r in rows_in(conn, _KEYS_IN, wanted))
        return found
    for part in chunks(wanted):
        rows = conn.execute(
            select(ledger.c.idempotency_key).where(ledger.c.idempotency_key.in_(part))
        )
        found.update(r[0] for r in rows)
    return found


def stream_versions(conn: Connection, streams: Sequence[str]) -> dict[str, int]:
    """The last version of each stream of ``streams`` that has events."""
    if conn.dialect.name == "sqlite":
        return {r[0]: int(r[1]) for r in rows_in(conn, _VERSIONS_IN, streams)}
    versions: dict[str, int] = {}
    for part in chunks(streams):
        rows = conn.execute(
            select(ledger.c.stream, func.max(ledger.c.version))
            .where(ledger.c.stream.in_(part))
            .group_by(ledger.c.stream)
        )
        versions.update((r[0], int(r[1])) for r in rows)
    return versions


# On SQLite the bulk lookups go to the driver (see :func:`warmth.store.sql.rows_in`).
_KEYS_IN = "SELECT idempotency_key FROM ledger WHERE idempotency_key IN ({})"
_VERSIONS_IN = "SELECT stream, max(version) FROM ledger WHERE stream IN ({}) GROUP BY stream"


Fact = tuple[str, str, str, dict[str, Any], str, datetime, str]
"""A ledger event as plain values, for bulk appends: ``(campaign_id, stream, type,
payload, actor, at, idempotency_key)`` — the fields of a :class:`LedgerEvent`."""

_COLUMNS = ("campaign_id", "stream", "version", "type", "payload", "actor", "at", "idempotency_key")


def append(conn: Connection, events: Sequence[LedgerEvent]) -> list[LedgerEvent]:
    """Append the events whose keys are new; return those appended, in order."""
    fresh = append_facts(
        conn,
        [
            (e.campaign_id, e.stream, e.type, e.payload, e.actor, e.at, e.idempotency_key)
            for e in events
        ],
    )
    return [events[i] for i in fresh]


def append_facts(
    conn: Connection, facts: Sequence[Fact], *, repeated: Sequence[str] = ("at",)
) -> list[int]:
    """:func:`append` for events given as plain :data:`Fact` tuples (bulk work).

    Appends the facts whose keys are new, in order, and returns their indexes in
    ``facts``. Rows are written in one multi-row insert (see
    :func:`~warmth.store.sql.insert_values`).
    """
    seen = existing_keys(conn, (f[6] for f in facts))
    fresh: list[int] = []
    for i, f in enumerate(facts):
        if f[6] not in seen:
            seen.add(f[6])
            fresh.append(i)
    if not fresh:
        return []
    versions = stream_versions(conn, list(dict.fromkeys(facts[i][1] for i in fresh)))
    records: list[tuple[Any, ...]] = []
    for i in fresh:
        campaign_id, stream, type_, payload, actor, at, key = facts[i]
        version = versions.get(stream, 0) + 1
        versions[stream] = version
        records.append((campaign_id, stream, version, type_, payload, actor, at, key))
    insert_values(conn, ledger, _COLUMNS, records, repeated=repeated)
    return fresh


class BatchFact(NamedTuple):
    """One event of a batch for :func:`append_batch`: its stream, key and payload."""

    stream: str
    idempotency_key: str
    payload: dict[str, Any]


def append_batch(
    conn: Connection,
    campaign_id: str,
    type_: str,
    actor: str,
    at: datetime,
    facts: Sequence[BatchFact],
) -> set[str]:
    """:func:`append_facts` for many events of one type, actor and time; the keys appended.

    A payload object shared by several facts (one per category set and place in the
    distribution) is serialised once.
    """
    fresh = append_facts(
        conn,
        [(campaign_id, f.stream, type_, f.payload, actor, at, f.idempotency_key) for f in facts],
        repeated=("at", "payload"),
    )
    return {facts[i].idempotency_key for i in fresh}


def event_by_key(engine: Engine, idempotency_key: str) -> LedgerEvent | None:
    """The event recorded under ``idempotency_key``, if any."""
    with engine.connect() as conn:
        row = conn.execute(
            select(ledger).where(ledger.c.idempotency_key == idempotency_key)
        ).first()
    return None if row is None else _event(row)


def events_of(
    conn: Connection, campaign_id: str, types: Sequence[str] | None = None
) -> Iterator[LedgerEvent]:
    """The campaign's events in ledger order, optionally of some types only."""
    query = select(ledger).where(ledger.c.campaign_id == campaign_id).order_by(ledger.c.position)
    if types is not None:
        query = query.where(ledger.c.type.in_(list(types)))
    for row in conn.execute(query.execution_options(yield_per=5000)):
        yield _event(row)


def _event(row: Any) -> LedgerEvent:
    return LedgerEvent(
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
                        stream=campaign_stream(campaign_id),
                        type=type_,
                        payload=payload,
                        actor=actor,
                        at=at,
                        idempotency_key=idempotency_key,
                    )
                ],
            )
        )
