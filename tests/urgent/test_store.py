"""Urgent cases in the store: each fact once, whatever the retries (warmth.store.urgent)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from tests.mobilize.helpers import PLAN
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType
from warmth.store import urgent
from warmth.store.campaigns import create_campaign
from warmth.store.ledger import events_of

AT = datetime(2027, 1, 5, tzinfo=UTC)
CASE = urgent.NewCase(
    case_id="abc", person_key="p1", name="王小明", id_number="11010519491231002X",
    phone=None, district="东湖区", street="梅园街道", community="梅园一社区",
    category="低保对象", asked_fen=200_000, reason="家中失火", raised_by="ops",
)  # fmt: skip


def types(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [e.type for e in events_of(conn, "c1") if e.type.startswith("Urgent")]


def test_each_fact_of_a_case_is_recorded_once(engine: Engine) -> None:
    create_campaign(engine, "c1", PLAN, "ops", AT)
    assert urgent.open_case(engine, "c1", CASE, AT) == "pending"
    assert urgent.open_case(engine, "c1", CASE, AT) == "pending"  # a retried activity
    with pytest.raises(Rejected, match="not approved: nothing paid"):
        urgent.pay_case(engine, "c1", "abc", "charity", AT)
    decide = {"level": "district", "approve": True, "amount_fen": 150_000, "comment": "同意",
              "by": "li.east", "at": AT, "status_after": "approved"}  # fmt: skip
    assert urgent.record_decision(engine, "c1", "abc", **decide) == "approved"  # type: ignore[arg-type]
    assert urgent.pay_case(engine, "c1", "abc", "charity", AT) == "paid"
    # A decision retried after the payment changes nothing, a payment retried pays nothing.
    assert urgent.record_decision(engine, "c1", "abc", **decide) == "paid"  # type: ignore[arg-type]
    assert urgent.pay_case(engine, "c1", "abc", "charity", AT) == "paid"
    assert types(engine) == [
        EventType.URGENT_OPENED, EventType.URGENT_DECIDED, EventType.URGENT_ISSUED,
    ]  # fmt: skip
    [listed] = urgent.list_cases(engine, "c1")
    assert (listed.status, listed.approved_fen, listed.name) == ("paid", 150_000, "王**")
    assert urgent.list_cases(engine, "c1", scope="西山区") == []
    payments = urgent.urgent_payments(engine, "c1")
    assert [(p.case_id, p.amount_fen, p.idempotency_key) for p in payments] == [
        ("abc", 150_000, "c1:urgent:abc:issued")
    ]
    with pytest.raises(NotFound):
        urgent.pay_case(engine, "c1", "nope", "charity", AT)
