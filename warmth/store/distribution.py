"""Distribute (发放) in the store: one issue per (campaign, person, item), ever.

The idempotency key is the fact itself, ``<campaign>:<person>:<item>:issued``, and the
deliveries table's primary key is (campaign, person, item): a retried batch, a
restarted worker or a repeated phase finds the issue already there and adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from warmth.domain.entitlements import entitlements
from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.domain.plan import AidItem
from warmth.store import ledger
from warmth.store.households import district_batch
from warmth.store.schema import deliveries, objections
from warmth.store.sql import insert_ignore


def to_fen(amount: Any) -> int:
    return int((amount * 100).to_integral_value())


def issue_batch(
    engine: Engine,
    campaign_id: str,
    items: Sequence[AidItem],
    district: str,
    after: str | None,
    limit: int,
    actor: str,
    at: datetime,
) -> tuple[str | None, int, bool]:
    """Issue every entitled item to the next households; (cursor, households, done)."""
    with engine.begin() as conn:
        batch = district_batch(conn, campaign_id, district, after, limit)
        if not batch:
            return after, 0, True
        held = {
            str(k)
            for (k,) in conn.execute(
                select(objections.c.person_key).where(
                    objections.c.campaign_id == campaign_id,
                    objections.c.person_key.in_([h.person_key for h in batch]),
                    objections.c.status.in_(("pending", "upheld")),
                )
            )
        }
        events: list[LedgerEvent] = []
        rows: list[dict[str, Any]] = []
        for h in batch:
            key = str(h.person_key)
            if key in held:
                continue  # an objection holds it (异议待核), or removed it
            for e in entitlements(h.categories, items):
                fen = to_fen(e.amount)
                events.append(
                    LedgerEvent(
                        campaign_id=campaign_id,
                        stream=household_stream(campaign_id, key),
                        type=EventType.AID_ISSUED,
                        payload={
                            "item": e.item,
                            "kind": e.kind,
                            "fund_source": e.fund_source,
                            "amount_fen": fen,
                            "quantity": e.quantity,
                            "category": e.category,
                            "district": h.district,
                            "community": h.community,
                        },
                        actor=actor,
                        at=at,
                        idempotency_key=f"{campaign_id}:{key}:{e.item}:issued",
                    )
                )
                rows.append(
                    {
                        "campaign_id": campaign_id,
                        "person_key": key,
                        "item": e.item,
                        "kind": e.kind,
                        "fund_source": e.fund_source,
                        "amount_fen": fen,
                        "quantity": e.quantity,
                        "district": h.district,
                        "community": h.community,
                        "status": "issued",
                        "issued_at": at,
                    }
                )
        appended = {e.idempotency_key for e in ledger.append(conn, events)}
        insert_ignore(
            conn,
            deliveries,
            [r for r, e in zip(rows, events, strict=True) if e.idempotency_key in appended],
        )
        return str(batch[-1].person_key), len(batch), len(batch) < limit
