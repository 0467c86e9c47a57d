"""The budget check: which fund sources the entitlements overrun, by how much, where."""

from __future__ import annotations

from decimal import Decimal

from warmth.domain.budget import check_budget, overrun


def test_a_source_within_budget_has_no_shortfall_and_one_over_has_it_by_district() -> None:
    totals = check_budget(
        {"city": {"东湖区": 60_000_00, "西山区": 50_000_00}, "charity": {"东湖区": 1_000_00}},
        {"city": Decimal(100_000), "charity": Decimal(5_000)},
    )
    assert [(t.source, t.needed, t.shortfall) for t in totals] == [
        ("charity", Decimal(1_000), Decimal(0)),
        ("city", Decimal(110_000), Decimal(10_000)),
    ]
    assert [t.source for t in overrun(totals)] == ["city"]
    assert overrun(totals)[0].by_district == {"东湖区": Decimal(60_000), "西山区": Decimal(50_000)}


def test_money_owed_from_a_source_without_a_budget_line_is_all_shortfall() -> None:
    totals = check_budget({"district": {"东湖区": 12_345}}, {})
    assert [(t.source, t.budget, t.shortfall) for t in totals] == [
        ("district", Decimal(0), Decimal("123.45"))
    ]


def test_an_exact_budget_is_not_an_overrun() -> None:
    assert overrun(check_budget({"city": {"A": 100}}, {"city": Decimal(1)})) == []
