"""``warmth callback``, ``warmth callbacks …`` and ``warmth verify …`` as users run them."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.distribute.conftest import EVIL, LI, SECRET, WANG, setup_campaign
from tests.followup.conftest import CID, PLAN, Followup, with_callers
from warmth.cli.app import app
from warmth.domain.events import EventType
from warmth.store import followup
from warmth.store.users import add_user

runner = CliRunner()
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def recent(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Followup:
    """Issued ten days ago, drawn five days ago (the commands run on the real clock)."""
    now = datetime.now(UTC)
    campaign = setup_campaign(engine, tmp_path, households=20, at=now - timedelta(days=10))
    with_callers(engine)
    for d in PLAN.jurisdiction.district_names():
        followup.draw_district_callbacks(engine, CID, d, 1.0, 1, "system", now - timedelta(days=5))
    monkeypatch.setenv("WARMTH_STORE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("WARMTH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("WARMTH_PERSON_KEY_SECRET", SECRET.decode())
    monkeypatch.delenv("WARMTH_LANGUAGE", raising=False)
    return Followup(campaign)


def act_as(f: Followup, monkeypatch: pytest.MonkeyPatch, user: str, role: str, scope: str) -> None:
    _user, token = add_user(f.engine, user, name=user, roles=[role], scope=scope)
    monkeypatch.setenv("WARMTH_TOKEN", token)


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def as_json(*args: str) -> Any:
    return json.loads(invoke(*args, "--json"))


def yesterday_at(hour: int) -> str:
    return f"{(datetime.now(SHANGHAI).date() - timedelta(days=1)).isoformat()}T{hour:02d}:00"


def test_a_caller_records_calls_and_a_supervisor_resolves_the_case(
    recent: Followup, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    act_as(recent, monkeypatch, "caller.east", "caller", "东湖区")
    out = invoke("callback", CID, WANG, "--result", "reached", "--note", "已收到")
    assert out.startswith("已记录 310104********0013 ") and "已联系" in out
    assert "回访办结：已联系" in out and WANG not in out
    again = as_json("callback", CID, WANG, "--result", "reached", "--note", "x")
    assert again["recorded"] is False and again["outcome"] == "reached"
    at = yesterday_at(10)
    out = invoke("callback", CID, LI, "--result", "not-received", "--note", "没收到", "--at", at)
    assert "回访办结：未收到" in out and "已立核实事项 V" in out
    deadline = datetime.fromisoformat(at).replace(tzinfo=SHANGHAI) + timedelta(days=7)
    [case] = as_json("verify", "list", CID, "--open")
    assert datetime.fromisoformat(case["deadline"]) == deadline
    assert case["id_number"] == "310104********0017" and case["reason"] == "not_received"
    assert "待核实" in invoke("verify", "list", CID)
    # the caller may not resolve it; the district's supervisor may, once
    out = invoke("verify", "resolve", CID, case["case_id"], "--finding", "已补发", code=1)
    assert out.startswith("error: ") and out.count("\n") == 1
    act_as(recent, monkeypatch, "li.east", "supervisor", "东湖区")
    assert "已办结" in invoke("verify", "resolve", CID, case["case_id"], "--finding", "已补发")
    assert "此前已办结" in invoke("verify", "resolve", CID, case["case_id"], "--finding", "已补发")
    assert as_json("verify", "list", CID, "--open") == []
    assert recent.count(EventType.VERIFICATION_RESOLVED) == 1


def test_refusals_are_one_line_errors(recent: Followup, monkeypatch: pytest.MonkeyPatch) -> None:
    act_as(recent, monkeypatch, "caller.east", "caller", "东湖区")
    out = invoke("callback", CID, EVIL, "--result", "reached", code=1)
    assert out.startswith("error: ") and "outside caller.east's jurisdiction" in out
    assert out.count("\n") == 1
    out = invoke("callback", CID, WANG, "--result", "maybe", code=1)
    assert out.startswith("error: --result 'maybe' 无法识别")
    out = invoke("callback", CID, "310104198501010014", "--result", "reached", code=1)
    assert "不是有效的公民身份号码" in out
    out = invoke("callback", CID, WANG, "--result", "reached", "--at", "2099-01-01T10:00", code=1)
    assert "in the future" in out
    invoke("callback", CID, WANG, "--result", "reached")
    out = invoke("callback", CID, WANG, "--result", "complaint", code=1)
    assert "回访已办结" in out and "Traceback" not in out
    act_as(recent, monkeypatch, "audit", "auditor", "")
    out = invoke("callback", CID, LI, "--result", "reached", code=1)
    assert "an auditor reads but changes nothing" in out


def test_import_and_the_callers_lists(
    recent: Followup, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    act_as(recent, monkeypatch, "ops.east", "ops", "东湖区")
    day = (datetime.now(SHANGHAI).date() - timedelta(days=1)).isoformat()
    f = tmp_path / "results.csv"
    with f.open("w", encoding="utf-8", newline="") as h:
        w = csv.writer(h)
        w.writerow(["公民身份号码", "结果", "日期", "备注"])
        w.writerows([[WANG, "联系不上", day, ""], [LI, "不知道", day, ""]])
    out = invoke("callbacks", "import", CID, str(f))
    assert "新记录 1" in out and "错误 1 行" in out and "第2行 result" in out
    report = as_json("callbacks", "import", CID, str(f))
    assert (report["recorded"], report["already_recorded"], report["rejected_rows"]) == (0, 1, 1)
    listing = as_json("callbacks", "list", CID)["callbacks"]
    assert listing and all(r["district"] == "东湖区" for r in listing)
    assert all("*" in r["id_number"] and "*" in r["phone"] for r in listing if r["phone"])
    wang = next(r for r in listing if r["id_number"] == "310104********0013")
    assert wang["attempts"] == [f"{day} unreachable"] and wang["status"] == "attempted"
    mine = as_json("callbacks", "list", CID, "--caller", "c-mei1")["callbacks"]
    assert mine and {r["caller_id"] for r in mine} == {"c-mei1"}
    xlsx = tmp_path / "lists" / "回访清单.xlsx"
    assert "共 " in invoke("callbacks", "list", CID, "--out", str(xlsx))
    rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:4] == ("回访员编号", "区", "街道", "社区")
    assert WANG not in {str(c) for r in rows for c in r}
    full = tmp_path / "full.csv"
    invoke("callbacks", "list", CID, "--out", str(full), "--full")
    assert WANG in full.read_text(encoding="utf-8-sig")
    assert invoke("callbacks", "list", CID, "--out", "x.txt", code=1).startswith("error: ")


def test_english_when_asked(recent: Followup, monkeypatch: pytest.MonkeyPatch) -> None:
    act_as(recent, monkeypatch, "caller.east", "caller", "东湖区")
    monkeypatch.setenv("WARMTH_LANGUAGE", "en")
    out = invoke("callback", CID, WANG, "--result", "已联系")
    assert out.startswith("recorded reached on ") and "callback concluded: reached" in out


def test_exported_cells_never_run_as_formulas(
    recent: Followup, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    act_as(recent, monkeypatch, "ops.city", "ops", "")
    out = tmp_path / "all.xlsx"
    invoke("callbacks", "list", CID, "--out", str(out), "--full")
    cells = {str(c) for r in load_workbook(out).active.iter_rows(values_only=True) for c in r}  # type: ignore[union-attr]
    assert "'=1+2" in cells and "=1+2" not in cells  # EVIL's address
    assert not any(c.startswith("=") for c in cells)


def test_a_full_list_is_recorded_in_the_ledger_and_refused_to_an_auditor(
    recent: Followup, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    act_as(recent, monkeypatch, "ops.east", "ops", "东湖区")
    masked = as_json("callbacks", "list", CID)["callbacks"]
    full = as_json("callbacks", "list", CID, "--full")["callbacks"]
    assert WANG in {r["id_number"] for r in full} and WANG not in {r["id_number"] for r in masked}
    (export,) = recent.events(EventType.CALLBACK_LIST_EXPORTED)  # the masked list is not one
    assert export.actor == "ops.east"
    assert export.payload == {"full": True, "rows": len(full), "caller": None, "scope": "东湖区"}

    act_as(recent, monkeypatch, "audit.city", "auditor", "")
    assert as_json("callbacks", "list", CID)["callbacks"]  # an auditor reads masked lists
    refused = invoke("callbacks", "list", CID, "--full", code=1)
    assert "audit.city may not export callers' lists in full" in refused
    assert [e.actor for e in recent.events(EventType.ACCESS_REFUSED)] == ["audit.city"]
    assert len(recent.events(EventType.CALLBACK_LIST_EXPORTED)) == 1


def test_ops_move_a_case_and_a_task_deadline_in_the_plans_time(
    recent: Followup, monkeypatch: pytest.MonkeyPatch
) -> None:
    act_as(recent, monkeypatch, "caller.east", "caller", "东湖区")
    invoke("callback", CID, LI, "--result", "not-received", "--at", yesterday_at(10))
    [case] = as_json("verify", "list", CID, "--open")
    to = (datetime.now(SHANGHAI) + timedelta(days=20)).replace(hour=18, minute=0, tzinfo=None)
    out = invoke("verify", "extend", CID, case["case_id"], "--to", to.isoformat(), "--reason", "x",
                 code=1)  # fmt: skip
    assert out.startswith("error: ") and "may not move the deadline" in out  # a caller
    act_as(recent, monkeypatch, "ops.east", "ops", "东湖区")
    out = invoke(
        "verify", "extend", CID, case["case_id"], "--to", to.isoformat(), "--reason", "约访"
    )
    assert f"期限 {case['deadline'][:10]}" in out and f"→ {to:%Y-%m-%d} 18:00\n" in out
    assert "每日巡检时将按新期限提醒" in out  # no Temporal here: the daily sweep will see it
    [moved] = as_json("verify", "list", CID, "--open")
    assert datetime.fromisoformat(moved["deadline"]) == to.replace(tzinfo=SHANGHAI)
    task = as_json("hazard", "add", CID, WANG, "--kind", "用电", "--note", "电线老化")["task"]
    result = as_json(
        "hazard", "extend", CID, task["task_id"], "--to", to.isoformat(), "--reason", "等电工"
    )
    assert result["moved"] is True and result["kind"] == "rectification"
    assert result["campaign_told"] is False
    assert recent.count(EventType.DEADLINE_MOVED) == 2
