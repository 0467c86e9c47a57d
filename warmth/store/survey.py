"""Survey (排摸) in the store: registering households from staged roster rows.

Rows are staged by ``warmth.intake`` per import (keyed by the file's content hash
and row). Registration reads the rows of accepted imports only and folds them into one
household per person key, district by district in batches: the first report
registers the person, later reports by another unit or with another category are
merged into the record (一人一档) and each merge is a ledger event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, Text, cast, func, select, tuple_, update

from warmth.domain.events import EventType, household_stream
from warmth.store import ledger
from warmth.store.jsontext import decoded
from warmth.store.schema import households, roster_imports, roster_staging
from warmth.store.sql import (
    bind_processor,
    driver_connection,
    fetch_all,
    insert_values,
    paused_gc,
    rows_in,
)

same_import = (roster_imports.c.campaign_id == roster_staging.c.campaign_id) & (
    roster_imports.c.import_id == roster_staging.c.import_id
)
"""Join condition of a staged row and its import (whose status decides if it counts)."""


def staged_by_district(engine: Engine, campaign_id: str) -> dict[str, int]:
    """Rows of accepted imports per district."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(roster_staging.c.district, func.count())
            .join(roster_imports, same_import)
            .where(roster_staging.c.campaign_id == campaign_id)
            .where(roster_imports.c.status == "accepted")
            .group_by(roster_staging.c.district)
        )
        return {r[0]: int(r[1]) for r in rows}


def encode_cursor(person_key: str, import_id: str, row: int) -> str:
    return f"{person_key}|{import_id}|{row}"


def decode_cursor(cursor: str) -> tuple[str, str, int]:
    key, import_id, row = cursor.split("|")
    return key, import_id, int(row)


def register_batch(
    engine: Engine,
    campaign_id: str,
    district: str,
    after: str | None,
    limit: int,
    actor: str,
    at: datetime,
    *,
    set_based: bool | None = None,
) -> tuple[str | None, int, bool]:
    """Fold the next ``limit`` staged rows of a district into households.

    Returns the cursor after the batch, how many distinct households the batch's
    rows belong to (read back from the store), and whether the district is done.

    ``set_based`` (default: on SQLite) copies each person reported once in the batch
    and not yet registered — nearly everyone — from the staged row to the household
    and its ``HouseholdRegistered`` event inside the database (``INSERT … SELECT``
    with SQLite's JSON functions) instead of through Python; the rest (merges,
    people reported twice in the batch) go the row-by-row way on every database.
    Both give the same households and events (a test compares them); within a batch the
    ledger then holds the folded events before the copied registrations (each stream's
    own order is kept, and no reader depends on the order across streams).
    """
    with paused_gc(), engine.begin() as conn:
        if set_based is None:
            set_based = conn.dialect.name == "sqlite"
        elif set_based and conn.dialect.name != "sqlite":
            raise ValueError(f"set-based registration is SQLite's; not {conn.dialect.name}")
        columns: list[Any] = [
            roster_staging.c.person_key,
            roster_staging.c.import_id,
            roster_staging.c.row,
        ]
        if not set_based:
            columns.append(cast(roster_staging.c.record, Text))
        staged = fetch_all(conn, _batch_query(columns, campaign_id, district, after, limit))
        if not staged:
            return after, 0, True
        keys = list(dict.fromkeys(str(r[0]) for r in staged))
        current = _registered(conn, campaign_id, keys)
        if set_based:
            copied, rows = _split_copyable(conn, campaign_id, staged, current)
        else:
            copied, rows = [], staged
        fold = _Fold(campaign_id, current, actor, at)
        for key, import_id, row, text in rows:
            fold.add(str(key), str(import_id), int(row), decoded(text))
        ledger.append_facts(conn, fold.events)
        if copied:
            _copy_registrations(conn, campaign_id, copied, actor, at)
        if fold.new_rows:
            insert_values(
                conn,
                households,
                _HOUSEHOLD_COLUMNS,
                [tuple(h.values()) for h in fold.new_rows.values()],
                repeated=("categories", "hazards", "extra", "registered_at"),
            )
        for key in fold.changed:
            conn.execute(
                update(households)
                .where(households.c.campaign_id == campaign_id, households.c.person_key == key)
                .values(categories=current[key]["categories"], sources=current[key]["sources"])
            )
        last = staged[-1]
        cursor = encode_cursor(str(last[0]), str(last[1]), int(last[2]))
        return cursor, len(keys), len(staged) < limit


