"""Signed claims: round trip, expiry, tampering, wrong secrets, rotation."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from warmth.auth.claims import (
    TTL,
    InvalidClaims,
    make_claims,
    sign,
    verified_claims,
    verify,
)
from warmth.auth.rules import Role

SECRET = b"claims-secret-for-tests-0123456789"
OTHER = b"another-secret-nobody-shares-0000"
NOW = datetime(2026, 12, 1, 9, 0, 0, 500_000, tzinfo=UTC)


def signed(now: datetime = NOW, secret: bytes = SECRET) -> str:
    return sign(make_claims("wang.dh", ["supervisor", "ops"], "东湖区", now), secret)


def test_sign_and_verify_round_trip() -> None:
    claims = verify(signed(), SECRET, NOW + timedelta(seconds=10))
    assert claims.user_id == claims.id == "wang.dh"
    assert claims.roles == (Role.SUPERVISOR, Role.OPS)
    assert claims.scope == "东湖区"
    assert claims.issued_at == NOW.replace(microsecond=0)
    assert claims.expires_at - claims.issued_at == TTL == timedelta(minutes=5)


def test_claims_expire_after_five_minutes() -> None:
    token = signed()
    verify(token, SECRET, NOW + timedelta(minutes=4), leeway=timedelta(0))
    with pytest.raises(InvalidClaims, match="expired"):
        verify(token, SECRET, NOW + timedelta(minutes=5), leeway=timedelta(0))
    with pytest.raises(InvalidClaims, match="expired"):
        verify(token, SECRET, NOW + timedelta(minutes=6), leeway=timedelta(0))
    with pytest.raises(InvalidClaims, match="expired"):
        verify(token, SECRET, NOW + timedelta(minutes=7))  # beyond the default leeway


def test_claims_from_the_future_are_refused() -> None:
    with pytest.raises(InvalidClaims, match="future"):
        verify(signed(NOW + timedelta(minutes=3)), SECRET, NOW)
    verify(signed(NOW + timedelta(seconds=30)), SECRET, NOW)  # small clock skew is fine


def test_a_wrong_secret_is_refused() -> None:
    with pytest.raises(InvalidClaims, match="signature does not match"):
        verify(signed(secret=OTHER), SECRET, NOW)


def test_tampered_claims_are_refused() -> None:
    version, body, mac = signed().split(".")
    raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw["roles"] = ["supervisor", "ops", "auditor"]
    raw["scope"] = ""
    forged = base64.urlsafe_b64encode(json.dumps(raw).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidClaims, match="signature"):
        verify(f"{version}.{forged}.{mac}", SECRET, NOW)


@pytest.mark.parametrize("token", [None, "", "v1.abc", "v2.a.b", "v1.a.b.c", "v1.e30.!!!"])
def test_missing_or_malformed_claims_are_refused(token: str | None) -> None:
    with pytest.raises(InvalidClaims):
        verify(token, SECRET, NOW)


def test_a_correctly_signed_but_malformed_body_is_refused() -> None:
    from warmth.auth.claims import _b64, _mac

    body = _b64(b'{"sub":"x"}')
    with pytest.raises(InvalidClaims, match="malformed"):
        verify(f"v1.{body}.{_b64(_mac(SECRET, body))}", SECRET, NOW)


def test_rotation_any_listed_secret_verifies_the_first_signs() -> None:
    old = signed(secret=OTHER)
    assert verify(old, [SECRET, OTHER], NOW).user_id == "wang.dh"
    new = sign(make_claims("li", ["ops"], "", NOW), [SECRET, OTHER])
    assert verify(new, SECRET, NOW).user_id == "li"


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        signed(secret=b"short")
    with pytest.raises(ValueError, match="aware"):
        make_claims("li", ["ops"], "", datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="unknown role"):
        make_claims("li", ["boss"], "", NOW)


def test_outside_a_handler_nothing_is_verified() -> None:
    assert verified_claims() is None
