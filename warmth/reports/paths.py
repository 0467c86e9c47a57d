"""Where the report's files go: ASCII names built from the campaign id, always the same."""

from __future__ import annotations

from pathlib import Path

SUFFIXES: dict[str, str] = {
    "workbook": "statistics.xlsx",
    "outstanding": "outstanding.csv",
    "json": "statistics.json",
    "markdown": "summary.md",
    "html": "summary.html",
}
"""File kind -> the name's ending after ``<campaign id>-``; charts: ``<id>-<chart>.svg``."""


def file_name(campaign_id: str, kind: str) -> str:
    """``c1-statistics.xlsx`` for (``c1``, ``workbook``)."""
    if not campaign_id or any(c in campaign_id for c in "/\\\0") or campaign_id.startswith("."):
        raise ValueError(f"campaign id {campaign_id!r} cannot name a file")
    return f"{campaign_id}-{SUFFIXES[kind]}"


def report_paths(out_dir: Path, campaign_id: str) -> dict[str, Path]:
    """Every file of the report except the charts, by kind."""
    return {kind: out_dir / file_name(campaign_id, kind) for kind in SUFFIXES}
