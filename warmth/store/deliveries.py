"""Deliveries (发放记录) in the store: confirming an issue, and what is still outstanding.

An issue (``AidIssued``, see :mod:`warmth.store.distribution`) is confirmed once
(签收 for in-kind items, 到账 for cash): a ``DeliveryConfirmed`` ledger event keyed by
the fact, ``<campaign>:<person>:<item>:confirmed``, appended in the same transaction
that marks the deliveries row confirmed with when, by whom and the proof (凭证). A
repeated confirmation finds the key and changes nothing.

The counts here are read from the deliveries projection (indexed by district), which
is written in the same transactions as the ledger events it reflects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Connection, Engine, Row, and_, case, func, select, update
from typing_extensions import TypedDict  # pydantic (Temporal's converter) needs it on 3.11

from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.store import ledger
from warmth.store.ledger import as_utc
from warmth.store.schema import deliveries, households

Kind = Literal["cash", "in_kind"]


def issued_key(campaign_id: str, person_key: str, item: str) -> str:
    """The idempotency key of the issue of ``item`` to a person."""
    return f"{campaign_id}:{person_key}:{item}:issued"


def confirmed_key(campaign_id: str, person_key: str, item: str) -> str:
    """The idempotency key of its confirmation."""
    return f"{campaign_id}:{person_key}:{item}:confirmed"


@dataclass(frozen=True)
class Confirmation:
    """The state of one delivery after a confirmation attempt."""

    person_key: str
    item: str
    kind: str
    district: str
    community: str
    recorded: bool  # False: it was confirmed before, nothing new was written
    confirmed_at: datetime
    confirmed_by: str
    proof: str


def person_by_id_number(conn: Connection, campaign_id: str, id_number: str) -> str | None:
    """The person key of the campaign's household with this (canonical) ID number."""
    row = conn.execute(
        select(households.c.person_key).where(
            households.c.campaign_id == campaign_id, households.c.id_number == id_number
        )
    ).first()
    return None if row is None else str(row[0])


def delivery(conn: Connection, campaign_id: str, person_key: str, item: str) -> Row[Any] | None:
    """The deliveries row of (campaign, person, item), with the household's street."""
    return conn.execute(
        select(deliveries, households.c.street)
        .select_from(
            deliveries.outerjoin(
                households,
                and_(
                    households.c.campaign_id == deliveries.c.campaign_id,
                    households.c.person_key == deliveries.c.person_key,
                ),
            )
        )
        .where(
            deliveries.c.campaign_id == campaign_id,
            deliveries.c.person_key == person_key,
            deliveries.c.item == item,
        )
    ).first()


def confirm(
    conn: Connection,
    campaign_id: str,
    row: Row[Any],
    *,
    by: str,
    proof: str,
    at: datetime,
    signed_by: str | None = None,
    source: str = "manual",
) -> Confirmation:
    """Confirm an issued delivery (``row`` from :func:`delivery`) in the caller's transaction.

    The ledger event and the projection update land together; if the confirmation
    is in the ledger already, nothing is written and the recorded one is returned.
    """
    key = str(row.person_key)
    payload: dict[str, Any] = {
        "item": row.item,
        "kind": row.kind,
        "fund_source": row.fund_source,
        "amount_fen": int(row.amount_fen),
        "quantity": int(row.quantity),
        "district": row.district,
        "community": row.community,
        "proof": proof,
        "source": source,
    }
    if signed_by:
        payload["signed_by"] = signed_by
    appended = ledger.append(
        conn,
        [
            LedgerEvent(
                campaign_id=campaign_id,
                stream=household_stream(campaign_id, key),
                type=EventType.DELIVERY_CONFIRMED,
                payload=payload,
                actor=by,
                at=at,
                idempotency_key=confirmed_key(campaign_id, key, str(row.item)),
            )
        ],
    )
    if appended:
        conn.execute(
            update(deliveries)
            .where(
                deliveries.c.campaign_id == campaign_id,
                deliveries.c.person_key == key,
                deliveries.c.item == row.item,
            )
            .values(status="confirmed", confirmed_at=at, confirmed_by=by, proof=proof)
        )
        return _confirmation(row, True, at, by, proof)
    if row.status == "confirmed" and row.confirmed_at is not None:
        return _confirmation(
            row, False, as_utc(row.confirmed_at), str(row.confirmed_by), str(row.proof or "")
        )
    # The ledger has the fact but the row was read before it was written: read it back.
    fresh = delivery(conn, campaign_id, key, str(row.item))
    if fresh is None or fresh.confirmed_at is None:
        raise RuntimeError(f"the ledger confirms {key}:{row.item} but its deliveries row does not")
    return _confirmation(
        fresh, False, as_utc(fresh.confirmed_at), str(fresh.confirmed_by), str(fresh.proof or "")
    )


