"""``warmth user``: add users, list them, disable them, issue and revoke their tokens.

A token is printed once, when issued; the store keeps only its hash. A token is
named afterwards by its *token id* (the first characters of that hash, shown by
``warmth user list``), by its full hash, or by the token itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from sqlalchemy import Engine

from warmth.auth.rules import Role, User
from warmth.cli.common import JSON_OPT, engine, print_json, sync
from warmth.store import users as user_store
from warmth.store.users import TokenInfo

T = TypeVar("T")

user_app = typer.Typer(
    help="Users (用户), their roles and jurisdiction, and their tokens (令牌).",
    no_args_is_help=True,
)
ROLE_HELP = "role: " + ", ".join(f"{r.value} ({r.label_zh})" for r in Role) + "; repeatable"
LABEL_OPT = typer.Option(None, "--label", help="what the token is for (a device, a service)")


@contextmanager
def _store() -> Iterator[Engine]:
    eng = engine()
    try:
        yield eng
    finally:
        eng.dispose()


def _with_store(fn: Callable[[Engine], T]) -> T:
    def go() -> T:
        with _store() as eng:
            return fn(eng)

    return sync(go)


def _user_json(user: User, tokens: list[TokenInfo] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = user.model_dump(mode="json")
    if tokens is not None:
        out["tokens"] = [_token_json(t) for t in tokens]
    return out


def _token_json(t: TokenInfo) -> dict[str, Any]:
    return {
        "token_id": t.token_id,
        "token_hash": t.token_hash,
        "user_id": t.user_id,
        "label": t.label,
        "created_at": t.created_at.isoformat(),
        "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
    }


def _describe(user: User) -> str:
    roles = ", ".join(r.value for r in user.roles)
    state = " [disabled]" if user.disabled else ""
    return f"{user.id} ({user.name}) — {roles}; scope {user.scope or 'the whole city'}{state}"


def _echo_token(token: str, info: TokenInfo) -> None:
    typer.echo(f"token {info.token_id} (shown once — keep it secret, it cannot be shown again):")
    typer.echo(token)


@user_app.command("add")
def add(
    user_id: str = typer.Argument(..., metavar="ID", help="login id, e.g. wang.city"),
    name: str = typer.Option(..., "--name", help="the person's name (姓名)"),
    role: list[Role] = typer.Option(..., "--role", help=ROLE_HELP),
    scope: str = typer.Option(
        "", "--scope", help="jurisdiction: '' whole city, '区', '区/街道' (default: the city)"
    ),
    label: str | None = LABEL_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Add a user and print their first token (once)."""

    def go(eng: Engine) -> tuple[User, str, TokenInfo]:
        user, token = user_store.add_user(
            eng, user_id, name=name, roles=role, scope=scope, label=label
        )
        return user, token, user_store.find_token(eng, token)

    user, token, info = _with_store(go)
    if json_out:
        print_json({"user": _user_json(user), "token": token, "token_id": info.token_id})
        return
    typer.echo(f"added {_describe(user)}")
    _echo_token(token, info)


@user_app.command("list")
def list_(json_out: bool = JSON_OPT) -> None:
    """Every user with their roles, scope and tokens (by token id, never the token)."""

    def go(eng: Engine) -> list[tuple[User, list[TokenInfo]]]:
        tokens = user_store.list_tokens(eng)
        return [(u, [t for t in tokens if t.user_id == u.id]) for u in user_store.list_users(eng)]

    rows = _with_store(go)
    if json_out:
        print_json([_user_json(u, ts) for u, ts in rows])
        return
    if not rows:
        typer.echo("no users yet; add one with `warmth user add ID --name … --role …`")
    for user, tokens in rows:
        typer.echo(_describe(user))
        for t in tokens:
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            label = f"  {t.label}" if t.label else ""
            typer.echo(f"   token {t.token_id}  {state:<22} issued {t.created_at:%Y-%m-%d}{label}")


@user_app.command("disable")
def disable(
    user_id: str = typer.Argument(..., metavar="ID"),
    json_out: bool = JSON_OPT,
) -> None:
    """Disable a user: none of their tokens works any more."""
    user = _with_store(lambda eng: user_store.disable_user(eng, user_id))
    if json_out:
        print_json(_user_json(user))
    else:
        typer.echo(f"disabled {user.id}; their tokens no longer work")


@user_app.command("token")
def token(
    user_id: str = typer.Argument(..., metavar="ID"),
    label: str | None = LABEL_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Issue another token to a user and print it (once)."""

    def go(eng: Engine) -> tuple[str, TokenInfo]:
        new = user_store.issue_token(eng, user_id, label=label)
        return new, user_store.find_token(eng, new)

    new, info = _with_store(go)
    if json_out:
        print_json({"user_id": user_id, "token": new, "token_id": info.token_id})
        return
    _echo_token(new, info)


@user_app.command("revoke")
def revoke(
    ref: str = typer.Argument(
        ..., metavar="TOKEN_PREFIX_OR_HASH", help="token id (hash prefix), full hash, or the token"
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Revoke a token."""
    info = _with_store(lambda eng: user_store.revoke_token(eng, ref))
    if json_out:
        print_json(_token_json(info))
    else:
        assert info.revoked_at is not None
        typer.echo(
            f"token {info.token_id} of {info.user_id} revoked"
            f" ({info.revoked_at:%Y-%m-%d %H:%M} UTC)"
        )
