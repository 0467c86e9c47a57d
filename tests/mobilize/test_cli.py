"""``warmth staff`` and ``warmth charity`` as a user runs them, with a token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import SecretStr
from sqlalchemy import Engine
from typer.testing import CliRunner

from warmth.cli.common import State
from warmth.cli.staff import charity_app, staff_app
from warmth.domain.events import EventType
from warmth.settings import Settings
from warmth.store import users as user_store
from warmth.store.campaigns import create_campaign
from warmth.store.engine import open_store_engine
from warmth.store.ledger import events_of

from .helpers import AT, CAMPAIGN, PLAN, staff_file

runner = CliRunner()
ROWS = [
    ["张伟", "13800138001", "东湖区/梅园街道/梅园一社区", "包保人"],
    ["李娜", "13800138002", "西山区/枫桥街道/枫桥一社区", "回访员"],
    ["钱七", "not a phone", "东湖区/梅园街道/梅园一社区", "包保人"],
]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    settings = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path / 'warmth.db'}")
    monkeypatch.setattr(State, "settings", settings)
    engine = open_store_engine(settings.resolved_store_url())
    create_campaign(engine, CAMPAIGN, PLAN, "ops", AT)
    yield engine
    engine.dispose()


def login(engine: Engine, user_id: str, role: str, scope: str = "") -> None:
    _user, token = user_store.add_user(engine, user_id, name=user_id, roles=[role], scope=scope)
    State.settings = State.settings.model_copy(update={"token": SecretStr(token)})


def invoke(app: typer.Typer, *args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def as_json(app: typer.Typer, *args: str) -> Any:
    return json.loads(invoke(app, *args, "--json"))


def test_staff_import_list_and_deactivate(store: Engine, tmp_path: Path) -> None:
    login(store, "ops.city", "ops")
    path = str(staff_file(tmp_path / "staff.csv", *ROWS))
    out = invoke(staff_app, "import", CAMPAIGN, path)
    assert "3 rows, 2 accepted, 1 rejected" in out and "2 registered" in out
    assert "row 3 phone:" in out
    again = as_json(staff_app, "import", CAMPAIGN, path)
    assert again["changed"] is False and again["unchanged"] == 2
    assert [(r["row"], r["field"]) for r in again["rejected"]] == [(3, "phone")]

    listed = as_json(staff_app, "list", CAMPAIGN, "--role", "cadre")
    assert [(m["name"], m["phone"], m["unit"]) for m in listed] == [
        ("张*", "138****8001", "东湖区/梅园街道/梅园一社区")
    ]
    assert "13800138001" not in invoke(staff_app, "list", CAMPAIGN)

    staff_id = listed[0]["staff_id"]
    assert f"off duty: {staff_id}" in invoke(staff_app, "deactivate", CAMPAIGN, staff_id)
    assert "nothing changed" in invoke(staff_app, "deactivate", CAMPAIGN, staff_id)
    assert as_json(staff_app, "list", CAMPAIGN, "--active", "--role", "cadre") == []


def test_a_district_user_sees_and_imports_only_their_district(
    store: Engine, tmp_path: Path
) -> None:
    login(store, "ops.east", "ops", "东湖区")
    report = as_json(staff_app, "import", CAMPAIGN, str(staff_file(tmp_path / "s.csv", *ROWS)))
    assert report["accepted"] == 1
    assert [m["unit"] for m in as_json(staff_app, "list", CAMPAIGN)] == [
        "东湖区/梅园街道/梅园一社区"
    ]


def test_a_supervisor_may_not_import_staff_and_the_refusal_is_recorded(
    store: Engine, tmp_path: Path
) -> None:
    login(store, "sup", "supervisor")
    result = runner.invoke(
        staff_app, ["import", CAMPAIGN, str(staff_file(tmp_path / "s.csv", *ROWS))]
    )
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "needs the ops role" in result.output
    with store.connect() as conn:
        types = [e.type for e in events_of(conn, CAMPAIGN)]
    assert types.count(EventType.ACCESS_REFUSED) == 1


def test_without_a_token_or_with_an_unknown_campaign_one_line_errors(
    store: Engine, tmp_path: Path
) -> None:
    result = runner.invoke(charity_app, ["totals", CAMPAIGN])
    assert result.exit_code == 1 and "no token" in result.output
    login(store, "ops.city", "ops")
    result = runner.invoke(charity_app, ["totals", "nope"])
    assert result.exit_code == 1 and "unknown campaign 'nope'" in result.output
    assert "Traceback" not in result.output


def test_charity_pledge_receive_totals(store: Engine) -> None:
    login(store, "ops.city", "ops")
    args = ["pledge", CAMPAIGN, "--donor", "爱心企业", "--amount", "200000", "--note", "礼包"]
    first = as_json(charity_app, *args)
    again = as_json(charity_app, *args)
    assert first["recorded"] is True and again["recorded"] is False
    assert first["pledge_id"] == again["pledge_id"] and first["amount"] == "200000.00"
    pledge_id = first["pledge_id"]

    out = invoke(
        charity_app, "receive", CAMPAIGN, pledge_id, "--amount", "50000", "--proof", "回单1"
    )
    assert "50000.00 yuan" in out
    assert "recorded before" in invoke(
        charity_app, "receive", CAMPAIGN, pledge_id, "--amount", "50000", "--proof", "回单1"
    )
    assert as_json(charity_app, "totals", CAMPAIGN) == {
        "pledged": "200000.00",
        "received": "50000.00",
        "goal": "500000.00",
    }
    assert "pledged 200000.00, received 50000.00" in invoke(charity_app, "totals", CAMPAIGN)
    listed = as_json(charity_app, "list", CAMPAIGN)
    assert [(p["donor"], p["received"]) for p in listed] == [("爱心企业", "50000.00")]

    result = runner.invoke(charity_app, ["receive", CAMPAIGN, pledge_id, "--amount", "150000.01"])
    assert result.exit_code == 1 and "exceed the pledge" in result.output
    result = runner.invoke(charity_app, ["pledge", CAMPAIGN, "--donor", "x", "--amount", "-1"])
    assert result.exit_code == 1 and "amount must be" in result.output
