"""Smoke test of ``warmth bench import``: it measures real work (no timing asserted)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warmth.bench import reference
from warmth.bench.import_bench import run_import_bench
from warmth.bench.rosters import bench_plan, cached_roster
from warmth.cli.app import app
from warmth.cli.common import State
from warmth.roster import check_file

ROWS = 2000


def test_bench_registers_one_household_per_distinct_valid_person(tmp_path: Path) -> None:
    result = run_import_bench(ROWS, cache_dir=tmp_path / "cache", store_dir=tmp_path)

    path, generated = cached_roster(tmp_path / "cache", ROWS, "csv")
    assert not generated  # the benchmark generated it, once
    plan = bench_plan(datetime.now(UTC))
    checked = check_file(path, plan.categories, list(plan.jurisdiction.communities()))
    assert checked.rows == ROWS
    assert checked.merged > 0 and checked.rejected_rows > 0  # re-reports and bad rows
    assert result.households == checked.people
    assert result.people == checked.people
    assert [s.name for s in result.stages] == ["check", "import", "register"]
    assert result.stages[2].rows == checked.accepted
    assert set(result.summary()) == {"rows", "format", "seconds", "peak_rss_mb"}
    assert result.summary()["rows"] == ROWS


def test_command_ends_with_one_json_line(tmp_path: Path) -> None:
    settings = State.settings  # the command's --data-dir replaces the process-wide settings
    try:
        out = CliRunner().invoke(
            app,
            ["--data-dir", str(tmp_path), "bench", "import", "--rows", str(ROWS), "--no-reference"],
        )
    finally:
        State.settings = settings
    assert out.exit_code == 0, out.output
    lines = out.stdout.strip().splitlines()
    assert "import+register" in out.stdout
    summary = json.loads(lines[-1])
    assert set(summary) == {"rows", "format", "seconds", "peak_rss_mb"}
    assert summary["rows"] == ROWS and summary["format"] == "csv"
    assert summary["seconds"] > 0 and summary["peak_rss_mb"] > 0
    assert not any(line.startswith("{") for line in lines[:-1])


def test_the_machine_reference_times_the_guides_workload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The guide's figure is for 100,000 rows; a small file keeps the test quick.
    monkeypatch.setattr(reference, "GUIDE_ROWS", 300)
    measured = reference.measure_reference(tmp_path)
    assert (tmp_path / "roster-300-s2026-v1.xlsx").exists()
    assert 0 < measured.seconds < 60
    slow = reference.Reference(seconds=2.0)
    assert slow.speed == 0.5
    assert "in 2.00 s; the guide quotes 1.0 s" in slow.line() and "ratio 0.50" in slow.line()
