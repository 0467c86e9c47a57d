"""The hand-checked campaign of :mod:`tests.reports.campaign`, as a fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.reports.campaign import Campaign, followed_up, whole_campaign


@pytest.fixture
def campaign(engine: Engine, tmp_path: Path) -> Campaign:
    """The campaign after distribution, confirmations and callbacks."""
    return whole_campaign(engine, tmp_path)


@pytest.fixture
def followed(engine: Engine, tmp_path: Path) -> Campaign:
    """The campaign with its follow-up: callbacks, cases, hazards and urgent aid."""
    return followed_up(engine, tmp_path)
