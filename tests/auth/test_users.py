"""Users and tokens in the store; authenticate refuses unknown, revoked and disabled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select

from warmth.auth.identity import Role, Unauthorized, authenticate
from warmth.domain.errors import NotFound, Rejected
from warmth.store import users as store
from warmth.store.engine import alembic_config
from warmth.store.schema import metadata, tokens

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def test_a_new_user_gets_a_token_that_names_them(engine: Engine) -> None:
    user, token = store.add_user(
        engine, "wang.dh", name="王明", roles=["supervisor", "ops"], scope="东湖区", at=AT
    )
    assert user.roles == (Role.SUPERVISOR, Role.OPS)
    assert user.scope == "东湖区" and user.created_at == AT and not user.disabled
    assert authenticate(engine, token) == user
    assert len(token) >= 43


def test_only_the_hash_of_a_token_is_stored(engine: Engine) -> None:
    _, token = store.add_user(engine, "li", name="李", roles=["ops"])
    with engine.connect() as conn:
        stored = conn.execute(select(tokens.c.token_hash)).scalars().all()
    assert stored == [store.hash_token(token)]
    assert token not in stored[0]


def test_list_get_and_more_tokens(engine: Engine) -> None:
    store.add_user(engine, "b", name="B", roles=["caller"], scope="东湖区/梅园街道")
    store.add_user(engine, "a", name="A", roles=["auditor"])
    second = store.issue_token(engine, "b", label="laptop")
    assert [u.id for u in store.list_users(engine)] == ["a", "b"]
    assert store.get_user(engine, "b").scope == "东湖区/梅园街道"
    mine = store.list_tokens(engine, "b")
    assert len(mine) == 2 and {t.label for t in mine} == {None, "laptop"}
    assert authenticate(engine, second).id == "b"
    assert len(store.list_tokens(engine)) == 3


def test_a_revoked_token_no_longer_authenticates(engine: Engine) -> None:
    _, first = store.add_user(engine, "zhao", name="赵", roles=["cadre"])
    second = store.issue_token(engine, "zhao")
    info = store.revoke_token(engine, store.hash_token(first)[:8], at=AT)
    assert info.revoked_at == AT and not info.active
    with pytest.raises(Unauthorized, match="revoked at 2026-12-01 09:30"):
        authenticate(engine, first)
    assert authenticate(engine, second).id == "zhao"
    # a second revoke keeps the first time; the token itself and the full hash also name it
    again = store.revoke_token(engine, first, at=datetime(2027, 1, 1, tzinfo=UTC))
    assert again.revoked_at == AT
    assert store.find_token(engine, info.token_hash).token_hash == info.token_hash


def test_a_disabled_user_fails_with_every_token_and_gets_no_new_one(engine: Engine) -> None:
    _, token = store.add_user(engine, "qian", name="钱", roles=["ops"])
    assert store.disable_user(engine, "qian").disabled
    with pytest.raises(Unauthorized, match="user qian is disabled"):
        authenticate(engine, token)
    with pytest.raises(Rejected, match="disabled"):
        store.issue_token(engine, "qian")
    assert store.disable_user(engine, "qian").disabled  # idempotent


@pytest.mark.parametrize("token", ["", "  ", "not-a-token"])
def test_an_unknown_or_empty_token_is_unauthorized(engine: Engine, token: str) -> None:
    store.add_user(engine, "sun", name="孙", roles=["ops"])
    with pytest.raises(Unauthorized, match="token"):
        authenticate(engine, token)


@pytest.mark.parametrize(
    ("user_id", "roles", "scope", "message"),
    [
        ("bad id", ["ops"], "", "user id"),
        ("ok", ["mayor"], "", "unknown role"),
        ("ok", [], "", "at least one role"),
        ("ok", ["ops"], "东湖区/", "not a jurisdiction path"),
        ("ok", ["ops"], "/东湖区", "not a jurisdiction path"),
    ],
)
def test_malformed_users_are_rejected(
    engine: Engine, user_id: str, roles: list[str], scope: str, message: str
) -> None:
    with pytest.raises(Rejected, match=message):
        store.add_user(engine, user_id, name="X", roles=roles, scope=scope)
    assert store.list_users(engine) == []


def test_ids_are_unique_and_unknown_ones_are_not_found(engine: Engine) -> None:
    store.add_user(engine, "zhou", name="周", roles=["ops"])
    with pytest.raises(Rejected, match="exists already"):
        store.add_user(engine, "zhou", name="周二", roles=["ops"])
    for call in (
        lambda: store.get_user(engine, "nobody"),
        lambda: store.disable_user(engine, "nobody"),
        lambda: store.issue_token(engine, "nobody"),
        lambda: store.revoke_token(engine, "abcdef12"),
    ):
        with pytest.raises(NotFound):
            call()


def test_a_token_id_must_be_unique(engine: Engine) -> None:
    store.add_user(engine, "wu", name="吴", roles=["ops"])
    with engine.begin() as conn:
        for h in ("abcdef01" + "0" * 56, "abcdef02" + "0" * 56):
            conn.execute(tokens.insert().values(token_hash=h, user_id="wu", created_at=AT))
    with pytest.raises(Rejected, match="ambiguous"):
        store.revoke_token(engine, "ABCDEF0")
    assert store.revoke_token(engine, "abcdef02").token_hash.startswith("abcdef02")
    assert store.find_token(engine, "abcdef01").active


def test_migration_0004_downgrades_and_upgrades_cleanly(engine: Engine) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert not {"users", "tokens"} & set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
