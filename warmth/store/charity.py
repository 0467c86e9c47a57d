"""Charity (慈善募集) in the store: pledges (认捐) and receipts (到账) against a fund source.

Each pledge and each receipt is a ledger event (``CharityPledged``, ``CharityReceived``)
on the stream ``charity:<campaign>:<pledge id>``, keyed by its id, which the caller
derives from the request: the same request recorded twice is recorded once. Amounts
are fen (分) integers. Totals are folded from the ledger, not from the projections.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, Row, func, select

from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType, LedgerEvent
from warmth.store import ledger
from warmth.store.campaigns import get_plan
from warmth.store.ledger import as_utc, events_of
from warmth.store.schema import charity_pledges, charity_receipts

CHARITY_SOURCE = "charity"
"""The code of the plan's charity fund source (社会募集) unless another is given."""


class Pledge(BaseModel):
    """A donor's pledge (认捐) and how much of it has arrived."""

    model_config = ConfigDict(frozen=True)

    pledge_id: str
    fund_source: str
    donor: str
    amount: Decimal
    received: Decimal = Decimal(0)
    note: str | None = None
    scope: str = ""
    pledged_at: datetime
    pledged_by: str


class Receipt(BaseModel):
    """Money received (到账) against a pledge, with its proof (凭证)."""

    model_config = ConfigDict(frozen=True)

    receipt_id: str
    pledge_id: str
    amount: Decimal
    proof: str | None = None
    received_at: datetime
    received_by: str


def charity_stream(campaign_id: str, pledge_id: str) -> str:
    return f"charity:{campaign_id}:{pledge_id}"


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _received_fen(conn: Connection, campaign_id: str, pledge_id: str) -> int:
    total = conn.execute(
        select(func.coalesce(func.sum(charity_receipts.c.amount_fen), 0)).where(
            charity_receipts.c.campaign_id == campaign_id,
            charity_receipts.c.pledge_id == pledge_id,
        )
    ).scalar_one()
    return int(total)


def _pledge(row: Row[Any], received_fen: int) -> Pledge:
    return Pledge(
        pledge_id=row.pledge_id,
        fund_source=row.fund_source,
        donor=row.donor,
        amount=yuan(int(row.amount_fen)),
        received=yuan(received_fen),
        note=row.note,
        scope=row.scope,
        pledged_at=as_utc(row.pledged_at),
        pledged_by=row.pledged_by,
    )


def _receipt(row: Row[Any]) -> Receipt:
    return Receipt(
        receipt_id=row.receipt_id,
        pledge_id=row.pledge_id,
        amount=yuan(int(row.amount_fen)),
        proof=row.proof,
        received_at=as_utc(row.received_at),
        received_by=row.received_by,
    )


def _pledge_row(conn: Connection, campaign_id: str, pledge_id: str) -> Row[Any] | None:
    return conn.execute(
        select(charity_pledges)
        .where(
            charity_pledges.c.campaign_id == campaign_id,
            charity_pledges.c.pledge_id == pledge_id,
        )
        .with_for_update()
    ).first()


def record_pledge(
    engine: Engine,
    campaign_id: str,
    pledge_id: str,
    *,
    fund_source: str,
    donor: str,
    amount_fen: int,
    note: str | None,
    scope: str,
    actor: str,
    at: datetime,
) -> tuple[Pledge, bool]:
    """Record a pledge; ``(pledge, True)`` if new, ``(existing pledge, False)`` if repeated.

    Raises :class:`Rejected` when ``pledge_id`` names a pledge with other details (an
    idempotency key reused for another pledge).
    """
    with engine.begin() as conn:
        row = _pledge_row(conn, campaign_id, pledge_id)
        if row is not None:
            same = (row.fund_source, row.donor, int(row.amount_fen), row.note) == (
                fund_source,
                donor,
                amount_fen,
                note,
            )
            if not same:
                raise Rejected(
                    f"认捐 {pledge_id} 已记录为其他内容 / pledge {pledge_id} was recorded with"
                    " other details: use another --key for another pledge"
                )
            return _pledge(row, _received_fen(conn, campaign_id, pledge_id)), False
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=charity_stream(campaign_id, pledge_id),
                    type=EventType.CHARITY_PLEDGED,
                    payload={
                        "pledge_id": pledge_id,
                        "fund_source": fund_source,
                        "donor": donor,
                        "amount_fen": amount_fen,
                        "note": note,
                        "scope": scope,
                    },
                    actor=actor,
                    at=at,
                    idempotency_key=f"{campaign_id}:charity:pledge:{pledge_id}",
                )
            ],
        )
        conn.execute(
            charity_pledges.insert().values(
                campaign_id=campaign_id,
                pledge_id=pledge_id,
                fund_source=fund_source,
                donor=donor,
                amount_fen=amount_fen,
                note=note,
                scope=scope,
                pledged_at=at,
                pledged_by=actor,
            )
        )
        row = _pledge_row(conn, campaign_id, pledge_id)
        assert row is not None
        return _pledge(row, 0), True


