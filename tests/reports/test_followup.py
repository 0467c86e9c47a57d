"""Follow-up figures (回访核查) of the hand-checked campaign (see campaign.py), from the ledger.

The campaign's follow-up is :func:`tests.reports.campaign.followed_up`; it is read as of
AS_OF, ten days after the distribute deadline.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.reports.campaign import (
    AS_OF,
    AT,
    CID,
    DISTRIBUTE_DEADLINE,
    Campaign,
    callback,
    days,
    pay,
    whole_campaign,
)
from warmth.domain.events import EventType
from warmth.reports.statistics import (
    CallbackFollowUp,
    CampaignStatistics,
    FundUse,
    HazardCount,
    OverdueUnit,
    UrgentCount,
    VerificationCount,
    compute,
)
from warmth.store import ledger
from warmth.store.engine import open_store_engine


def test_callbacks_per_district_count_households_by_outcome(followed: Campaign) -> None:
    stats = compute(followed.engine, CID, as_of=AS_OF)
    assert stats.callback_results == [
        # A (two categories, reassigned once) reached; B not received after an
        # unreachable call; D unreachable on three days
        CallbackFollowUp(district="东湖区", drawn=3, assigned=3, attempted=3, calls=6,
                         concluded=3, reached=1, unreachable=1, not_received=1, complaint=0,
                         problems=1, confirmed_rate=0.3333),
        # E complained; C (drawn for its own category 特困人员) not called yet
        CallbackFollowUp(district="西山区", drawn=2, assigned=1, attempted=1, calls=1,
                         concluded=1, reached=0, unreachable=0, not_received=0, complaint=1,
                         problems=1, confirmed_rate=0.0),
    ]  # fmt: skip
    assert stats.callback_total() == CallbackFollowUp(
        district="", drawn=5, assigned=4, attempted=4, calls=7, concluded=4, reached=1,
        unreachable=1, not_received=1, complaint=1, problems=2, confirmed_rate=0.2,
    )  # fmt: skip


def test_callbacks_in_progress_count_each_stage_separately(engine: Engine, tmp_path: Path) -> None:
    whole_campaign(engine, tmp_path)
    callback(engine, "A", "k1", [])  # assigned, not called yet
    callback(engine, "B", "k1", ["unreachable"])  # called once, not concluded
    row = compute(engine, CID, as_of=AS_OF).callback_results[0]
    assert (row.district, row.drawn, row.assigned, row.attempted, row.calls, row.concluded) == (
        "东湖区", 3, 2, 1, 1, 0,
    )  # fmt: skip
    assert (row.problems, row.confirmed_rate) == (0, 0.0)


def test_verification_cases_open_resolved_and_overdue(followed: Campaign) -> None:
    stats = compute(followed.engine, CID, as_of=AS_OF)
    assert stats.verification == [
        # V1 open past its deadline (+65 d); V3 resolved (its deadline passed: not overdue)
        VerificationCount(district="东湖区", opened=2, resolved=1, open=1, overdue=1),
        # V2 open, due at +75 d
        VerificationCount(district="西山区", opened=1, resolved=0, open=1, overdue=0),
    ]
    assert stats.verification_total() == VerificationCount(
        district="", opened=3, resolved=1, open=2, overdue=1
    )


def test_hazards_per_district_and_per_kind(followed: Campaign) -> None:
    stats = compute(followed.engine, CID, as_of=AS_OF)
    assert stats.hazards == [
        HazardCount(district="东湖区", found=2, by_kind={"用电": 1, "用气": 1}, fixed=1, open=1,
                    overdue=1),  # H1 fixed, H2 overdue
        HazardCount(district="西山区", found=2, by_kind={"用电": 1, "消防": 1}, fixed=0, open=2,
                    overdue=1),  # H4 overdue (deadline +60 d), H3 due at +80 d
    ]  # fmt: skip
    assert [(h.kind, h.found, h.fixed, h.open, h.overdue) for h in stats.hazard_kinds] == [
        ("用电", 2, 1, 1, 1),
        ("用气", 1, 0, 1, 1),
        ("用水", 0, 0, 0, 0),
        ("消防", 1, 0, 1, 0),
        ("食品安全", 0, 0, 0, 0),
    ]
    total = stats.hazard_total()
    assert (total.found, total.by_kind, total.fixed, total.open, total.overdue) == (
        4, {"用电": 2, "用气": 1, "消防": 1}, 1, 3, 2,
    )  # fmt: skip


def test_urgent_cases_raised_decided_and_paid(followed: Campaign) -> None:
    stats = compute(followed.engine, CID, as_of=AS_OF)
    assert stats.urgent == [
        # U1 approved 1,500 and paid; U2 approved 4,000 by the district (above the
        # 3,000 threshold), then 3,500 by the city
        UrgentCount(district="东湖区", raised=2, approved=2, rejected=0, pending=0, paid=1,
                    asked_amount=Decimal("7000.00"), approved_amount=Decimal("5000.00"),
                    paid_amount=Decimal("1500.00")),
        # U3 refused; U4 awaits the city; U5 undecided
        UrgentCount(district="西山区", raised=3, approved=0, rejected=1, pending=2, paid=0,
                    asked_amount=Decimal("5800.00"), approved_amount=Decimal("0.00"),
                    paid_amount=Decimal("0.00")),
    ]  # fmt: skip


def test_urgent_aid_counts_once_in_its_fund_source_against_the_budget(
    followed: Campaign,
) -> None:
    stats = compute(followed.engine, CID, as_of=AS_OF)
    # 区级: 取暖补贴 700 issued (300 confirmed) + U1's 1,500 of urgent aid
    assert stats.fund_sources[1] == FundUse(
        fund_source="district", name="区级", budget=Decimal("1000000.00"),
        issued=Decimal("2200.00"), confirmed=Decimal("300.00"),
        remaining=Decimal("997800.00"), share=0.0022, urgent=Decimal("1500.00"),
    )  # fmt: skip
    assert [f.urgent for f in stats.fund_sources] == [Decimal(0), Decimal(1500), Decimal(0)]
    # the items table is the plan's items only: urgent aid is not an item issue
    assert sum(i.amount for i in stats.items) == Decimal("4150.00")
    pay(followed.engine, "U1", "B", "district", 1500)  # the same fact again: not appended
    pay(followed.engine, "U1", "B", "district", 1500, key="issued-again")  # a second record
    again = compute(followed.engine, CID, as_of=AS_OF)
    assert again.fund_sources == stats.fund_sources  # one payment per case
    assert again.urgent == stats.urgent


def test_overdue_units_list_each_unit_and_what_is_overdue(followed: Campaign) -> None:
    stats = compute(followed.engine, CID, as_of=AS_OF)
    assert stats.distribute_deadline == DISTRIBUTE_DEADLINE
    late = DISTRIBUTE_DEADLINE
    assert stats.overdue_units == [
        # A: partly delivered (heating and package unconfirmed), H2 not fixed
        OverdueUnit(district="东湖区", street="梅园街道", community="梅园一社区",
                    kind="delivery", count=1, earliest_deadline=late),
        OverdueUnit(district="东湖区", street="梅园街道", community="梅园一社区",
                    kind="rectification", count=1, earliest_deadline=days(66)),
        # B: nothing confirmed, V1 not resolved
        OverdueUnit(district="东湖区", street="梅园街道", community="梅园二社区",
                    kind="delivery", count=1, earliest_deadline=late),
        OverdueUnit(district="东湖区", street="梅园街道", community="梅园二社区",
                    kind="verification", count=1, earliest_deadline=days(65)),
        # E unconfirmed (C, same community, confirmed everything); H4 at C not fixed
        OverdueUnit(district="西山区", street="枫桥街道", community="枫桥一社区",
                    kind="delivery", count=1, earliest_deadline=late),
        OverdueUnit(district="西山区", street="枫桥街道", community="枫桥一社区",
                    kind="rectification", count=1, earliest_deadline=days(60)),
    ]  # fmt: skip


def test_overdue_is_judged_at_the_as_of_time(followed: Campaign) -> None:
    before = compute(followed.engine, CID, as_of=days(55))  # before every deadline
    assert before.overdue_units == []
    assert before.verification_total().overdue == 0
    assert before.hazard_total().overdue == 0
    assert compute(followed.engine, CID, as_of=AS_OF) == compute(
        followed.engine, CID, as_of=AS_OF
    )  # the same ledger and as-of time: the same figures
    with pytest.raises(ValueError, match="time-zone aware"):
        compute(followed.engine, CID, as_of=datetime(2027, 2, 9, 12, 0))


def test_a_moved_distribute_deadline_moves_overdue_deliveries(followed: Campaign) -> None:
    ledger.record(
        followed.engine, CID, EventType.DEADLINE_MOVED,
        {"phase": "distribute", "previous": DISTRIBUTE_DEADLINE.isoformat(),
         "to": days(72).isoformat(), "reason": "春节提前"},
        "chen.city", days(58), f"{CID}:deadline:distribute:{days(58).isoformat()}",
    )  # fmt: skip
    stats = compute(followed.engine, CID, as_of=AS_OF)
    assert stats.distribute_deadline == days(72)
    assert [u.kind for u in stats.overdue_units] == ["rectification", "verification",
                                                     "rectification"]  # fmt: skip
    later = compute(followed.engine, CID, as_of=days(73))
    assert sum(u.count for u in later.overdue_units if u.kind == "delivery") == 3


def test_follow_up_changes_only_the_follow_up_tables_and_urgent_money(
    followed: Campaign, tmp_path: Path
) -> None:
    other = open_store_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        (tmp_path / "plain").mkdir()
        whole_campaign(other, tmp_path / "plain")  # the same campaign without follow-up
        plain = compute(other, CID, as_of=AS_OF)
    finally:
        other.dispose()
    full = compute(followed.engine, CID, as_of=AS_OF)
    changed = {name for name in CampaignStatistics.model_fields
               if getattr(plain, name) != getattr(full, name)}  # fmt: skip
    assert changed == {"events", "fund_sources", "callback_results", "verification",
                       "hazards", "hazard_kinds", "urgent", "overdue_units"}  # fmt: skip
    assert plain.callback_total().drawn == 5 and plain.callback_total().concluded == 0
    assert [u.kind for u in plain.overdue_units] == ["delivery"] * 3


def test_a_report_before_the_follow_up_has_zero_rows(campaign: Campaign) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    assert [h.found for h in stats.hazards] == [0, 0]
    assert [u.raised for u in stats.urgent] == [0, 0]
    assert stats.overdue_units == []
    assert [k.kind for k in stats.hazard_kinds] == ["用电", "用气", "用水", "消防", "食品安全"]
