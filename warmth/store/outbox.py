"""The notification outbox: one row per idempotency key, so a message goes out once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select, update

from warmth.contracts import Notification
from warmth.store.schema import outbox
from warmth.store.sql import insert_ignore


def claim(engine: Engine, n: Notification, channel: str, at: datetime) -> bool:
    """Record the notification; False when the same key has been sent already."""
    with engine.begin() as conn:
        insert_ignore(
            conn,
            outbox,
            [
                {
                    "idempotency_key": n.idempotency_key,
                    "campaign_id": n.campaign_id,
                    "kind": n.kind,
                    "recipients": list(n.recipients),
                    "data": dict(n.data),
                    "channel": channel,
                    "state": "pending",
                    "attempts": 0,
                    "created_at": at,
                }
            ],
        )
        state: str = conn.execute(
            select(outbox.c.state).where(outbox.c.idempotency_key == n.idempotency_key)
        ).scalar_one()
        conn.execute(
            update(outbox)
            .where(outbox.c.idempotency_key == n.idempotency_key)
            .values(attempts=outbox.c.attempts + 1)
        )
    return state != "sent"


def finish(engine: Engine, key: str, at: datetime, error: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.idempotency_key == key)
            .values(state="failed" if error else "sent", sent_at=None if error else at, error=error)
        )


def sent_messages(engine: Engine, campaign_id: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox)
            .where(outbox.c.campaign_id == campaign_id)
            .order_by(outbox.c.created_at, outbox.c.idempotency_key)
        )
        return [dict(r._mapping) for r in rows]
