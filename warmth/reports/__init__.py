"""The campaign's reports (活动报表): statistics workbook, JSON, charts and a summary page.

Everything is computed from the ledger (审计台账) by
:func:`warmth.reports.statistics.compute`, so the report can be written at any time —
a progress report (进度统计) during the campaign, the final one (最终统计) at its end —
and recomputed later with the same figures. Files written into ``out_dir``:

- ``<id>-statistics.xlsx`` — the 统计表 workbook, one sheet per table (the
  outstanding list there stops after :data:`~warmth.reports.workbook.LIST_ROWS` rows);
- ``<id>-outstanding.csv`` — the whole outstanding list (未签收名单), masked, UTF-8 with BOM;
- ``<id>-statistics.json`` — the same numbers (:class:`CampaignStatistics` as JSON);
- ``<id>-coverage.svg``, ``<id>-funds.svg`` — charts (left out if drawing fails);
- ``<id>-summary.md`` and ``<id>-summary.html`` — the one-page summary.

File names are ASCII so that they survive zip files, mail and every file system.
:func:`write_campaign_report` returns each file's path and SHA-256, which a
``ReportWritten`` ledger event records (``files: {name: sha256}``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine

from warmth.reports.charts import write_charts
from warmth.reports.labels import check_language
from warmth.reports.paths import report_paths
from warmth.reports.statistics import CampaignStatistics, check_as_of, compute
from warmth.reports.summary import render_html, render_markdown
from warmth.reports.workbook import outstanding_columns, outstanding_rows, write_workbook
from warmth.roster.export import write_csv
from warmth.store.sql import paused_gc

__all__ = [
    "CampaignStatistics",
    "ReportFile",
    "WrittenReport",
    "compute",
    "report_paths",
    "sha256_of",
    "write_campaign_report",
    "write_statistics_report",
]


class ReportFile(BaseModel):
    """One written file of the report and the SHA-256 of its bytes (hex)."""

    model_config = ConfigDict(frozen=True)

    path: Path
    sha256: str

    @property
    def name(self) -> str:
        return self.path.name


class WrittenReport(BaseModel):
    """What :func:`write_campaign_report` wrote, in writing order."""

    model_config = ConfigDict(frozen=True)

    files: list[ReportFile]

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    @property
    def digests(self) -> dict[str, str]:
        """File name -> SHA-256, as a ``ReportWritten`` event's ``files`` records them."""
        return {f.name: f.sha256 for f in self.files}


def sha256_of(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_campaign_report(
    engine: Engine,
    campaign_id: str,
    out_dir: Path,
    language: str = "zh",
    *,
    final: bool = False,
    as_of: datetime,
    charts: bool = True,
) -> WrittenReport:
    """Compute the statistics from the ledger and write every report file into ``out_dir``.

    ``language`` is ``zh`` (default) or ``en``; ``final`` marks the figures as the
    campaign's final statistics rather than progress; ``as_of`` (aware) is the report's
    统计时间, the instant overdue is judged at — pass workflow time from a workflow,
    now from the command line; ``charts=False`` leaves the charts out (a weekly
    progress report: drawing is most of a small report's time). Returns each file's
    path and SHA-256. Raises ``NotFound`` for an unknown campaign and ``ValueError``
    for an unknown language or a naive ``as_of``.
    """
    check_language(language)
    check_as_of(as_of)
    stats = compute(engine, campaign_id, final=final, as_of=as_of)
    paths = write_statistics_report(stats, out_dir, language, charts=charts)
    return WrittenReport(files=[ReportFile(path=p, sha256=sha256_of(p)) for p in paths])


def write_statistics_report(
    stats: CampaignStatistics, out_dir: Path, language: str = "zh", *, charts: bool = True
) -> list[Path]:
    """Write the report files of already computed statistics into ``out_dir``."""
    lang = check_language(language)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = report_paths(out_dir, stats.campaign_id)
    with paused_gc():
        return _write_files(stats, paths, out_dir, lang, charts)


def _write_files(
    stats: CampaignStatistics, paths: dict[str, Path], out_dir: Path, lang: str, with_charts: bool
) -> list[Path]:
    write_workbook(stats, paths["workbook"], lang, list_file=paths["outstanding"].name)
    write_csv(
        paths["outstanding"],
        [name for name, _ in outstanding_columns(lang)],
        outstanding_rows(stats, lang),
    )
    paths["json"].write_text(stats.model_dump_json(indent=2), encoding="utf-8")
    charts = write_charts(stats, out_dir, stats.campaign_id, lang) if with_charts else []
    paths["markdown"].write_text(render_markdown(stats, lang, charts), encoding="utf-8")
    paths["html"].write_text(render_html(stats, lang, charts), encoding="utf-8")
    return [
        paths["workbook"],
        paths["outstanding"],
        paths["json"],
        *charts,
        paths["markdown"],
        paths["html"],
    ]
