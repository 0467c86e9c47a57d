"""Charity (慈善募集): pledges and receipts recorded once per request, totals from the ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from warmth import staff as service
from warmth.auth.rules import User
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType
from warmth.store.campaigns import create_campaign
from warmth.store.charity import charity_totals, get_pledge
from warmth.store.ledger import events_of

from .helpers import AT, AUDITOR, CAMPAIGN, OPS, PLAN, SUPERVISOR, event_types


@pytest.fixture
def campaign(engine: Engine) -> str:
    create_campaign(engine, CAMPAIGN, PLAN, "ops", AT)
    return CAMPAIGN


def pledge(engine: Engine, **kw: Any) -> tuple[service.Pledge, bool]:
    args: dict[str, Any] = {"donor": "爱心企业", "amount": "10000", "actor": OPS, "at": AT}
    args.update(kw)
    return service.pledge(engine, CAMPAIGN, **args)


def test_a_repeated_pledge_is_recorded_once(engine: Engine, campaign: str) -> None:
    first, new = pledge(engine, note="春节慰问")
    again, new_again = pledge(engine, donor=" 爱心企业 ", amount="10,000.00元", note="春节慰问")
    assert new and not new_again
    assert again == first
    assert (first.amount, first.fund_source, first.pledged_by) == (
        Decimal("10000.00"),
        "charity",
        "ops.city",
    )
    assert event_types(engine).count(EventType.CHARITY_PLEDGED) == 1


def test_distinct_pledges_with_the_same_fields_need_a_key(engine: Engine, campaign: str) -> None:
    a, _ = pledge(engine, key="slip-1")
    b, _ = pledge(engine, key="slip-2")
    c, new = pledge(engine, key="slip-1")
    assert a.pledge_id != b.pledge_id and c == a and not new
    with pytest.raises(Rejected, match="other details"):
        pledge(engine, key="slip-1", amount="20000")
    assert charity_totals(engine, CAMPAIGN)["pledged"] == Decimal("20000.00")


def test_receipts_are_recorded_once_and_never_exceed_the_pledge(
    engine: Engine, campaign: str
) -> None:
    p, _ = pledge(engine)
    r1, new1 = service.receive(
        engine, CAMPAIGN, p.pledge_id, amount="4000", proof="银行回单001", actor=OPS, at=AT
    )
    r1b, new1b = service.receive(
        engine, CAMPAIGN, p.pledge_id, amount="4000.00", proof="银行回单001", actor=OPS, at=AT
    )
    assert new1 and not new1b and r1b == r1
    # a second instalment of the same amount is told apart by its proof (or a key)
    _r2, new2 = service.receive(
        engine, CAMPAIGN, p.pledge_id, amount="4000", proof="银行回单002", actor=OPS, at=AT
    )
    assert new2
    with pytest.raises(Rejected, match="exceed the pledge"):
        service.receive(engine, CAMPAIGN, p.pledge_id, amount="2000.01", actor=OPS, at=AT)
    service.receive(engine, CAMPAIGN, p.pledge_id, amount="2000", key="last", actor=OPS, at=AT)
    assert get_pledge(engine, CAMPAIGN, p.pledge_id).received == Decimal("10000.00")
    with engine.connect() as conn:
        received = [e for e in events_of(conn, CAMPAIGN) if e.type == EventType.CHARITY_RECEIVED]
    assert [e.payload["amount_fen"] for e in received] == [400000, 400000, 200000]
    assert {e.stream for e in received} == {f"charity:{CAMPAIGN}:{p.pledge_id}"}
    with pytest.raises(NotFound):
        service.receive(engine, CAMPAIGN, "nope", amount="1", actor=OPS, at=AT)


def test_totals_against_the_charity_goal(engine: Engine, campaign: str) -> None:
    assert charity_totals(engine, CAMPAIGN) == {
        "pledged": Decimal("0.00"),
        "received": Decimal("0.00"),
        "goal": Decimal(500_000),
    }
    a, _ = pledge(engine, donor="甲公司", amount="300000")
    pledge(engine, donor="乙个人", amount="1234.56", at=AT + timedelta(hours=1))
    pledge(
        engine, donor="区财政", amount="1000", fund_source="district", at=AT + timedelta(hours=2)
    )
    service.receive(engine, CAMPAIGN, a.pledge_id, amount="150000.5", actor=OPS, at=AT)
    totals = service.totals(engine, CAMPAIGN, actor=AUDITOR)
    assert totals == {
        "pledged": Decimal("301234.56"),
        "received": Decimal("150000.50"),
        "goal": Decimal(500_000),
    }
    assert charity_totals(engine, CAMPAIGN, "district")["pledged"] == Decimal("1000.00")
    assert [p.donor for p in service.list_pledges(engine, CAMPAIGN, actor=AUDITOR)] == [
        "甲公司",
        "乙个人",
        "区财政",
    ]


def test_unknown_fund_source_and_bad_amounts_are_refused(engine: Engine, campaign: str) -> None:
    with pytest.raises(Rejected, match="no fund source 'gifts'"):
        pledge(engine, fund_source="gifts")
    with pytest.raises(NotFound, match="no fund source"):
        charity_totals(engine, CAMPAIGN, "gifts")
    for bad in ("0", "-5", "abc", "1.001", "NaN", "inf"):
        with pytest.raises(Rejected, match="amount must be"):
            pledge(engine, amount=bad)
    with pytest.raises(Rejected, match="donor is missing"):
        pledge(engine, donor="  ")
    with pytest.raises(NotFound):
        service.pledge(engine, "nope", donor="x", amount="1", actor=OPS)


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("1000", 100000),
        ("2500.5", 250050),
        ("1,000.25", 100025),
        ("300元", 30000),
        (Decimal("0.01"), 1),
        (7, 700),
    ],
)
def test_parse_yuan(value: str | Decimal | int, fen: int) -> None:
    assert service.parse_yuan(value) == fen


@pytest.mark.parametrize("actor", [SUPERVISOR, AUDITOR], ids=["supervisor", "auditor"])
def test_only_ops_record_charity_and_refusals_are_recorded(
    engine: Engine, campaign: str, actor: User
) -> None:
    with pytest.raises(Rejected, match="may not"):
        pledge(engine, actor=actor)
    p, _ = pledge(engine)
    with pytest.raises(Rejected, match="may not"):
        service.receive(engine, CAMPAIGN, p.pledge_id, amount="1", actor=actor)
    with engine.connect() as conn:
        refused = [
            e.payload["action"]
            for e in events_of(conn, CAMPAIGN)
            if e.type == EventType.ACCESS_REFUSED
        ]
    assert refused == ["record charity pledge", "record charity receipt"]
