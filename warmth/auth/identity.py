"""Identity (身份): a token names a user; the user's roles and scope say what they may do.

``authenticate`` is what the CLI, the HTTP API and the codec server call first;
``authorize`` (from :mod:`warmth.auth.rules`) is what a service function calls before
acting. Workflow code should import :mod:`warmth.auth.rules` and
:mod:`warmth.auth.claims` instead: this module reaches into the store.
"""

from __future__ import annotations

from sqlalchemy import Engine

from warmth.auth.rules import (
    Action,
    Forbidden,
    Principal,
    Role,
    Unauthorized,
    User,
    allowed,
    authorize,
)
from warmth.store import users as user_store

__all__ = [
    "Action",
    "Forbidden",
    "Principal",
    "Role",
    "Unauthorized",
    "User",
    "allowed",
    "authenticate",
    "authorize",
]


def authenticate(engine: Engine, token: str) -> User:
    """The user holding ``token``.

    Raises :class:`Unauthorized` with a one-line reason for an empty, unknown or
    revoked token and for a disabled user.
    """
    return user_store.user_for_token(engine, token)