def _batch_query(
    columns: list[Any], campaign_id: str, district: str, after: str | None, limit: int
) -> Select[Any]:
    """The next ``limit`` staged rows of accepted imports of a district, in cursor order."""
    query = (
        select(*columns)
        .join(roster_imports, same_import)
        .where(roster_staging.c.campaign_id == campaign_id)
        .where(roster_staging.c.district == district)
        .where(roster_imports.c.status == "accepted")
        .order_by(roster_staging.c.person_key, roster_staging.c.import_id, roster_staging.c.row)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            tuple_(roster_staging.c.person_key, roster_staging.c.import_id, roster_staging.c.row)
            > tuple_(*decode_cursor(after))
        )
    return query


class _Fold:
    """Staged rows folded into households, one row at a time in cursor order.

    The first report of a person not yet registered registers them; a later one by
    another unit or with another category is merged into the record (一人一档); a
    report with nothing new changes nothing. ``current`` holds the categories and
    sources of the households registered so far and is updated as rows are folded.
    """

    def __init__(
        self, campaign_id: str, current: dict[str, dict[str, Any]], actor: str, at: datetime
    ) -> None:
        self.campaign_id, self.current, self.actor, self.at = campaign_id, current, actor, at
        self.new_rows: dict[str, dict[str, Any]] = {}
        self.changed: set[str] = set()
        self.events: list[ledger.Fact] = []

    def add(self, key: str, import_id: str, row: int, record: dict[str, Any]) -> None:
        campaign_id = self.campaign_id
        categories: list[str] = list(record["categories"])
        source = {
            "unit": record.get("reporting_unit") or "",
            "categories": categories,
            "import_id": import_id,
            "row": row,
        }
        stream = household_stream(campaign_id, key)
        existing = self.current.get(key)
        if existing is None:
            household = _household_row(campaign_id, key, record, source, self.at)
            self.current[key] = self.new_rows[key] = household
            payload = {
                "district": household["district"],
                "street": household["street"],
                "community": household["community"],
                "categories": household["categories"],
                "source": source,
            }
            self.events.append(
                (
                    campaign_id,
                    stream,
                    EventType.HOUSEHOLD_REGISTERED,
                    payload,
                    self.actor,
                    self.at,
                    _registered_key(campaign_id, key),
                )
            )
            return
        added = [c for c in categories if c not in existing["categories"]]
        units = {src["unit"] for src in existing["sources"]}
        if not added and source["unit"] in units:
            return  # reported again with nothing new: nothing changes
        existing["categories"] = [*existing["categories"], *added]
        existing["sources"] = [*existing["sources"], source]
        if key not in self.new_rows:
            self.changed.add(key)
        self.events.append(
            (
                campaign_id,
                stream,
                EventType.HOUSEHOLD_MERGED,
                {"added_categories": added, "source": source},
                self.actor,
                self.at,
                f"{campaign_id}:{key}:merged:{import_id}:{row}",
            )
        )


def _registered_key(campaign_id: str, person_key: str) -> str:
    """The idempotency key of a household's ``HouseholdRegistered`` event."""
    return f"{campaign_id}:{person_key}:registered"


def _split_copyable(
    conn: Connection,
    campaign_id: str,
    staged: list[tuple[Any, ...]],
    current: dict[str, dict[str, Any]],
) -> tuple[list[tuple[str, str, int]], list[tuple[Any, ...]]]:
    """The rows a plain copy registers, and the others with their records, in order.

    A row is copied when its person is not registered and has no other row in the
    batch: registering them needs nothing from Python. The others are read whole.
    """
    seen = Counter(r[0] for r in staged)
    copied: list[tuple[str, str, int]] = []
    wanted: list[tuple[str, str, int]] = []
    for key, import_id, row in staged:
        if key in current or seen[key] > 1:
            wanted.append((key, import_id, row))
        else:
            copied.append((key, import_id, row))
    raw = driver_connection(conn)
    rows = [
        (key, import_id, row, text)
        for key, import_id, row in wanted
        for (text,) in raw.execute(_RECORD, (campaign_id, import_id, row))
    ]
    return copied, rows


_RECORD = "SELECT record FROM roster_staging WHERE campaign_id = ? AND import_id = ? AND row = ?"

