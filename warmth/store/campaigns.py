"""Campaign records: the plan as it was started, and who started it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Engine, select

from warmth.domain.errors import NotFound
from warmth.domain.events import EventType, LedgerEvent, campaign_stream
from warmth.domain.plan import CampaignPlan
from warmth.store import ledger
from warmth.store.ledger import as_utc
from warmth.store.schema import campaigns, households
from warmth.store.sql import insert_ignore


def create_campaign(
    engine: Engine, campaign_id: str, plan: CampaignPlan, actor: str, at: datetime
) -> bool:
    """Record a campaign; False if it exists already (a repeated start changes nothing)."""
    with engine.begin() as conn:
        appended = ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=campaign_stream(campaign_id),
                    type=EventType.CAMPAIGN_CREATED,
                    payload={"name": plan.name, "code": plan.code},
                    actor=actor,
                    at=at,
                    idempotency_key=f"{campaign_id}:created",
                )
            ],
        )
        insert_ignore(
            conn,
            campaigns,
            [
                {
                    "id": campaign_id,
                    "name": plan.name,
                    "plan": plan.model_dump(mode="json"),
                    "time_zone": plan.time_zone,
                    "created_at": at,
                    "created_by": actor,
                }
            ],
        )
    return bool(appended)


def get_plan(engine: Engine, campaign_id: str) -> CampaignPlan:
    with engine.connect() as conn:
        row = conn.execute(select(campaigns.c.plan).where(campaigns.c.id == campaign_id)).first()
    if row is None:
        raise NotFound(f"unknown campaign {campaign_id!r}")
    return CampaignPlan.model_validate(row[0])


def list_campaigns(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                campaigns.c.id, campaigns.c.name, campaigns.c.created_at, campaigns.c.created_by
            ).order_by(campaigns.c.created_at)
        ).all()
    return [
        {"id": r.id, "name": r.name, "created_at": as_utc(r.created_at), "created_by": r.created_by}
        for r in rows
    ]


def record_refusal(
    engine: Engine, campaign_id: str, actor: str, action: str, reason: str, at: datetime
) -> None:
    """A refused attempt (who tried what, and why it was refused) is itself a ledger fact."""
    ledger.record(
        engine,
        campaign_id,
        EventType.ACCESS_REFUSED,
        {"action": action, "reason": reason},
        actor,
        at,
        f"{campaign_id}:refused:{uuid.uuid4()}",  # each attempt is a fact of its own
    )


def household_district(engine: Engine, campaign_id: str, person_key: str) -> str | None:
    """The district of a registered household, or None."""
    with engine.connect() as conn:
        district = conn.execute(
            select(households.c.district).where(
                households.c.campaign_id == campaign_id, households.c.person_key == person_key
            )
        ).scalar_one_or_none()
    return None if district is None else str(district)
