"""Users (用户) and their API tokens (令牌).

A token is ``secrets.token_urlsafe(32)``, shown once when issued; the store keeps only
its SHA-256 (hex), so a stolen database yields no usable token. A token is named
afterwards by a prefix of that hash (its *token id*, 12 hex characters by default).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, Row, select, update

from warmth.auth.rules import USER_ID, Role, Unauthorized, User, check_roles, check_scope
from warmth.domain.errors import NotFound, Rejected
from warmth.store.ledger import as_utc
from warmth.store.schema import tokens, users

TOKEN_ID_LENGTH = 12
MIN_PREFIX = 6
_HEX = re.compile(r"^[0-9a-f]+$")


class TokenInfo(BaseModel):
    """A token as the store knows it: never the token itself."""

    model_config = ConfigDict(frozen=True)

    token_hash: str
    user_id: str
    created_at: datetime
    revoked_at: datetime | None = None
    label: str | None = None

    @property
    def token_id(self) -> str:
        """The short name shown in lists and accepted by ``warmth user revoke``."""
        return self.token_hash[:TOKEN_ID_LENGTH]

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    """SHA-256 hex of a token: how it is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _now(at: datetime | None) -> datetime:
    return (at or datetime.now(UTC)).astimezone(UTC)


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        name=row.name,
        roles=row.roles,
        scope=row.scope,
        disabled=bool(row.disabled),
        created_at=as_utc(row.created_at),
    )


def _token(row: Row[Any]) -> TokenInfo:
    return TokenInfo(
        token_hash=row.token_hash,
        user_id=row.user_id,
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at) if row.revoked_at is not None else None,
        label=row.label,
    )


def _get(conn: Connection, user_id: str) -> User:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"unknown user {user_id!r}")
    return _user(row)


def _issue(conn: Connection, user_id: str, label: str | None, at: datetime) -> str:
    token = new_token()
    conn.execute(
        tokens.insert().values(
            token_hash=hash_token(token), user_id=user_id, created_at=at, label=label
        )
    )
    return token


def add_user(
    engine: Engine,
    user_id: str,
    *,
    name: str,
    roles: Sequence[Role | str],
    scope: str = "",
    label: str | None = None,
    at: datetime | None = None,
) -> tuple[User, str]:
    """Create a user and their first token; return both (the token is never stored).

    Raises :class:`Rejected` for a taken id or a malformed id, role or scope.
    """
    try:
        if not USER_ID.match(user_id):
            raise ValueError(
                f"user id {user_id!r} must be 1-64 letters, digits, '.', '_', '@' or '-'"
            )
        if not name.strip():
            raise ValueError("a user needs a name")
        role_list = check_roles(roles)
        check_scope(scope)
    except ValueError as exc:
        raise Rejected(str(exc)) from None
    when = _now(at)
    with engine.begin() as conn:
        if conn.execute(select(users.c.id).where(users.c.id == user_id)).first() is not None:
            raise Rejected(f"user {user_id!r} exists already")
        conn.execute(
            users.insert().values(
                id=user_id,
                name=name.strip(),
                roles=[r.value for r in role_list],
                scope=scope,
                disabled=False,
                created_at=when,
            )
        )
        token = _issue(conn, user_id, label, when)
        user = _get(conn, user_id)
    return user, token


def get_user(engine: Engine, user_id: str) -> User:
    with engine.connect() as conn:
        return _get(conn, user_id)


def list_users(engine: Engine) -> list[User]:
    """Every user, by id."""
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.id))]


def list_tokens(engine: Engine, user_id: str | None = None) -> list[TokenInfo]:
    """Tokens (revoked ones too), oldest first; of one user when ``user_id`` is given."""
    query = select(tokens).order_by(tokens.c.created_at, tokens.c.token_hash)
    if user_id is not None:
        query = query.where(tokens.c.user_id == user_id)
    with engine.connect() as conn:
        return [_token(r) for r in conn.execute(query)]


def disable_user(engine: Engine, user_id: str) -> User:
    """Disable a user: every token of theirs stops working (idempotent)."""
    with engine.begin() as conn:
        _get(conn, user_id)
        conn.execute(update(users).where(users.c.id == user_id).values(disabled=True))
        return _get(conn, user_id)


def issue_token(
    engine: Engine, user_id: str, *, label: str | None = None, at: datetime | None = None
) -> str:
    """Another token for an enabled user (a second device, a replacement)."""
    with engine.begin() as conn:
        user = _get(conn, user_id)
        if user.disabled:
            raise Rejected(f"user {user_id!r} is disabled; no token issued")
        return _issue(conn, user_id, label, _now(at))


def find_token(engine: Engine, ref: str) -> TokenInfo:
    """The token named by ``ref``: the token itself, its full hash, or a unique hash prefix."""
    ref = ref.strip()
    with engine.connect() as conn:
        return _find(conn, ref)


def _find(conn: Connection, ref: str) -> TokenInfo:
    lowered = ref.lower()
    if _HEX.match(lowered) and len(lowered) == 64:
        row = conn.execute(select(tokens).where(tokens.c.token_hash == lowered)).first()
        if row is not None:
            return _token(row)
    elif _HEX.match(lowered) and len(lowered) >= MIN_PREFIX:
        rows = conn.execute(
            select(tokens).where(tokens.c.token_hash.like(f"{lowered}%")).limit(2)
        ).all()
        if len(rows) > 1:
            raise Rejected(f"token id {ref!r} is ambiguous; give more characters")
        if rows:
            return _token(rows[0])
    row = conn.execute(select(tokens).where(tokens.c.token_hash == hash_token(ref))).first()
    if row is None:
        raise NotFound(
            f"no token {ref!r}: give the token, its hash or a token id of at least"
            f" {MIN_PREFIX} hex characters (see `warmth user list`)"
        )
    return _token(row)


def revoke_token(engine: Engine, ref: str, *, at: datetime | None = None) -> TokenInfo:
    """Revoke the token named by ``ref`` (see :func:`find_token`); a second revoke keeps the
    first time."""
    with engine.begin() as conn:
        info = _find(conn, ref.strip())
        if info.revoked_at is None:
            conn.execute(
                update(tokens)
                .where(tokens.c.token_hash == info.token_hash)
                .values(revoked_at=_now(at))
            )
            info = _find(conn, info.token_hash)
    return info


def user_for_token(engine: Engine, token: str) -> User:
    """The enabled user holding an active ``token``, or :class:`Unauthorized` saying why not."""
    if not token or not token.strip():
        raise Unauthorized("no token given")
    with engine.connect() as conn:
        row = conn.execute(
            select(tokens).where(tokens.c.token_hash == hash_token(token.strip()))
        ).first()
        if row is None:
            raise Unauthorized("unknown token")
        info = _token(row)
        if info.revoked_at is not None:
            raise Unauthorized(
                f"token {info.token_id} was revoked at {info.revoked_at:%Y-%m-%d %H:%M} UTC"
            )
        try:
            user = _get(conn, info.user_id)
        except NotFound:
            raise Unauthorized(f"token {info.token_id} belongs to no user") from None
    if user.disabled:
        raise Unauthorized(f"user {user.id} is disabled")
    return user
