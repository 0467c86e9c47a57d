"""``warmth deliver …`` as a user runs it: acting as the user of the token, by ID number."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pydantic import SecretStr
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.distribute.conftest import CID, LI, SECRET, WANG, Campaign, setup_campaign
from warmth.cli.common import State
from warmth.cli.deliver import deliver_app
from warmth.domain.events import EventType
from warmth.settings import Settings
from warmth.store.users import add_user

runner = CliRunner()
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def campaign(engine: Engine, tmp_path: Path) -> Campaign:
    """Issued a few days ago: the commands run on the real clock."""
    return setup_campaign(engine, tmp_path, at=datetime.now(UTC) - timedelta(days=3))


@pytest.fixture
def ops(campaign: Campaign, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Act as an ops operator of 东湖区; returns the user id."""
    _user, token = add_user(
        campaign.engine, "ops.east", name="东湖经办", roles=["ops"], scope="东湖区"
    )
    settings = Settings(
        data_dir=tmp_path,
        store_url=campaign.engine.url.render_as_string(hide_password=False),
        token=SecretStr(token),
        person_key_secret=SecretStr(SECRET.decode()),
    )
    monkeypatch.setattr(State, "settings", settings)
    return "ops.east"


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(deliver_app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def as_json(*args: str) -> Any:
    return json.loads(invoke(*args, "--json"))


def test_confirm_by_id_number_as_the_token_s_user_then_again(campaign: Campaign, ops: str) -> None:
    yesterday = datetime.now(SHANGHAI).date() - timedelta(days=1)
    at = f"{yesterday.isoformat()}T10:00"
    out = invoke("confirm", CID, WANG, "package", "--proof", "IMG_7", "--at", at)
    assert out.startswith(f"confirmed package for 310104********0013 at {yesterday}T02:00:00+00:00")
    assert WANG not in out
    again = as_json("confirm", CID, WANG.lower(), "package", "--proof", "other")
    assert again["recorded"] is False and again["confirmed_by"] == ops and again["proof"] == "IMG_7"
    assert "already confirmed" in invoke("confirm", CID, WANG, "package", "--proof", "x")
    assert campaign.ledger_count(EventType.DELIVERY_CONFIRMED) == 1


def test_mistakes_are_one_line_errors(campaign: Campaign, ops: str) -> None:
    out = invoke("confirm", CID, LI, "heating", "--proof", "x", code=1)
    assert (
        out == f"error: heating was never issued to 310104********0017 in campaign {CID}:"
        " nothing to confirm\n"
    )
    out = invoke("confirm", CID, "110105194912310038", "package", "--proof", "x", code=1)
    assert out == f"error: no household 110105********0038 in {CID}\n"
    assert invoke("confirm", CID, "310104198501010014", "package", "--proof", "x", code=1) == (
        "error: 310104********0014 is not a valid ID number (公民身份号码)\n"
    )
    out = invoke("confirm", CID, "110105194912310011", "package", "--proof", "x", code=1)
    assert "outside ops.east's jurisdiction" in out  # a 西山区 household
    out = invoke("confirm", CID, WANG, "package", "--proof", "x", "--at", "2099-01-01", code=1)
    assert out == "error: --at 2099-01-01 is in the future\n"
    out = invoke("confirm", CID, WANG, "package", "--proof", "x", "--at", "2020-01-01", code=1)
    assert "it cannot have been delivered on 2020-01-01" in out
    assert "Traceback" not in out


def test_files_status_and_a_returned_sheet(campaign: Campaign, ops: str, tmp_path: Path) -> None:
    banks = as_json("bank-files", CID, "--out", str(tmp_path / "bank"))
    assert [Path(f).name for f in banks["files"]] == [
        f"{CID}-bank-city-东湖区.csv",
        f"{CID}-bank-district-东湖区.csv",
    ]  # only the user's district
    sheets = as_json("checklists", CID, "--out", str(tmp_path / "sheets"))["files"]
    assert sheets and all("-东湖区-" in Path(p).name for p in sheets)
    sheet = next(Path(p) for p in sheets if p.endswith("-梅园一社区.xlsx"))
    book = load_workbook(sheet)
    header = [c.value for c in book.active[2]]
    book.active.cell(3, header.index("签收人") + 1).value = "王芳"
    yesterday = datetime.now(SHANGHAI).date() - timedelta(days=1)
    book.active.cell(3, header.index("签收日期") + 1).value = yesterday.isoformat()
    book.save(sheet)
    report = as_json("checklist", CID, str(sheet))
    assert (report["confirmed"], report["problems"]) == (1, [])
    assert "0 confirmed now, 1 confirmed before" in invoke("checklist", CID, str(sheet))
    status = as_json("status", CID, "--district", "东湖区")
    assert status["districts"]["东湖区"]["confirmed"] == 1
    assert all(p.startswith("东湖区/") for p in status["unconfirmed_by_community"])
    assert "outside" in invoke("status", CID, "--district", "西山区", code=1)
