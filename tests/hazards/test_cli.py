"""``warmth hazard`` and ``warmth case list`` as a user runs them, with a token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.hazards.test_rectifications import a_household
from tests.mobilize.helpers import CAMPAIGN, SECRET, campaign_with_households
from warmth.cli.app import app
from warmth.cli.common import State
from warmth.settings import Settings
from warmth.store import users as user_store
from warmth.store.engine import open_store_engine

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'warmth.db'}"
    settings = Settings(
        data_dir=tmp_path, store_url=url, person_key_secret=SecretStr(SECRET.decode())
    )
    monkeypatch.setattr(State, "settings", settings)
    monkeypatch.setattr("warmth.cli.app.Settings", lambda: State.settings)  # keep it per run
    engine = open_store_engine(url)
    campaign_with_households(engine, tmp_path, 40)
    _user, token = user_store.add_user(
        engine, "ops.east", name="经办", roles=["ops"], scope="东湖区"
    )
    State.settings = State.settings.model_copy(update={"token": SecretStr(token)})
    yield engine
    engine.dispose()


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def as_json(*args: str) -> Any:
    return json.loads(invoke(*args, "--json"))


def test_add_list_and_fix_a_hazard(store: Engine) -> None:
    id_number, _key = a_household(store)
    out = invoke("hazard", "add", CAMPAIGN, id_number, "--kind", "用气", "--note", "软管老化")
    assert out.startswith("task opened:") and id_number not in out
    again = as_json("hazard", "add", CAMPAIGN, id_number, "--kind", "用气", "--note", "再次发现")
    assert again["recorded"] is False
    task = again["task"]["task_id"]
    listed = as_json("hazard", "list", CAMPAIGN, "--open")
    assert [t["task_id"] for t in listed] == [task]
    assert "already open" not in invoke("hazard", "fixed", CAMPAIGN, task, "--note", "已更换")
    assert "fixed before" in invoke("hazard", "fixed", CAMPAIGN, task, "--note", "again")
    assert "no rectification task open" in invoke("hazard", "list", CAMPAIGN, "--open")
    err = invoke("hazard", "add", CAMPAIGN, id_number, "--kind", "噪音", "--note", "x", code=1)
    assert "unknown hazard kind" in err
    assert "no urgent case" in invoke("case", "list", CAMPAIGN)
