"""Public notice (公示) and objections (异议) in the store.

The approved list is published per district with names and ID numbers masked.
An objection holds the named household: nothing is issued to it while pending;
upheld, it is removed from the campaign's payments; dismissed, it is released.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select, update

from warmth.domain.entitlements import entitlements
from warmth.domain.errors import NotFound
from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.domain.ids import mask_id, mask_name
from warmth.domain.plan import CampaignPlan
from warmth.roster.export import write_csv
from warmth.store import ledger
from warmth.store.distribution import to_fen
from warmth.store.schema import households, objections
from warmth.store.sql import insert_ignore

HELD = ("pending", "upheld")  # households with these objections get nothing issued


def entitlement_totals(
    engine: Engine, campaign_id: str, plan: CampaignPlan
) -> dict[str, dict[str, int]]:
    """Fen owed per fund source and district, for every household not removed by objection."""
    removed = _keys(engine, campaign_id, ("upheld",))
    totals: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(households.c.person_key, households.c.district, households.c.categories).where(
                households.c.campaign_id == campaign_id
            )
        )
        for key, district, categories in rows:
            if key in removed:
                continue
            for e in entitlements(categories, plan.items):
                by_district = totals.setdefault(e.fund_source, {})
                by_district[district] = by_district.get(district, 0) + to_fen(e.amount)
    return totals


def write_notice_files(
    engine: Engine, campaign_id: str, plan: CampaignPlan, out_dir: Path
) -> list[Path]:
    """One CSV per district: the households to be helped, masked, with what each gets."""
    out_dir.mkdir(parents=True, exist_ok=True)
    items = {i.code: i for i in plan.items}
    files: list[Path] = []
    with engine.connect() as conn:
        for district in plan.jurisdiction.district_names():
            rows = conn.execute(
                select(households)
                .where(households.c.campaign_id == campaign_id, households.c.district == district)
                .order_by(households.c.street, households.c.community, households.c.person_key)
            ).all()
            lines = []
            for h in rows:
                owed = entitlements(h.categories, plan.items)
                lines.append(
                    [
                        h.street,
                        h.community,
                        mask_name(h.name),
                        mask_id(h.id_number),
                        "、".join(h.categories),
                        "、".join(
                            f"{items[e.item].name}{e.amount if e.kind == 'cash' else e.quantity}"
                            f"{items[e.item].unit}"
                            for e in owed
                        ),
                    ]
                )
            path = out_dir / f"{campaign_id}-公示-{district}.csv"
            write_csv(path, ["街道", "社区", "姓名", "公民身份号码", "类别", "救助项目"], lines)
            files.append(path)
    return files


def lodge_objection(
    engine: Engine, campaign_id: str, person_key: str, reason: str, by: str, at: datetime
) -> str:
    """Hold a household while its objection is reviewed; its district."""
    with engine.begin() as conn:
        district = conn.execute(
            select(households.c.district).where(
                households.c.campaign_id == campaign_id, households.c.person_key == person_key
            )
        ).scalar_one_or_none()
        if district is None:
            raise NotFound("no such household in this campaign")
        insert_ignore(
            conn,
            objections,
            [
                {
                    "campaign_id": campaign_id,
                    "person_key": person_key,
                    "district": district,
                    "status": "pending",
                    "reason": reason,
                    "lodged_by": by,
                    "lodged_at": at,
                }
            ],
        )
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=household_stream(campaign_id, person_key),
                    type=EventType.OBJECTION_LODGED,
                    payload={"reason": reason},
                    actor=by,
                    at=at,
                    idempotency_key=f"{campaign_id}:{person_key}:objection",
                )
            ],
        )
        return str(district)


def resolve_objection(
    engine: Engine,
    campaign_id: str,
    person_key: str,
    uphold: bool,
    resolution: str,
    by: str,
    at: datetime,
) -> str:
    """Uphold (the household is removed) or dismiss (released); the status after."""
    status = "upheld" if uphold else "dismissed"
    with engine.begin() as conn:
        current = conn.execute(
            select(objections.c.status).where(
                objections.c.campaign_id == campaign_id, objections.c.person_key == person_key
            )
        ).scalar_one_or_none()
        if current is None:
            raise NotFound("no objection about this household")
        if current != "pending":
            return str(current)  # decided before: a repeat changes nothing
        conn.execute(
            update(objections)
            .where(objections.c.campaign_id == campaign_id, objections.c.person_key == person_key)
            .values(status=status, resolution=resolution, resolved_by=by, resolved_at=at)
        )
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=household_stream(campaign_id, person_key),
                    type=EventType.OBJECTION_UPHELD if uphold else EventType.OBJECTION_DISMISSED,
                    payload={"resolution": resolution},
                    actor=by,
                    at=at,
                    idempotency_key=f"{campaign_id}:{person_key}:objection-resolved",
                )
            ],
        )
    return status


def held_keys(engine: Engine, campaign_id: str) -> set[str]:
    """Households nothing may be issued to: objection pending or upheld."""
    return _keys(engine, campaign_id, HELD)


def _keys(engine: Engine, campaign_id: str, statuses: tuple[str, ...]) -> set[str]:
    with engine.connect() as conn:
        return {
            str(k)
            for (k,) in conn.execute(
                select(objections.c.person_key).where(
                    objections.c.campaign_id == campaign_id, objections.c.status.in_(statuses)
                )
            )
        }
