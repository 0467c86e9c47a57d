"""Reading households district by district, in person-key order (keyset batches)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Row, select

from warmth.store.schema import households


def district_batch(
    conn: Connection, campaign_id: str, district: str, after: str | None, limit: int
) -> Sequence[Row[tuple[object, ...]]]:
    """The next ``limit`` households of a district after person key ``after``."""
    query = (
        select(households)
        .where(households.c.campaign_id == campaign_id, households.c.district == district)
        .order_by(households.c.person_key)
        .limit(limit)
    )
    if after is not None:
        query = query.where(households.c.person_key > after)
    return conn.execute(query).all()
