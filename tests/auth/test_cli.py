"""``warmth user``: add, list, token, revoke, disable — in text and with --json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warmth.auth.identity import Unauthorized, authenticate
from warmth.cli.common import State
from warmth.cli.users import user_app
from warmth.settings import Settings
from warmth.store.engine import open_store_engine

runner = CliRunner()


@pytest.fixture(autouse=True)
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    s = Settings(data_dir=tmp_path, store_url=f"sqlite:///{tmp_path / 'warmth.db'}")
    monkeypatch.setattr(State, "settings", s)
    return s


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(user_app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def as_json(*args: str) -> Any:
    return json.loads(invoke(*args, "--json"))


def test_add_prints_a_token_once_and_it_authenticates(settings: Settings) -> None:
    out = invoke("add", "wang.dh", "--name", "王明", "--role", "supervisor", "--scope", "东湖区")
    assert "added wang.dh (王明) — supervisor; scope 东湖区" in out
    token = out.strip().splitlines()[-1]
    engine = open_store_engine(settings.resolved_store_url())
    try:
        assert authenticate(engine, token).id == "wang.dh"
    finally:
        engine.dispose()
    assert token not in invoke("list")


def test_the_whole_life_of_a_user_in_json(settings: Settings) -> None:
    added = as_json("add", "li", "--name", "李", "--role", "ops", "--role", "cadre")
    assert added["user"]["roles"] == ["ops", "cadre"] and added["user"]["scope"] == ""
    second = as_json("token", "li", "--label", "phone")
    listed = as_json("list")
    assert [u["id"] for u in listed] == ["li"]
    assert {t["token_id"] for t in listed[0]["tokens"]} == {added["token_id"], second["token_id"]}
    assert all("token" not in t for t in listed[0]["tokens"])

    revoked = as_json("revoke", added["token_id"])
    assert revoked["token_id"] == added["token_id"] and revoked["revoked_at"]
    disabled = as_json("disable", "li")
    assert disabled["disabled"] is True

    engine = open_store_engine(settings.resolved_store_url())
    try:
        with pytest.raises(Unauthorized, match="revoked"):
            authenticate(engine, added["token"])
        with pytest.raises(Unauthorized, match="disabled"):
            authenticate(engine, second["token"])
    finally:
        engine.dispose()


def test_text_output_of_list_token_revoke_disable() -> None:
    assert "no users yet" in invoke("list")
    invoke("add", "zhao", "--name", "赵", "--role", "caller", "--scope", "东湖区/梅园街道")
    out = invoke("token", "zhao", "--label", "回访热线")
    token_id = out.split()[1]
    token = out.strip().splitlines()[-1]
    listing = invoke("list")
    assert "zhao (赵) — caller; scope 东湖区/梅园街道" in listing
    assert f"token {token_id}" in listing and "回访热线" in listing
    assert f"token {token_id} of zhao revoked" in invoke("revoke", token)
    assert "revoked" in invoke("list")
    assert "disabled zhao" in invoke("disable", "zhao")
    assert "[disabled]" in invoke("list")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "x", "--name", "X", "--role", "ops", "--scope", "a//b"), "jurisdiction path"),
        (("disable", "nobody"), "unknown user 'nobody'"),
        (("token", "nobody"), "unknown user 'nobody'"),
        (("revoke", "deadbeef"), "no token 'deadbeef'"),
    ],
)
def test_mistakes_are_one_line_and_a_non_zero_exit(args: tuple[str, ...], message: str) -> None:
    result = runner.invoke(user_app, list(args))
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and message in result.output
    assert "Traceback" not in result.output


def test_a_duplicate_user_and_an_unknown_role_are_refused() -> None:
    invoke("add", "sun", "--name", "孙", "--role", "ops")
    result = runner.invoke(user_app, ["add", "sun", "--name", "孙", "--role", "ops"])
    assert result.exit_code == 1 and "exists already" in result.output
    result = runner.invoke(user_app, ["add", "qian", "--name", "钱", "--role", "mayor"])
    assert result.exit_code == 2  # typer's own usage error lists the roles
