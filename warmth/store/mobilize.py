"""Mobilize (动员部署) in the store: each household's responsible unit (责任单位)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, update

from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.store import ledger
from warmth.store.households import district_batch
from warmth.store.schema import households


def assign_batch(
    engine: Engine,
    campaign_id: str,
    district: str,
    after: str | None,
    limit: int,
    actor: str,
    at: datetime,
) -> tuple[str | None, int, bool]:
    """Make each household's community responsible for it; (cursor, assigned, done)."""
    with engine.begin() as conn:
        batch = district_batch(conn, campaign_id, district, after, limit)
        if not batch:
            return after, 0, True
        events: list[LedgerEvent] = []
        for h in batch:
            unit = f"{h.district}/{h.street}/{h.community}"
            if h.responsible_unit == unit:
                continue
            events.append(
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=household_stream(campaign_id, str(h.person_key)),
                    type=EventType.RESPONSIBILITY_ASSIGNED,
                    payload={"unit": unit, "previous": h.responsible_unit},
                    actor=actor,
                    at=at,
                    idempotency_key=f"{campaign_id}:{h.person_key}:unit:{unit}",
                )
            )
            conn.execute(
                update(households)
                .where(
                    households.c.campaign_id == campaign_id,
                    households.c.person_key == h.person_key,
                )
                .values(responsible_unit=unit)
            )
        ledger.append(conn, events)
        return str(batch[-1].person_key), len(batch), len(batch) < limit