def record_receipt(
    engine: Engine,
    campaign_id: str,
    receipt_id: str,
    pledge_id: str,
    *,
    amount_fen: int,
    proof: str | None,
    actor: str,
    at: datetime,
) -> tuple[Receipt, bool]:
    """Record money received against a pledge; ``(receipt, True)`` if new.

    Raises :class:`NotFound` for an unknown pledge and :class:`Rejected` when the
    receipts would exceed the pledge (record another pledge for the difference) or
    ``receipt_id`` names a receipt with other details.
    """
    with engine.begin() as conn:
        pledge = _pledge_row(conn, campaign_id, pledge_id)
        if pledge is None:
            raise NotFound(f"no pledge {pledge_id!r} in campaign {campaign_id!r}")
        row = conn.execute(
            select(charity_receipts).where(
                charity_receipts.c.campaign_id == campaign_id,
                charity_receipts.c.receipt_id == receipt_id,
            )
        ).first()
        if row is not None:
            if (row.pledge_id, int(row.amount_fen), row.proof) != (pledge_id, amount_fen, proof):
                raise Rejected(
                    f"到账 {receipt_id} 已记录为其他内容 / receipt {receipt_id} was recorded"
                    " with other details: use another --key for another receipt"
                )
            return _receipt(row), False
        received = _received_fen(conn, campaign_id, pledge_id)
        if received + amount_fen > int(pledge.amount_fen):
            raise Rejected(
                f"到账金额超过认捐金额：认捐 {yuan(int(pledge.amount_fen))} 元，已到账"
                f" {yuan(received)} 元 / receipts would exceed the pledge of"
                f" {yuan(int(pledge.amount_fen))} yuan ({yuan(received)} received);"
                " record another pledge for the difference"
            )
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=charity_stream(campaign_id, pledge_id),
                    type=EventType.CHARITY_RECEIVED,
                    payload={
                        "receipt_id": receipt_id,
                        "pledge_id": pledge_id,
                        "fund_source": pledge.fund_source,
                        "amount_fen": amount_fen,
                        "proof": proof,
                    },
                    actor=actor,
                    at=at,
                    idempotency_key=f"{campaign_id}:charity:receipt:{receipt_id}",
                )
            ],
        )
        values = {
            "campaign_id": campaign_id,
            "receipt_id": receipt_id,
            "pledge_id": pledge_id,
            "amount_fen": amount_fen,
            "proof": proof,
            "received_at": at,
            "received_by": actor,
        }
        conn.execute(charity_receipts.insert().values(**values))
        return Receipt(
            receipt_id=receipt_id,
            pledge_id=pledge_id,
            amount=yuan(amount_fen),
            proof=proof,
            received_at=at,
            received_by=actor,
        ), True


def get_pledge(engine: Engine, campaign_id: str, pledge_id: str) -> Pledge:
    with engine.connect() as conn:
        row = conn.execute(
            select(charity_pledges).where(
                charity_pledges.c.campaign_id == campaign_id,
                charity_pledges.c.pledge_id == pledge_id,
            )
        ).first()
        if row is None:
            raise NotFound(f"no pledge {pledge_id!r} in campaign {campaign_id!r}")
        return _pledge(row, _received_fen(conn, campaign_id, pledge_id))


def list_pledges(engine: Engine, campaign_id: str, fund_source: str | None = None) -> list[Pledge]:
    """The campaign's pledges by time pledged (then id), each with what has arrived."""
    query = select(charity_pledges).where(charity_pledges.c.campaign_id == campaign_id)
    if fund_source is not None:
        query = query.where(charity_pledges.c.fund_source == fund_source)
    with engine.connect() as conn:
        received = {
            str(r[0]): int(r[1])
            for r in conn.execute(
                select(charity_receipts.c.pledge_id, func.sum(charity_receipts.c.amount_fen))
                .where(charity_receipts.c.campaign_id == campaign_id)
                .group_by(charity_receipts.c.pledge_id)
            )
        }
        rows = conn.execute(
            query.order_by(charity_pledges.c.pledged_at, charity_pledges.c.pledge_id)
        ).all()
    return [_pledge(r, int(received.get(r.pledge_id, 0))) for r in rows]


def charity_totals(
    engine: Engine, campaign_id: str, fund_source: str = CHARITY_SOURCE
) -> dict[str, Decimal]:
    """``{"pledged", "received", "goal"}`` in yuan for a fund source, from the ledger.

    ``goal`` is the fund source's budget in the plan. Raises :class:`NotFound` for an
    unknown campaign or a fund source the plan does not have.
    """
    plan = get_plan(engine, campaign_id)
    source = next((s for s in plan.fund_sources if s.code == fund_source), None)
    if source is None:
        codes = ", ".join(s.code for s in plan.fund_sources) or "none"
        raise NotFound(
            f"计划中没有资金来源 {fund_source} / the plan has no fund source {fund_source!r}"
            f" (it has: {codes})"
        )
    pledged = received = 0
    types = [EventType.CHARITY_PLEDGED, EventType.CHARITY_RECEIVED]
    with engine.connect() as conn:
        for e in events_of(conn, campaign_id, types):
            if e.payload.get("fund_source") != fund_source:
                continue
            if e.type == EventType.CHARITY_PLEDGED:
                pledged += int(e.payload["amount_fen"])
            else:
                received += int(e.payload["amount_fen"])
    goal = Decimal(source.budget).quantize(Decimal("0.01"))
    return {"pledged": yuan(pledged), "received": yuan(received), "goal": goal}
