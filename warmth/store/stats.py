"""Statistics (统计): the summary from the ledger alone, progress counts from projections.

The summary folds ledger events, never activity results or projections, so an
auditor can recompute it from the ledger and get the same figures.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import Engine, func, select

from warmth.contracts import Counts, SummaryTotals
from warmth.domain.events import EventType
from warmth.store.deliveries import delivery_status
from warmth.store.ledger import events_of
from warmth.store.schema import callbacks, deliveries, households
from warmth.store.staff import cadre_counts

_TYPES = (
    EventType.ROSTER_CHECKED,
    EventType.HOUSEHOLD_REGISTERED,
    EventType.HOUSEHOLD_MERGED,
    EventType.AID_ISSUED,
    EventType.CALLBACK_DRAWN,
)


def summarize(engine: Engine, campaign_id: str) -> SummaryTotals:
    district_of: dict[str, str] = {}
    categories_of: dict[str, list[str]] = {}
    by_item: Counter[str] = Counter()
    fen_by_source: Counter[str] = Counter()
    deliveries_n = callbacks_n = rejected = merged = 0
    with engine.connect() as conn:
        for e in events_of(conn, campaign_id, _TYPES):
            p = e.payload
            if e.type == EventType.HOUSEHOLD_REGISTERED:
                district_of[e.stream] = p["district"]
                categories_of[e.stream] = list(p["categories"])
            elif e.type == EventType.HOUSEHOLD_MERGED:
                merged += 1
                categories_of.setdefault(e.stream, []).extend(p["added_categories"])
            elif e.type == EventType.AID_ISSUED:
                deliveries_n += 1
                by_item[p["item"]] += 1
                fen_by_source[p["fund_source"]] += int(p["amount_fen"])
            elif e.type == EventType.CALLBACK_DRAWN:
                callbacks_n += 1
            elif e.type == EventType.ROSTER_CHECKED:
                rejected += int(p.get("rejected_rows", 0))
    by_category: Counter[str] = Counter(c for cats in categories_of.values() for c in set(cats))
    return SummaryTotals(
        households=len(district_of),
        by_category=dict(sorted(by_category.items())),
        by_district=dict(sorted(Counter(district_of.values()).items())),
        deliveries=deliveries_n,
        deliveries_by_item=dict(sorted(by_item.items())),
        amounts_by_source={k: Decimal(v) / 100 for k, v in sorted(fen_by_source.items())},
        callbacks=callbacks_n,
        rejected_rows=rejected,
        merged_records=merged,
    )


def district_counts(engine: Engine, campaign_id: str, district: str) -> Counts:
    """Progress counters of one district, read from the projections."""
    with engine.connect() as conn:
        hh = conn.execute(
            select(func.count(), func.count(households.c.responsible_unit)).where(
                households.c.campaign_id == campaign_id, households.c.district == district
            )
        ).one()
        dl = conn.execute(
            select(func.count(), func.coalesce(func.sum(deliveries.c.amount_fen), 0)).where(
                deliveries.c.campaign_id == campaign_id, deliveries.c.district == district
            )
        ).one()
        cb = conn.execute(
            select(func.count()).where(
                callbacks.c.campaign_id == campaign_id, callbacks.c.district == district
            )
        ).scalar_one()
    status = delivery_status(engine, campaign_id, district)
    cadres = cadre_counts(engine, campaign_id, district)
    return {
        "households": int(hh[0]),
        "assigned": int(hh[1]),
        "cadres": cadres["cadres"],
        "without_cadre": cadres["without_cadre"],
        "deliveries": int(dl[0]),
        "confirmed": status["confirmed"],
        "outstanding": status["outstanding"],
        "amount_yuan": int(dl[1]) // 100,
        "callbacks": int(cb),
    }
