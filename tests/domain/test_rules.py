"""Pure rules: entitlements, the callback sample, scopes, masking in logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from warmth.demo import demo_plan
from warmth.domain.entitlements import entitlements, total_by_source
from warmth.domain.jurisdiction import scope_covers
from warmth.domain.sampling import draw_sample, sample_size
from warmth.logging import mask_text

PLAN = demo_plan(datetime(2026, 11, 16, tzinfo=UTC), timedelta(days=15))


def test_a_person_in_two_categories_gets_each_item_once_at_the_highest_standard() -> None:
    got = {
        e.item: (e.amount, e.category) for e in entitlements(["低收入家庭", "特困人员"], PLAN.items)
    }
    assert got == {
        "condolence": (Decimal(800), "特困人员"),  # 800 beats 300
        "heating": (Decimal(300), "特困人员"),  # only 特困 has a heating standard
        "package": (Decimal(150), "低收入家庭"),  # a tie keeps the person's first category
    }


def test_a_category_without_a_standard_gets_nothing_for_that_item() -> None:
    assert [e.item for e in entitlements(["困境儿童"], PLAN.items)] == ["condolence", "package"]
    assert entitlements(["外地人员"], PLAN.items) == []


def test_totals_by_fund_source() -> None:
    rows = entitlements(["低保对象"], PLAN.items) + entitlements(["独居老人"], PLAN.items)
    assert total_by_source(rows) == {
        "city": Decimal(900),
        "district": Decimal(400),
        "charity": Decimal(300),
    }


def test_the_sample_is_deterministic_per_campaign_and_covers_every_community() -> None:
    people = [(f"p{i}", "A" if i < 95 else "B") for i in range(100)]
    first = draw_sample("c1", people, rate=0.1, minimum=2)
    assert first == draw_sample("c1", list(reversed(people)), rate=0.1, minimum=2)
    assert len([k for k in first if int(k[1:]) < 95]) == 10  # ceil(0.1 × 95)
    assert len([k for k in first if int(k[1:]) >= 95]) == 2  # the minimum for 5 people
    assert draw_sample("c2", people, rate=0.1, minimum=2) != first


def test_sample_size_bounds() -> None:
    assert sample_size(0, 0.1, 3) == 0
    assert sample_size(2, 0.1, 3) == 2
    assert sample_size(1000, 0.05, 3) == 50


def test_scopes() -> None:
    assert scope_covers("", "东湖区/梅园街道")
    assert scope_covers("东湖区", "东湖区/梅园街道")
    assert not scope_covers("东湖区", "东湖区外/梅园街道")
    assert not scope_covers("东湖区/梅园街道", "东湖区")


def test_logs_mask_id_numbers_and_mobiles_even_inside_chinese_text() -> None:
    text = "张三身份证310112198501011234电话13812345678已登记"
    assert mask_text(text) == "张三身份证310112********1234电话138****5678已登记"
    assert mask_text("金额 1500 元，批次 20261125") == "金额 1500 元，批次 20261125"
