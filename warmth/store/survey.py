"""Survey (排摸) in the store: registering households from staged roster rows.

Rows are staged by ``warmth.intake`` per import (keyed by the file's content hash
and row). Registration reads the rows of accepted imports only and folds them into one
household per person key, district by district in batches: the first report
registers the person, later reports by another unit or with another category are
merged into the record (一人一档) and each merge is a ledger event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Text, cast, func, select, tuple_, update

from warmth.domain.events import EventType, household_stream
from warmth.store import ledger
from warmth.store.jsontext import decoded
from warmth.store.schema import households, roster_imports, roster_staging
from warmth.store.sql import fetch_all, insert_values, paused_gc, rows_in

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
) -> tuple[str | None, int, bool]:
    """Fold the next ``limit`` staged rows of a district into households.

    Returns the cursor after the batch, how many distinct households the batch's
    rows belong to (read back from the store), and whether the district is done.
    """
    with paused_gc(), engine.begin() as conn:
        query = (
            select(
                roster_staging.c.person_key,
                roster_staging.c.import_id,
                roster_staging.c.row,
                cast(roster_staging.c.record, Text),
            )
            .join(roster_imports, same_import)
            .where(roster_staging.c.campaign_id == campaign_id)
            .where(roster_staging.c.district == district)
            .where(roster_imports.c.status == "accepted")
            .order_by(roster_staging.c.person_key, roster_staging.c.import_id, roster_staging.c.row)
            .limit(limit)
        )
        if after is not None:
            query = query.where(
                tuple_(
                    roster_staging.c.person_key, roster_staging.c.import_id, roster_staging.c.row
                )
                > tuple_(*decode_cursor(after))
            )
        staged = fetch_all(conn, query)
        if not staged:
            return after, 0, True
        keys = list(dict.fromkeys(str(r[0]) for r in staged))
        current = _registered(conn, campaign_id, keys)
        new_rows: dict[str, dict[str, Any]] = {}
        changed: set[str] = set()
        events: list[ledger.Fact] = []
        registered, merged = EventType.HOUSEHOLD_REGISTERED, EventType.HOUSEHOLD_MERGED
        for key, import_id, row, text in staged:
            record = decoded(text)
            source = {
                "unit": record.get("reporting_unit") or "",
                "categories": list(record["categories"]),
                "import_id": import_id,
                "row": row,
            }
            stream = household_stream(campaign_id, key)
            existing = current.get(key)
            if existing is None:
                household = _household_row(campaign_id, key, record, source, at)
                current[key] = new_rows[key] = household
                payload = {
                    "district": household["district"],
                    "street": household["street"],
                    "community": household["community"],
                    "categories": household["categories"],
                    "source": source,
                }
                events.append(
                    (
                        campaign_id,
                        stream,
                        registered,
                        payload,
                        actor,
                        at,
                        f"{campaign_id}:{key}:registered",
                    )
                )
                continue
            added = [c for c in source["categories"] if c not in existing["categories"]]
            units = {src["unit"] for src in existing["sources"]}
            if not added and source["unit"] in units:
                continue  # reported again with nothing new: nothing changes
            existing["categories"] = [*existing["categories"], *added]
            existing["sources"] = [*existing["sources"], source]
            if key not in new_rows:
                changed.add(key)
            events.append(
                (
                    campaign_id,
                    stream,
                    merged,
                    {"added_categories": added, "source": source},
                    actor,
                    at,
                    f"{campaign_id}:{key}:merged:{import_id}:{row}",
                )
            )
        ledger.append_facts(conn, events)
        if new_rows:
            insert_values(
                conn,
                households,
                _HOUSEHOLD_COLUMNS,
                [tuple(h.values()) for h in new_rows.values()],
                repeated=("categories", "hazards", "extra", "registered_at"),
            )
        for key in changed:
            conn.execute(
                update(households)
                .where(households.c.campaign_id == campaign_id, households.c.person_key == key)
                .values(categories=current[key]["categories"], sources=current[key]["sources"])
            )
        last = staged[-1]
        cursor = encode_cursor(str(last[0]), str(last[1]), int(last[2]))
        return cursor, len(keys), len(staged) < limit


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