def _confirmation(row: Row[Any], recorded: bool, at: datetime, by: str, proof: str) -> Confirmation:
    return Confirmation(
        person_key=str(row.person_key),
        item=str(row.item),
        kind=str(row.kind),
        district=str(row.district),
        community=str(row.community),
        recorded=recorded,
        confirmed_at=at,
        confirmed_by=by,
        proof=proof,
    )


# ---- progress: the distribute gate and the reminders -----------------------------------------


class DeliveryStatus(TypedDict):
    """A district's deliveries: counts of (person, item) issues and money by fund source.

    ``amount_by_source`` is what was issued, in yuan (cash paid, in-kind valued at unit
    cost), the same figures as the ledger's ``AidIssued`` events; ``confirmed_amount_by_source``
    the part of it confirmed.
    """

    issued: int
    confirmed: int
    outstanding: int
    amount_by_source: dict[str, Decimal]
    confirmed_amount_by_source: dict[str, Decimal]


def delivery_status(
    engine: Engine, campaign_id: str, district: str, *, kind: Kind | None = None
) -> DeliveryStatus:
    """Issued, confirmed and outstanding deliveries of one district (optionally of one kind)."""
    confirmed = deliveries.c.status == "confirmed"
    query = (
        select(
            deliveries.c.fund_source,
            func.count(),
            func.coalesce(func.sum(case((confirmed, 1), else_=0)), 0),
            func.coalesce(func.sum(deliveries.c.amount_fen), 0),
            func.coalesce(func.sum(case((confirmed, deliveries.c.amount_fen), else_=0)), 0),
        )
        .where(deliveries.c.campaign_id == campaign_id, deliveries.c.district == district)
        .group_by(deliveries.c.fund_source)
        .order_by(deliveries.c.fund_source)
    )
    if kind is not None:
        query = query.where(deliveries.c.kind == kind)
    issued = done = 0
    amounts: dict[str, Decimal] = {}
    confirmed_amounts: dict[str, Decimal] = {}
    with engine.connect() as conn:
        for source, n, n_confirmed, fen, fen_confirmed in conn.execute(query):
            issued += int(n)
            done += int(n_confirmed)
            amounts[str(source)] = Decimal(int(fen)) / 100
            confirmed_amounts[str(source)] = Decimal(int(fen_confirmed)) / 100
    return {
        "issued": issued,
        "confirmed": done,
        "outstanding": issued - done,
        "amount_by_source": amounts,
        "confirmed_amount_by_source": confirmed_amounts,
    }


def unconfirmed_by_community(
    engine: Engine, campaign_id: str, *, kind: Kind | None = None
) -> dict[str, int]:
    """Deliveries not yet confirmed per community path (``区/街道/社区``); none left: absent."""
    query = (
        select(households.c.district, households.c.street, households.c.community, func.count())
        .select_from(
            deliveries.join(
                households,
                and_(
                    households.c.campaign_id == deliveries.c.campaign_id,
                    households.c.person_key == deliveries.c.person_key,
                ),
            )
        )
        .where(deliveries.c.campaign_id == campaign_id, deliveries.c.status != "confirmed")
        .group_by(households.c.district, households.c.street, households.c.community)
        .order_by(households.c.district, households.c.street, households.c.community)
    )
    if kind is not None:
        query = query.where(deliveries.c.kind == kind)
    with engine.connect() as conn:
        return {f"{d}/{s}/{c}": int(n) for d, s, c, n in conn.execute(query)}


