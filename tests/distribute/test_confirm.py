"""Confirmations: once per (campaign, person, item), never for what was not issued."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.distribute.conftest import CID, EVIL, LATER, LI, PLAN, WANG, Campaign, valid_id
from warmth.auth.rules import Forbidden, Role, User
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType
from warmth.payments import (
    ConfirmResult,
    NotIssued,
    confirm_delivery,
    delivery_status,
    unconfirmed_by_community,
)
from warmth.store.ledger import events_of
from warmth.store.schema import deliveries

from .conftest import AT

WHEN = AT + timedelta(days=3)


def row(campaign: Campaign, id_number: str, item: str) -> object:
    with campaign.engine.connect() as conn:
        return conn.execute(
            select(deliveries).where(
                deliveries.c.person_key == campaign.key(id_number), deliveries.c.item == item
            )
        ).one()


def test_a_confirmation_is_recorded_once_and_a_repeat_says_so(campaign: Campaign) -> None:
    first = confirm_delivery(
        campaign.engine, CID, campaign.key(WANG), "package", "ops", "R-1", WHEN
    )
    assert first.recorded and first.confirmed_at == WHEN and first.kind == "in_kind"
    again = confirm_delivery(campaign.engine, CID, WANG, "package", "ops2", "R-2", LATER)
    assert not again.recorded and "nothing new recorded" in again.message
    assert (again.confirmed_at, again.confirmed_by, again.proof) == (WHEN, "ops", "R-1")
    r = row(campaign, WANG, "package")
    assert (r.status, r.confirmed_by, r.proof) == ("confirmed", "ops", "R-1")  # type: ignore[attr-defined]
    with campaign.engine.connect() as conn:
        [event] = list(events_of(conn, CID, [EventType.DELIVERY_CONFIRMED]))
    assert event.idempotency_key == f"{CID}:{campaign.key(WANG)}:package:confirmed"
    assert event.actor == "ops" and event.at == WHEN and event.payload["proof"] == "R-1"
    assert WANG not in str(event.payload)


def test_cash_can_be_confirmed_from_the_bank_return(campaign: Campaign) -> None:
    result = confirm_delivery(campaign.engine, CID, WANG, "heating", "ops", "BANK-RET-7", WHEN)
    assert result.recorded and result.kind == "cash"


def test_confirming_what_was_never_issued_is_a_clear_error(campaign: Campaign) -> None:
    with pytest.raises(NotIssued, match="heating was never issued to the person with ID number"):
        confirm_delivery(campaign.engine, CID, LI, "heating", "ops", "R", WHEN)  # 困境儿童: none
    with pytest.raises(NotIssued, match="nothing to confirm"):
        confirm_delivery(campaign.engine, CID, WANG, "no-such-item", "ops", "R", WHEN)
    with pytest.raises(NotFound, match=r"310104\*{8}"):
        confirm_delivery(campaign.engine, CID, valid_id(5), "package", "ops", "R", WHEN)
    with pytest.raises(NotFound, match="unknown campaign"):
        confirm_delivery(campaign.engine, "nope", WANG, "package", "ops", "R", WHEN)
    with pytest.raises(Rejected, match="proof"):
        confirm_delivery(campaign.engine, CID, WANG, "package", "ops", "  ", WHEN)
    with pytest.raises(Rejected, match="cannot have been delivered on 2026-11-30"):
        confirm_delivery(campaign.engine, CID, WANG, "package", "ops", "R", AT - timedelta(days=1))
    with pytest.raises(Rejected, match="time zone"):
        confirm_delivery(
            campaign.engine, CID, WANG, "package", "ops", "R", WHEN.replace(tzinfo=None)
        )
    assert campaign.ledger_count(EventType.DELIVERY_CONFIRMED) == 0


def test_a_user_confirms_only_within_their_jurisdiction(campaign: Campaign) -> None:
    west = User(id="w", name="西山", roles=(Role.OPS,), scope="西山区", created_at=AT)
    with pytest.raises(Forbidden, match="outside"):
        confirm_delivery(campaign.engine, CID, WANG, "package", "w", "R", WHEN, principal=west)
    auditor = User(id="a", name="审计", roles=(Role.AUDITOR,), created_at=AT)
    with pytest.raises(Forbidden, match="auditor"):
        confirm_delivery(campaign.engine, CID, EVIL, "package", "a", "R", WHEN, principal=auditor)
    ok = confirm_delivery(campaign.engine, CID, EVIL, "package", "w", "R", WHEN, principal=west)
    assert ok.recorded and campaign.ledger_count(EventType.DELIVERY_CONFIRMED) == 1


def test_the_same_confirmation_sent_ten_times_in_parallel_is_recorded_once(
    campaign: Campaign,
) -> None:
    barrier = threading.Barrier(10)
    results: list[ConfirmResult] = []
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            barrier.wait()
            results.append(
                confirm_delivery(campaign.engine, CID, WANG, "package", f"ops{n}", f"R{n}", WHEN)
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r.recorded for r in results) == [False] * 9 + [True]
    winner = next(r for r in results if r.recorded)
    assert {(r.confirmed_by, r.proof) for r in results} == {(winner.confirmed_by, winner.proof)}
    assert campaign.ledger_count(EventType.DELIVERY_CONFIRMED) == 1
    r = row(campaign, WANG, "package")
    assert r.confirmed_by == winner.confirmed_by  # type: ignore[attr-defined]


def test_status_and_reminder_counts_follow_the_confirmations(campaign: Campaign) -> None:
    east = delivery_status(campaign.engine, CID, "东湖区")
    assert east["confirmed"] == 0 and east["outstanding"] == east["issued"] > 0
    # The money per source is the ledger's (cash paid plus in-kind valued at unit cost).
    ledger: Counter[str] = Counter()
    with campaign.engine.connect() as conn:
        for e in events_of(conn, CID, [EventType.AID_ISSUED]):
            if e.payload["district"] == "东湖区":
                ledger[e.payload["fund_source"]] += int(e.payload["amount_fen"])
    assert east["amount_by_source"] == {k: Decimal(v) / 100 for k, v in ledger.items()}
    cash = delivery_status(campaign.engine, CID, "东湖区", kind="cash")
    assert set(cash["amount_by_source"]) == {"city", "district"}

    waiting = unconfirmed_by_community(campaign.engine, CID)
    assert sum(n for p, n in waiting.items() if p.startswith("东湖区/")) == east["outstanding"]
    before = waiting["东湖区/梅园街道/梅园一社区"]
    confirm_delivery(campaign.engine, CID, WANG, "package", "ops", "R", WHEN)
    after = delivery_status(campaign.engine, CID, "东湖区")
    assert (after["confirmed"], after["outstanding"]) == (1, east["outstanding"] - 1)
    assert after["confirmed_amount_by_source"]["charity"] == Decimal(150)
    now = unconfirmed_by_community(campaign.engine, CID)
    assert now.get("东湖区/梅园街道/梅园一社区", 0) == before - 1
    in_kind = unconfirmed_by_community(campaign.engine, CID, kind="in_kind")
    assert sum(in_kind.values()) == sum(
        delivery_status(campaign.engine, CID, d, kind="in_kind")["outstanding"]
        for d in PLAN.jurisdiction.district_names()
    )
