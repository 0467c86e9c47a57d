"""Signed claims: who is acting, sealed by the client so a worker can trust it (签名凭据).

A client that has authenticated a user signs that user's claims — id, roles, scope,
issued-at and expiry (five minutes) — with HMAC-SHA256 under a secret shared by
clients and workers (``WARMTH_CLAIMS_SECRET``) and sends them in the Temporal header
``warmth-claims`` (see :mod:`warmth.auth.interceptors`). A worker verifies them before
a workflow's update validator runs, so an update sent straight to Temporal, without
the secret, is refused.

The wire form is one string, ``v1.<base64url(JSON)>.<base64url(MAC)>``; the MAC covers
the exact bytes, so no JSON canonicalisation is needed. Verification is pure and
deterministic (``hmac``/``hashlib``, the time given by the caller), fit for the
workflow sandbox.

Workflow code reads what the worker verified with :func:`verified_claims`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from temporalio import workflow

from warmth.auth.rules import USER_ID, Role, check_roles, check_scope

# The verified claims live in a module that is always passed through the sandbox, so the
# worker's interceptor (outside) and workflow code (inside) see the same context variable.
# (``from warmth.auth import _current`` would re-import it inside the sandbox.)
with workflow.unsafe.imports_passed_through():
    from warmth.auth._current import CLAIMS as _VERIFIED

HEADER = "warmth-claims"
VERSION = "v1"
TTL = timedelta(minutes=5)
LEEWAY = timedelta(seconds=60)
"""Tolerated clock difference between a client and the Temporal server."""

Secret = bytes | str
Secrets = Secret | Sequence[Secret]


class InvalidClaims(ValueError):
    """Claims missing, malformed, wrongly signed or out of their validity window."""


class Claims(BaseModel):
    """What a verified caller is: the user's id, roles and jurisdiction, and for how long."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(pattern=USER_ID.pattern)
    roles: tuple[Role, ...] = Field(min_length=1)
    scope: str
    issued_at: datetime
    expires_at: datetime

    @property
    def id(self) -> str:
        """The user id, so claims read like a :class:`~warmth.auth.rules.User`."""
        return self.user_id


def _key(secret: Secret) -> bytes:
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    if len(key) < 16:
        raise ValueError("the claims secret must be at least 16 bytes (WARMTH_CLAIMS_SECRET)")
    return key


def keys(secrets: Secrets) -> tuple[bytes, ...]:
    """The keys from one secret or several (the first signs; any verifies — for rotation)."""
    if isinstance(secrets, bytes | str):
        return (_key(secrets),)
    out = tuple(_key(s) for s in secrets)
    if not out:
        raise ValueError("no claims secret given")
    return out


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> bytes:
    return hmac.new(key, f"{VERSION}.{body}".encode("ascii"), hashlib.sha256).digest()


def make_claims(
    user_id: str,
    roles: Sequence[Role | str],
    scope: str,
    now: datetime,
    ttl: timedelta = TTL,
) -> Claims:
    """Claims for a user, valid from ``now`` (aware) for ``ttl``; times kept to the second."""
    if now.tzinfo is None:
        raise ValueError("claims need an aware datetime")
    issued = now.astimezone(UTC).replace(microsecond=0)
    return Claims(
        user_id=user_id,
        roles=check_roles(roles),
        scope=check_scope(scope),
        issued_at=issued,
        expires_at=issued + ttl,
    )


def sign(claims: Claims, secrets: Secrets) -> str:
    """The signed wire form of ``claims`` under the first of ``secrets``."""
    body = _b64(
        json.dumps(
            {
                "sub": claims.user_id,
                "roles": [r.value for r in claims.roles],
                "scope": claims.scope,
                "iat": int(claims.issued_at.timestamp()),
                "exp": int(claims.expires_at.timestamp()),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
    )
    return f"{VERSION}.{body}.{_b64(_mac(keys(secrets)[0], body))}"


def verify(
    token: str | None, secrets: Secrets, now: datetime, leeway: timedelta = LEEWAY
) -> Claims:
    """The claims in ``token`` if signed under one of ``secrets`` and valid at ``now``.

    Raises :class:`InvalidClaims` naming what is wrong (missing, malformed, bad
    signature, not yet valid, expired).
    """
    if not token:
        raise InvalidClaims(f"no signed claims ({HEADER} header missing)")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise InvalidClaims("malformed claims")
    _, body, mac = parts
    try:
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        raise InvalidClaims("malformed claims signature") from None
    if not any(hmac.compare_digest(_mac(k, body), given) for k in keys(secrets)):
        raise InvalidClaims("claims signature does not match (wrong WARMTH_CLAIMS_SECRET?)")
    try:
        raw = json.loads(_unb64(body))
        claims = Claims(
            user_id=raw["sub"],
            roles=check_roles(raw["roles"]),
            scope=check_scope(raw["scope"]),
            issued_at=datetime.fromtimestamp(int(raw["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(raw["exp"]), UTC),
        )
    except (binascii.Error, ValueError, TypeError, KeyError, ValidationError) as exc:
        raise InvalidClaims(f"malformed claims ({exc.__class__.__name__})") from None
    if claims.issued_at - leeway > now:
        raise InvalidClaims(f"claims issued in the future ({claims.issued_at.isoformat()})")
    if claims.expires_at + leeway <= now:
        raise InvalidClaims(
            f"claims of {claims.user_id} expired at {claims.expires_at.isoformat()}"
        )
    return claims


def verified_claims() -> Claims | None:
    """The claims the worker verified for the update (or signal) being handled, if any.

    Inside an update validator or handler on a worker with the claims interceptor this
    is never ``None``: unverified updates are refused before the validator runs. In a
    signal handler it is ``None`` when the sender sent none or invalid ones; in the
    workflow's run method it is the starter's claims, if verified at the first task.
    """
    return cast(Claims | None, _VERIFIED.get())
