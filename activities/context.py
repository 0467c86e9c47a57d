"""What every activity class receives: the store engine and a few settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine


@dataclass(frozen=True)
class ActivityContext:
    engine: Engine
    person_key_secret: bytes
    language: str = "zh"


def utcnow() -> datetime:
    """Activities may read the clock; workflows never do."""
    return datetime.now(UTC)
