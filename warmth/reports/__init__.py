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
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from warmth.reports.charts import write_charts
from warmth.reports.labels import check_language
from warmth.reports.paths import report_paths
from warmth.reports.statistics import CampaignStatistics, compute, paused_gc
from warmth.reports.summary import render_html, render_markdown
from warmth.reports.workbook import outstanding_columns, outstanding_rows, write_workbook
from warmth.roster.export import write_csv

__all__ = [
    "CampaignStatistics",
    "compute",
    "report_paths",
    "write_campaign_report",
    "write_statistics_report",
]


def write_campaign_report(
    engine: Engine,
    campaign_id: str,
    out_dir: Path,
    language: str = "zh",
    *,
    final: bool = False,
    at: datetime | None = None,
    charts: bool = True,
) -> list[Path]:
    """Compute the statistics from the ledger and write every report file; returns their paths.

    ``language`` is ``zh`` (default) or ``en``; ``final`` marks the figures as the
    campaign's final statistics rather than progress; ``charts=False`` leaves the
    charts out (a weekly progress report: drawing is most of a small report's time).
    Raises ``NotFound`` for an unknown campaign and ``ValueError`` for an unknown language.
    """
    check_language(language)
    stats = compute(engine, campaign_id, final=final, at=at)
    return write_statistics_report(stats, out_dir, language, charts=charts)


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
