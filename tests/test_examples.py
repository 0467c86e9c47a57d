"""The example campaign plans in ``examples/`` load and keep their phases in order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from warmth.domain.phases import PHASE_ORDER
from warmth.planfile import load_plan

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))

MINHANG_CATEGORIES = {
    "低保对象",
    "特困人员",
    "孤儿",
    "困境儿童",
    "空巢老人",
    "独居老人",
    "残疾人",
    "重病患者",
}
MINHANG_STREETS = {
    "江川路街道",
    "古美路街道",
    "新虹街道",
    "浦锦街道",
    "莘庄镇",
    "七宝镇",
    "颛桥镇",
    "华漕镇",
    "虹桥镇",
    "梅陇镇",
    "吴泾镇",
    "马桥镇",
    "浦江镇",
    "莘庄工业区",
}


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_loads_with_phases_in_order(path: Path) -> None:
    plan = load_plan(path)

    assert list(plan.phases) == list(PHASE_ORDER)
    previous = None
    for phase in PHASE_ORDER:
        p = plan.phase(phase)
        assert p.start.tzinfo is not None and p.deadline.tzinfo is not None
        assert p.start < p.deadline, phase
        if previous is not None:
            assert p.start >= previous.start, phase
            assert p.deadline > previous.deadline, phase
        previous = p
    assert plan.period.start <= plan.phase(PHASE_ORDER[0]).start.date()
    assert plan.phase(PHASE_ORDER[-1]).deadline.date() <= plan.period.end


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_described_in_readme(path: Path) -> None:
    assert path.name in (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8")


def test_minhang_plan_follows_seed_003() -> None:
    plan = load_plan(EXAMPLES_DIR / "minhang-2020.yaml")

    assert not MINHANG_CATEGORIES - set(plan.categories)
    assert plan.jurisdiction.city == "上海市"
    assert plan.jurisdiction.district_names() == ["闵行区"]
    assert {s.name for s in plan.jurisdiction.districts[0].streets} == MINHANG_STREETS
    civil_affairs = sum(
        (f.budget for f in plan.fund_sources if f.code.startswith("mz-")), Decimal(0)
    )
    assert civil_affairs == Decimal("37311400")  # seed 003: 3731.14 万元
