"""Fixtures and sample data for the codec tests: a two-key ring and personal data."""

from __future__ import annotations

import pytest

from warmth.codec import KeyRing, generate_key

NAME = "张秀英"
"""A name that must never appear in clear in an encoded payload."""
ID_NUMBER = "310112195003071234"
"""An 18-digit resident ID number (format only)."""
MOBILE = "13812345678"


@pytest.fixture
def keyring() -> KeyRing:
    """A ring with one key, k1, current."""
    return KeyRing(current="k1", keys={"k1": generate_key()})
