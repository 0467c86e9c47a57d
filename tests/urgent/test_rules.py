"""Who may decide an urgent case, and what a decision does (warmth.domain.urgent)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from warmth.domain.urgent import (
    DecisionRefused,
    UrgentCaseState,
    apply_decision,
    case_id,
    check_decision,
    default_request_id,
    needs_city,
    to_fen,
)

AT = datetime(2027, 1, 10, tzinfo=UTC)
THRESHOLD = 300_000  # 3,000 yuan
CASE = UrgentCaseState(
    case_id="k1", district="东湖区", raised_by="ops.east", asked_fen=500_000,
    status="awaiting_district",
)  # fmt: skip
DISTRICT = {"user_scope": "东湖区", "covers_district": True, "covers_all": False}
CITY = {"user_scope": "", "covers_district": True, "covers_all": True}
WEST = {"user_scope": "西山区", "covers_district": False, "covers_all": False}


def test_ids_are_deterministic_and_a_repeated_ask_names_the_same_case() -> None:
    ask = default_request_id("低保对象", 200_000, "火灾  受损")
    assert ask == default_request_id("低保对象", 200_000, "火灾 受损")
    assert ask != default_request_id("低保对象", 200_001, "火灾 受损")
    assert case_id("c1", "p1", ask) == case_id("c1", "p1", ask)
    assert case_id("c1", "p1", ask) != case_id("c1", "p2", ask)
    assert len(case_id("c1", "p1", ask)) <= 32  # the column's width


def test_money_is_kept_in_fen() -> None:
    assert to_fen(Decimal("1234.56")) == 123456
    with pytest.raises(ValueError):
        to_fen(Decimal("0.001"))
    assert needs_city(300_001, THRESHOLD) and not needs_city(300_000, THRESHOLD)


def test_under_the_threshold_the_district_approval_is_final() -> None:
    level = check_decision(CASE, "li.east", True, 250_000, "", **DISTRICT)
    assert level == "district"
    after = apply_decision(CASE, level, "li.east", True, 250_000, "同意", AT, THRESHOLD)
    assert after.status == "approved" and after.approved_fen == 250_000


def test_over_the_threshold_the_city_approves_after_the_district() -> None:
    after = apply_decision(CASE, "district", "li.east", True, 400_000, "", AT, THRESHOLD)
    assert after.status == "awaiting_city"
    with pytest.raises(DecisionRefused) as refused:
        check_decision(after, "li.east", True, 400_000, "", **DISTRICT)
    assert refused.value.kind == "CityApprovalRequired"
    assert check_decision(after, "chen.city", True, 350_000, "", **CITY) == "city"
    with pytest.raises(DecisionRefused, match=r"more than the 4000.00 yuan approved by the dis"):
        check_decision(after, "chen.city", True, 400_001, "", **CITY)
    final = apply_decision(after, "city", "chen.city", True, 350_000, "", AT, THRESHOLD)
    assert final.status == "approved" and final.approved_fen == 350_000
    with pytest.raises(DecisionRefused) as refused:
        check_decision(final, "chen.city", True, 350_000, "", **CITY)
    assert refused.value.kind == "CaseNotOpen"


def test_one_person_gives_one_approval_and_never_on_their_own_case() -> None:
    by_city = apply_decision(CASE, "district", "chen.city", True, 400_000, "", AT, THRESHOLD)
    with pytest.raises(DecisionRefused) as refused:
        check_decision(by_city, "chen.city", True, 400_000, "", **CITY)
    assert refused.value.kind == "SecondApproverRequired"
    own = CASE.model_copy(update={"raised_by": "li.east"})
    with pytest.raises(DecisionRefused, match="no self-approval") as refused:
        check_decision(own, "li.east", True, 100, "", **DISTRICT)
    assert refused.value.kind == "SelfApproval"


@pytest.mark.parametrize(
    ("user", "approve", "amount", "comment", "who", "kind"),
    [
        ("zhao.west", True, 100, "", WEST, "OutsideJurisdiction"),
        ("nobody", True, 100, "", {"user_scope": None, "covers_district": False,
                                   "covers_all": False}, "NotAnApprover"),
        ("li.east", True, 0, "", DISTRICT, "BadAmount"),
        ("li.east", True, 500_001, "", DISTRICT, "BadAmount"),
        ("li.east", False, 0, " ", DISTRICT, "CommentRequired"),
    ],
)  # fmt: skip
def test_refusals_name_their_reason(
    user: str, approve: bool, amount: int, comment: str, who: dict[str, object], kind: str
) -> None:
    with pytest.raises(DecisionRefused) as refused:
        check_decision(CASE, user, approve, amount, comment, **who)  # type: ignore[arg-type]
    assert refused.value.kind == kind


def test_a_rejection_at_either_level_ends_the_case() -> None:
    no = apply_decision(CASE, "district", "li.east", False, 0, "不符合条件", AT, THRESHOLD)
    assert no.status == "rejected" and no.approved_fen is None
    up = apply_decision(CASE, "district", "li.east", True, 400_000, "", AT, THRESHOLD)
    no = apply_decision(up, "city", "chen.city", False, 0, "超标准", AT, THRESHOLD)
    assert no.status == "rejected"
