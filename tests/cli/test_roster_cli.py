"""``warmth roster check`` and ``compare`` as a user runs them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from warmth import intake, roster_service
from warmth.cli.app import app
from warmth.demo import HEADER, demo_plan
from warmth.planfile import dump_plan
from warmth.store import survey
from warmth.store.campaigns import create_campaign

AT = datetime(2026, 12, 1, tzinfo=UTC)
PLAN = demo_plan(AT, timedelta(days=15))
GOOD = ["1", "王芳", "310104198501010013", "13812345678", "东湖区", "梅园街道", "梅园一社区",
        "梅园路1号", "低保对象、独居老人", "2", "民政科", "", "用电线路老化", ""]  # fmt: skip


def csv_file(path: Path, *rows: list[str]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_check_prints_the_issue_s_json_and_writes_an_error_report(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(dump_plan(PLAN), encoding="utf-8")
    bad = GOOD.copy()
    bad[0], bad[2], bad[6] = "2", "310104198501010014", "无此社区"
    dup = GOOD.copy()
    dup[0], dup[10] = "3", "残联"
    roster = csv_file(tmp_path / "r.csv", GOOD, bad, dup)
    errors = tmp_path / "errors.xlsx"
    result = CliRunner().invoke(
        app,
        ["roster", "check", str(roster), "--plan", str(plan), "--json", "--errors", str(errors)],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert {k: out[k] for k in ("rows", "accepted", "merged", "people")} == {
        "rows": 3, "accepted": 2, "merged": 1, "people": 1,
    }  # fmt: skip
    assert [(r["row"], r["field"]) for r in out["rejected"]] == [(2, "id_number"), (2, "community")]
    assert all(" / " in r["reason"] for r in out["rejected"])  # Chinese / English
    sheet = load_workbook(errors).active
    assert [c.value for c in next(sheet.iter_rows())] == ["行号/row", "字段/field", "原因/reason"]


def test_a_file_that_is_not_a_roster_is_one_clear_error(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(dump_plan(PLAN), encoding="utf-8")
    garbage = tmp_path / "r.csv"
    garbage.write_bytes(b"\x00\x01\x02garbage\xff" * 100)
    result = CliRunner().invoke(app, ["roster", "check", str(garbage), "--plan", str(plan)])
    assert result.exit_code == 1
    assert result.output.startswith("error: ")
    assert "Traceback" not in result.output


def test_compare_finds_the_missed_and_the_extra_by_community_and_exports_masked(
    engine: Engine, tmp_path: Path
) -> None:
    create_campaign(engine, "c1", PLAN, "ops", AT)
    other = GOOD.copy()
    other[0], other[1], other[2], other[6] = "2", "李四", "310104198001010017", "梅园二社区"
    roster = csv_file(tmp_path / "r.csv", GOOD, other)
    report = intake.stage_file(engine, b"k", "c1", PLAN, roster, unit="民政科", actor="ops", at=AT)
    intake.settle_import(engine, "c1", report.import_id, True, "ops", AT)
    survey.register_batch(engine, "c1", "东湖区", None, 100, "ops", AT)
    reference = tmp_path / "dibao.csv"
    reference.write_text(
        "姓名,公民身份号码,区,街道,社区\n"
        "王芳,310104198501010013,东湖区,梅园街道,梅园一社区\n"
        '=HYPERLINK("x"),110105194912310011,东湖区,梅园街道,梅园三社区\n',
        encoding="utf-8",
    )
    out = tmp_path / "diff.xlsx"
    result = roster_service.compare_roster(engine, b"k", "c1", reference, out=out)
    assert (result.reference_people, result.roster_people) == (2, 2)
    assert (result.missing, result.extra) == (1, 1)
    assert [(c.community, c.missing, c.extra) for c in result.by_community] == [
        ("梅园三社区", 1, 0),
        ("梅园二社区", 0, 1),
    ]
    cells = [str(c.value) for row in load_workbook(out).active.iter_rows() for c in row]
    assert "110105194912310011" not in " ".join(cells)  # ID numbers masked
    assert "110105********0011" in cells
    assert not any(c.startswith("=") for c in cells)  # no cell runs as a formula
