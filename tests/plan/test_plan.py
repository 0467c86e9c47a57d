"""Plan validation: good plans load; every mistake is reported at once with its path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from warmth.demo import demo_plan
from warmth.domain.errors import PlanError
from warmth.planfile import dump_plan, load_plan, parse_plan


def raw_plan() -> dict[str, Any]:
    plan = demo_plan(datetime(2026, 11, 16, 1, tzinfo=UTC), timedelta(days=15))
    data: dict[str, Any] = yaml.safe_load(dump_plan(plan))
    return data


def problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(PlanError) as info:
        parse_plan(raw)
    return [str(p) for p in info.value.problems]


def test_a_good_plan_round_trips_through_yaml(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(
        yaml.safe_dump(raw_plan(), allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    plan = load_plan(path)
    assert plan.code == "demo"
    assert [str(p) for p in plan.phases] == [
        "survey",
        "mobilize",
        "distribute",
        "followup",
        "summarize",
    ]


def test_naive_times_are_read_in_the_plans_time_zone() -> None:
    raw = raw_plan()
    raw["phases"]["survey"]["start"] = "2026-11-16T09:00:00"
    plan = parse_plan(raw)
    start = plan.phases["survey"].start  # type: ignore[index]
    assert start.utcoffset() == timedelta(hours=8)
    assert start.astimezone(UTC) == datetime(2026, 11, 16, 1, tzinfo=UTC)


def test_deadlines_out_of_order_are_reported_with_their_paths() -> None:
    raw = raw_plan()
    raw["phases"]["distribute"]["deadline"] = raw["phases"]["survey"]["deadline"]
    assert "phases.distribute.deadline: must be after phases.mobilize.deadline" in problems(raw)


def test_every_mistake_is_reported_at_once() -> None:
    raw = raw_plan()
    raw["phases"]["survey"]["approvers"] = ["ghost"]
    raw["items"][0]["fund_source"] = "lottery"
    raw["items"][0]["standards"]["外星人"] = 100
    raw["supervisors"][1]["scope"] = "不存在区"
    raw["period"]["end"] = "2020-01-01"
    found = problems(raw)
    assert found == [
        "period.end: must not be before period.start",
        "items[0].fund_source: unknown fund source 'lottery'",
        "items[0].standards.外星人: unknown category '外星人'",
        "supervisors[1].scope: '不存在区' is not in the jurisdiction tree",
        "phases.survey.approvers[0]: unknown supervisor 'ghost'",
    ]


def test_structural_mistakes_name_their_fields() -> None:
    raw = raw_plan()
    del raw["name"]
    raw["fund_sources"][0]["budget"] = -5
    raw["items"][1]["kind"] = "voucher"
    raw["time_zone"] = "Mars/Olympus"
    found = problems(raw)
    assert any(p.startswith("name: Field required") for p in found)
    assert any(p.startswith("fund_sources[0].budget:") for p in found)
    assert any(p.startswith("items[1].kind:") for p in found)
    assert any(p.startswith("time_zone:") and "unknown time zone" in p for p in found)


def test_a_missing_phase_and_a_phase_ending_before_it_starts() -> None:
    raw = raw_plan()
    del raw["phases"]["followup"]
    raw["phases"]["survey"]["deadline"] = raw["phases"]["survey"]["start"]
    found = problems(raw)
    assert "phases.followup: is missing" in found
    assert "phases.survey.deadline: must be after phases.survey.start" in found


def test_a_plan_can_load_its_jurisdiction_tree_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "tree.csv").write_text(
        "区,街道,社区\n东湖区,梅园街道,梅园一社区\n东湖区,梅园街道,梅园二社区\n西山区,枫桥街道,枫桥一社区\n",
        encoding="utf-8",
    )
    raw = raw_plan()
    raw["jurisdiction"] = {"city": "示范市", "file": "tree.csv"}
    raw["supervisors"] = [s for s in raw["supervisors"] if s["scope"] in ("", "东湖区", "西山区")]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    plan = load_plan(path)
    assert list(plan.jurisdiction.communities()) == [
        ("东湖区", "梅园街道", "梅园一社区"),
        ("东湖区", "梅园街道", "梅园二社区"),
        ("西山区", "枫桥街道", "枫桥一社区"),
    ]


def test_unreadable_yaml_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(PlanError, match="not valid YAML"):
        load_plan(path)


def test_an_approver_below_district_level_is_refused() -> None:
    raw = raw_plan()
    raw["supervisors"].append({"id": "wu.street", "name": "吴主任", "scope": "东湖区/梅园街道"})
    raw["phases"]["survey"]["approvers"].append("wu.street")
    assert problems(raw) == [
        "phases.survey.approvers[3]: wu.street's scope '东湖区/梅园街道' is below a district;"
        " gates are decided district by district"
    ]


def test_urgent_cases_need_a_positive_decision_window() -> None:
    raw = raw_plan()
    assert raw["urgent"] is not None
    raw["urgent"]["decision_window"] = "PT0S"
    assert problems(raw) == ["urgent.decision_window: must be a positive duration"]


def test_urgent_cases_need_a_city_supervisor_to_approve_large_ones() -> None:
    raw = raw_plan()
    for sup in raw["supervisors"]:
        sup["scope"] = sup.get("scope") or "东湖区"  # the city supervisor becomes a district's
    found = problems(raw)
    assert any(p.startswith("urgent: needs a city supervisor") for p in found), found
