"""What every activity class receives: the store engine and a few settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine


@dataclass(frozen=True)
class ActivityContext:
    engine: Engine
    person_key_secret: bytes
    language: str = "zh"
    output_dir: Path = Path(".warmth") / "out"  # public-notice files and other outputs


def utcnow() -> datetime:
    """Activities may read the clock; workflows never do."""
    return datetime.now(UTC)
