"""Follow-up (回访) in the store: the callback sample, drawn once per campaign."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select

from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.domain.sampling import draw_sample
from warmth.store import ledger
from warmth.store.schema import callbacks, households
from warmth.store.sql import insert_ignore


def draw_district_callbacks(
    engine: Engine,
    campaign_id: str,
    district: str,
    rate: float,
    minimum: int,
    actor: str,
    at: datetime,
) -> int:
    """Draw the district's callback sample per community; returns the sample's size."""
    with engine.begin() as conn:
        population = conn.execute(
            select(households.c.person_key, households.c.street, households.c.community).where(
                households.c.campaign_id == campaign_id, households.c.district == district
            )
        ).all()
        where = {str(r.person_key): (str(r.street), str(r.community)) for r in population}
        drawn = draw_sample(
            campaign_id, ((k, f"{s}/{c}") for k, (s, c) in where.items()), rate, minimum
        )
        events = [
            LedgerEvent(
                campaign_id=campaign_id,
                stream=household_stream(campaign_id, key),
                type=EventType.CALLBACK_DRAWN,
                payload={"district": district, "community": where[key][1]},
                actor=actor,
                at=at,
                idempotency_key=f"{campaign_id}:{key}:callback-drawn",
            )
            for key in drawn
        ]
        ledger.append(conn, events)
        insert_ignore(
            conn,
            callbacks,
            [
                {
                    "campaign_id": campaign_id,
                    "person_key": key,
                    "district": district,
                    "community": where[key][1],
                    "status": "drawn",
                    "drawn_at": at,
                }
                for key in drawn
            ],
        )
        return int(
            conn.execute(
                select(func.count()).where(
                    callbacks.c.campaign_id == campaign_id, callbacks.c.district == district
                )
            ).scalar_one()
        )
