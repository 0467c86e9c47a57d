"""Distribute (发放) in the store: one issue per (campaign, person, item), ever.

The idempotency key is the fact itself, ``<campaign>:<person>:<item>:issued``, and the
deliveries table's primary key is (campaign, person, item): a retried batch, a
restarted worker or a repeated phase finds the issue already there and adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Engine, Select, Text, cast, select

from warmth.domain.entitlements import Entitlement, entitlements
from warmth.domain.events import EventType, household_stream
from warmth.domain.plan import AidItem
from warmth.store import ledger
from warmth.store.jsontext import decoded
from warmth.store.ledger import BatchFact
from warmth.store.schema import deliveries, households, objections
from warmth.store.sql import fetch_all, insert_values, paused_gc


def to_fen(amount: Any) -> int:
    return int((amount * 100).to_integral_value())


DELIVERY_COLUMNS = (
    "campaign_id",
    "person_key",
    "item",
    "kind",
    "fund_source",
    "amount_fen",
    "quantity",
    "district",
    "community",
    "status",
    "issued_at",
)


class _Issue(NamedTuple):
    """One item owed to anyone with given categories in one community."""

    item: str
    payload: dict[str, Any]  # the AidIssued payload, shared by everyone it applies to
    delivery: tuple[Any, ...]  # the deliveries row after (campaign_id, person_key)


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
    """Issue every entitled item to the next households; (cursor, households, done).

    Households with the same categories in the same community are owed the same
    things: entitlements are computed once per distinct set of categories and the
    payloads once per community, and everything is written in one transaction
    (:func:`warmth.store.ledger.append_facts`, then the deliveries rows of the
    events actually appended).
    """
    owed: dict[str, list[Entitlement]] = {}  # categories (JSON text) -> entitlements
    issues: dict[tuple[str, str, str], list[_Issue]] = {}
    with paused_gc(), engine.begin() as conn:
        batch = fetch_all(
            conn,
            _batch_query(campaign_id, district, after, limit),
        )
        if not batch:
            return after, 0, True
        last = str(batch[-1][0])
        held_query = select(objections.c.person_key).where(
            objections.c.campaign_id == campaign_id,
            objections.c.person_key <= last,
            objections.c.status.in_(("pending", "upheld")),
        )
        if after is not None:
            held_query = held_query.where(objections.c.person_key > after)
        held = {str(k) for (k,) in fetch_all(conn, held_query)}
        facts: list[BatchFact] = []
        rows: list[tuple[Any, ...]] = []
        for person_key, h_district, community, categories in batch:
            key = str(person_key)
            if key in held:
                continue  # an objection holds it (异议待核), or removed it
            place = (categories, h_district, community)
            found = issues.get(place)
            if found is None:
                ents = owed.get(categories)
                if ents is None:
                    ents = owed[categories] = entitlements(_categories(categories), items)
                found = issues[place] = [_issue(e, h_district, community, at) for e in ents]
            stream = household_stream(campaign_id, key)
            for i in found:
                facts.append(BatchFact(stream, f"{campaign_id}:{key}:{i.item}:issued", i.payload))
                rows.append((campaign_id, key, *i.delivery))
        appended = ledger.append_batch(conn, campaign_id, EventType.AID_ISSUED, actor, at, facts)
        insert_values(
            conn,
            deliveries,
            DELIVERY_COLUMNS,
            [r for r, f in zip(rows, facts, strict=True) if f.idempotency_key in appended],
            ignore_existing=True,
            repeated=("issued_at",),
        )
        return last, len(batch), len(batch) < limit


def _batch_query(
    campaign_id: str, district: str, after: str | None, limit: int
) -> Select[tuple[Any, ...]]:
    """The next ``limit`` households of a district after ``after`` (as in ``district_batch``)."""
    query = (
        select(
            households.c.person_key,
            households.c.district,
            households.c.community,
            cast(households.c.categories, Text),
        )
        .where(households.c.campaign_id == campaign_id, households.c.district == district)
        .order_by(households.c.person_key)
        .limit(limit)
    )
    if after is not None:
        query = query.where(households.c.person_key > after)
    return query


def _categories(text: Any) -> list[str]:
    """The categories column, read as text (a driver may have decoded it already)."""
    value: list[str] = decoded(text)
    return value


def _issue(e: Entitlement, district: str, community: str, at: datetime) -> _Issue:
    fen = to_fen(e.amount)
    payload = {
        "item": e.item,
        "kind": e.kind,
        "fund_source": e.fund_source,
        "amount_fen": fen,
        "quantity": e.quantity,
        "category": e.category,
        "district": district,
        "community": community,
    }
    delivery = (e.item, e.kind, e.fund_source, fen, e.quantity, district, community, "issued", at)
    return _Issue(e.item, payload, delivery)
