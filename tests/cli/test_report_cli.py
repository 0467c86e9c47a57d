"""``warmth report`` as a user runs it: the files, their SHA-256 and the time "as of now"."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from tests.reports.campaign import followed_up
from warmth.cli.app import app
from warmth.reports import CampaignStatistics
from warmth.store.users import add_user


def test_report_writes_the_files_as_of_now_and_prints_their_sha256(
    engine: Engine, tmp_path: Path
) -> None:
    followed_up(engine, tmp_path)
    _user, token = add_user(engine, "ops1", name="王科员", roles=["ops"])
    out = tmp_path / "out"
    store = f"sqlite:///{tmp_path / 'store.db'}"
    before = datetime.now(UTC)
    result = CliRunner().invoke(
        app, ["--store", store, "--token", token, "report", "c1", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert [Path(f).name for f in printed["files"]][:3] == [
        "c1-statistics.xlsx",
        "c1-outstanding.csv",
        "c1-statistics.json",
    ]
    for name, digest in printed["sha256"].items():
        assert hashlib.sha256(Path(name).read_bytes()).hexdigest() == digest
    stats = CampaignStatistics.model_validate_json(
        (out / "c1-statistics.json").read_text(encoding="utf-8")
    )
    assert before <= stats.computed_at <= datetime.now(UTC)  # as of now
    assert stats.callback_total().problems == 2
