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
from typing import Any, Literal, NamedTuple

from sqlalchemy import Connection, Engine, Row, Text, and_, case, cast, func, select, update
from typing_extensions import TypedDict  # pydantic (Temporal's converter) needs it on 3.11

from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.store import ledger
from warmth.store.jsontext import decoded
from warmth.store.ledger import as_utc
from warmth.store.schema import deliveries, households
from warmth.store.schema import ledger as ledger_table
from warmth.store.sql import iter_rows

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


class IssuedCash(NamedTuple):
    """One ``AidIssued`` cash event of the ledger, with its payee (a tuple: cheap to build)."""

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
    """The campaign's cash issues as the ledger records them, each with its household.

    In ledger order. Two streamed queries read plain tuples: the campaign's households
    (a scan is cheaper than looking each one up), then its ``AidIssued`` events. An
    issue's payload names no person (the person is the end of the stream), so each
    distinct payload text is decoded once, and likewise the households' extra columns.
    """
    prefix = f"household:{campaign_id}:"
    cut = len(prefix)
    people: dict[str, tuple[Any, ...]] = {
        str(row[0]): row
        for row in iter_rows(
            conn,
            select(
                households.c.person_key,
                households.c.name,
                households.c.id_number,
                households.c.street,
                cast(households.c.extra, Text),
            ).where(households.c.campaign_id == campaign_id),
        )
    }
    query = (
        select(
            ledger_table.c.idempotency_key,
            ledger_table.c.stream,
            cast(ledger_table.c.payload, Text),
        )
        .where(
            ledger_table.c.campaign_id == campaign_id,
            ledger_table.c.type == EventType.AID_ISSUED,
        )
        .order_by(ledger_table.c.position)
    )
    payloads: dict[Any, tuple[str, str, int, str, str] | None] = {}  # text -> cash facts
    extras: dict[Any, dict[str, str]] = {}  # extra text -> decoded, as strings
    out: list[IssuedCash] = []
    for key, stream, raw in iter_rows(conn, query):
        if raw in payloads:
            facts = payloads[raw]
        else:
            p = decoded(raw)
            facts = (
                (
                    str(p["item"]),
                    str(p["fund_source"]),
                    int(p["amount_fen"]),
                    str(p["district"]),
                    str(p["community"]),
                )
                if p.get("kind") == "cash"
                else None
            )
            if len(payloads) < _MEMO_LIMIT:
                payloads[raw] = facts
        if facts is None:
            continue
        person = stream[cut:] if stream.startswith(prefix) else stream
        h = people.get(person)
        if h is None:
            raise LookupError(f"no household for the issue {key}")
        x = extras.get(h[4])
        if x is None:
            x = {str(k): str(v) for k, v in (decoded(h[4]) or {}).items()}
            if len(extras) < _MEMO_LIMIT:
                extras[h[4]] = x
        item, fund_source, amount_fen, district, community = facts
        out.append(
            IssuedCash(
                idempotency_key=key,
                person_key=person,
                item=item,
                fund_source=fund_source,
                amount_fen=amount_fen,
                district=district,
                street=str(h[3]),
                community=community,
                name=str(h[1]),
                id_number=str(h[2]),
                extra=x,
            )
        )
    return out


_MEMO_LIMIT = 100_000


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