# ---- what the bank files and checklists are made of ---------------------------------------------


@dataclass(frozen=True)
class IssuedCash:
    """One ``AidIssued`` cash event of the ledger, with its payee."""

    idempotency_key: str
    person_key: str
    item: str
    fund_source: str
    amount_fen: int
    district: str
    street: str
    community: str
    name: str
    id_number: str
    extra: dict[str, str]


def issued_cash(conn: Connection, campaign_id: str) -> list[IssuedCash]:
    """The campaign's cash issues as the ledger records them, each with its household."""
    prefix = f"household:{campaign_id}:"
    events = [
        e
        for e in ledger.events_of(conn, campaign_id, [EventType.AID_ISSUED])
        if e.payload.get("kind") == "cash"
    ]
    keys = list(dict.fromkeys(e.stream.removeprefix(prefix) for e in events))
    people: dict[str, Any] = {}  # person key -> household row
    for part in ledger.chunks(keys):
        for found in conn.execute(
            select(
                households.c.person_key,
                households.c.name,
                households.c.id_number,
                households.c.street,
                households.c.extra,
            ).where(households.c.campaign_id == campaign_id, households.c.person_key.in_(part))
        ):
            people[str(found.person_key)] = found
    out: list[IssuedCash] = []
    for e in events:
        key = e.stream.removeprefix(prefix)
        h = people.get(key)
        if h is None:
            raise LookupError(f"no household for the issue {e.idempotency_key}")
        p = e.payload
        out.append(
            IssuedCash(
                idempotency_key=e.idempotency_key,
                person_key=key,
                item=str(p["item"]),
                fund_source=str(p["fund_source"]),
                amount_fen=int(p["amount_fen"]),
                district=str(p["district"]),
                street=str(h.street),
                community=str(p["community"]),
                name=str(h.name),
                id_number=str(h.id_number),
                extra={str(k): str(v) for k, v in (h.extra or {}).items()},
            )
        )
    return out


def cash_totals(conn: Connection, campaign_id: str) -> dict[tuple[str, str], int]:
    """Fen of cash issued per (fund source, district), from the deliveries projection."""
    rows = conn.execute(
        select(deliveries.c.fund_source, deliveries.c.district, func.sum(deliveries.c.amount_fen))
        .where(deliveries.c.campaign_id == campaign_id, deliveries.c.kind == "cash")
        .group_by(deliveries.c.fund_source, deliveries.c.district)
    )
    return {(str(s), str(d)): int(n) for s, d, n in rows}


def in_kind_rows(conn: Connection, campaign_id: str) -> Iterator[Any]:
    """Every in-kind delivery with its household, by district, street, community, person."""
    query = (
        select(
            deliveries.c.person_key,
            deliveries.c.item,
            deliveries.c.quantity,
            deliveries.c.status,
            households.c.district,
            households.c.street,
            households.c.community,
            households.c.name,
            households.c.id_number,
            households.c.phone,
            households.c.address,
        )
        .select_from(
            deliveries.join(
                households,
                and_(
                    households.c.campaign_id == deliveries.c.campaign_id,
                    households.c.person_key == deliveries.c.person_key,
                ),
            )
        )
        .where(deliveries.c.campaign_id == campaign_id, deliveries.c.kind == "in_kind")
        .order_by(
            households.c.district,
            households.c.street,
            households.c.community,
            deliveries.c.person_key,
            deliveries.c.item,
        )
    )
    yield from conn.execute(query.execution_options(yield_per=5000))