# The household, built by SQLite from the staged row, then its HouseholdRegistered
# event from the household: the same values _Fold builds (JSON text in the same key
# order; SQLite writes JSON compactly and in UTF-8, as the store's encoder does). Each
# json_extract parses the record again (a microsecond each), so the place comes from
# the staged row's own columns and the event from the household's.
_COPY_HOUSEHOLD = (
    "INSERT INTO households (campaign_id, person_key, name, id_number, phone, district,"
    " street, community, address, categories, sources, household_size, needs, hazards,"
    " note, extra, responsible_unit, registered_at)"
    " SELECT campaign_id, person_key, json_extract(record, '$.name'),"
    " json_extract(record, '$.id_number'), json_extract(record, '$.phone'),"
    " district, street, community, json_extract(record, '$.address'), categories,"
    " json_array(json_object('unit', coalesce(json_extract(record, '$.reporting_unit'), ''),"
    " 'categories', json(categories), 'import_id', import_id, 'row', row)),"
    " coalesce(nullif(json_extract(record, '$.household_size'), 0), 1),"
    " json_extract(record, '$.needs'),"
    " coalesce(json(json_extract(record, '$.hazards')), '[]'),"
    " json_extract(record, '$.note'),"
    " coalesce(json(json_extract(record, '$.extra')), '{}'),"
    " NULL, ?"
    " FROM (SELECT *, json(json_extract(record, '$.categories')) AS categories"
    " FROM roster_staging WHERE campaign_id = ? AND import_id = ? AND row = ?)"
)
_COPY_EVENT = (
    "INSERT INTO ledger (campaign_id, stream, version, type, payload, actor, at, idempotency_key)"
    " SELECT ?, ?, ?, ?, json_object('district', district, 'street', street,"
    " 'community', community, 'categories', json(categories),"
    " 'source', json(json_extract(sources, '$[0]'))), ?, ?, ?"
    " FROM households WHERE campaign_id = ? AND person_key = ?"
)


def _copy_registrations(
    conn: Connection,
    campaign_id: str,
    copied: list[tuple[str, str, int]],
    actor: str,
    at: datetime,
) -> None:
    """Register people straight from their staged rows (SQLite; see :func:`register_batch`)."""
    keys = [_registered_key(campaign_id, key) for key, _i, _r in copied]
    known = ledger.existing_keys(conn, keys)
    streams = [household_stream(campaign_id, key) for key, _i, _r in copied]
    versions = ledger.stream_versions(conn, streams)
    stamp = _stored_time(conn, at)
    registered = str(EventType.HOUSEHOLD_REGISTERED)
    raw = driver_connection(conn)
    raw.executemany(
        _COPY_HOUSEHOLD, [(stamp, campaign_id, import_id, row) for _k, import_id, row in copied]
    )
    raw.executemany(
        _COPY_EVENT,
        [
            (
                *(campaign_id, stream, versions.get(stream, 0) + 1, registered, actor, stamp, key),
                *(campaign_id, person),
            )
            for (person, _i, _r), stream, key in zip(copied, streams, keys, strict=True)
            if key not in known
        ],
    )


def _stored_time(conn: Connection, at: datetime) -> Any:
    """``at`` as the store's date-time columns hold it (their bind processor's output)."""
    process = bind_processor(conn, households.c.registered_at)
    return at if process is None else process(at)


_REGISTERED_IN = (
    "SELECT person_key, categories, sources FROM households"
    " WHERE campaign_id = ? AND person_key IN ({})"
)


def _registered(conn: Connection, campaign_id: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    """The categories and sources of the households already registered among ``keys``."""
    if conn.dialect.name == "sqlite":
        rows: Iterable[Any] = rows_in(conn, _REGISTERED_IN, keys, before=(campaign_id,))
    else:
        rows = (
            row
            for part in ledger.chunks(keys)
            for row in conn.execute(
                select(
                    households.c.person_key, households.c.categories, households.c.sources
                ).where(households.c.campaign_id == campaign_id, households.c.person_key.in_(part))
            )
        )
    return {
        str(key): {"categories": decoded(categories), "sources": decoded(sources)}
        for key, categories, sources in rows
    }


_HOUSEHOLD_COLUMNS = (
    "campaign_id",
    "person_key",
    "name",
    "id_number",
    "phone",
    "district",
    "street",
    "community",
    "address",
    "categories",
    "sources",
    "household_size",
    "needs",
    "hazards",
    "note",
    "extra",
    "responsible_unit",
    "registered_at",
)
"""The columns :func:`_household_row` fills, in its order."""


def _household_row(
    campaign_id: str, key: str, record: dict[str, Any], source: dict[str, Any], at: datetime
) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "person_key": key,
        "name": record["name"],
        "id_number": record["id_number"],
        "phone": record.get("phone"),
        "district": record["district"],
        "street": record["street"],
        "community": record["community"],
        "address": record.get("address"),
        "categories": list(record["categories"]),
        "sources": [source],
        "household_size": int(record.get("household_size") or 1),
        "needs": record.get("needs"),
        "hazards": list(record.get("hazards") or []),
        "note": record.get("note"),
        "extra": dict(record.get("extra") or {}),
        "responsible_unit": None,
        "registered_at": at,
    }
