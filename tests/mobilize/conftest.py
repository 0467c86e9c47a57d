"""Fixtures of the mobilize tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.mobilize.helpers import (
    AT,
    CADRES,
    CAMPAIGN,
    OPS,
    SECRET,
    campaign_with_households,
    staff_file,
)
from warmth import staff


@pytest.fixture
def setup(engine: Engine, tmp_path: Path) -> Path:
    campaign_with_households(engine, tmp_path)
    path = staff_file(tmp_path / "cadres.csv", *CADRES)
    staff.import_staff(engine, SECRET, CAMPAIGN, path, actor=OPS, at=AT)
    return tmp_path
