"""Report charts (统计图) as SVG: coverage by district, money by fund source against budget.

Drawn with matplotlib's object API on an Agg canvas attached inside each function —
no pyplot, no global backend switch, nothing done at import time.

Fonts: Chinese labels need a CJK font. :func:`cjk_font` looks for one among the fonts
matplotlib knows (a font that has a glyph for 中). When there is none — as on the
build machines, which ship DejaVu only, and no font is downloaded — the chart's own
labels (title, axes, legend) fall back to English and fund sources are named by their
ASCII code. Place names are data and stay as they are: the SVG keeps text as text
(``svg.fonttype: none``), so a browser or WPS shows them with its own CJK fonts even
when matplotlib could not draw the glyphs. Missing-glyph warnings are silenced.

A chart that fails never fails the report: :func:`write_charts` logs and skips it.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

from warmth.reports.labels import label, percent
from warmth.reports.statistics import CampaignStatistics

_log = structlog.get_logger("warmth.reports")
_PROBE = "中"


_PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei")


@functools.cache
def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or ``None``.

    Well-known CJK families are tried first; matplotlib's own "Last Resort" font (a
    box for every character) does not count.
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    def rank(entry: Any) -> int:
        name = str(entry.name)
        return _PREFERRED.index(name) if name in _PREFERRED else len(_PREFERRED)

    for entry in sorted(font_manager.fontManager.ttflist, key=rank):
        if str(entry.name).startswith("Last Resort"):
            continue
        try:
            if FT2Font(entry.fname).get_char_index(ord(_PROBE)):
                return str(entry.name)
        except (OSError, RuntimeError, ValueError):
            continue
    return None


def chart_language(language: str) -> str:
    """The language the chart's labels can be drawn in: ``zh`` needs a CJK font."""
    return "zh" if language == "zh" and cjk_font() is not None else "en"


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)  # the Agg backend, for this figure only
    return fig


def _rc(lang: str) -> dict[Any, Any]:
    rc: dict[Any, Any] = {"svg.fonttype": "none", "axes.unicode_minus": False}
    font = cjk_font() if lang == "zh" else None
    if font is not None:
        rc["font.family"] = "sans-serif"
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
    return rc


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, format="svg", metadata={"Date": None})
    return path


def coverage_chart(stats: CampaignStatistics, path: Path, language: str = "zh") -> Path:
    """A bar per district: confirmed / entitled households (覆盖率), in percent."""
    import matplotlib

    lang = chart_language(language)
    rows = stats.coverage
    with matplotlib.rc_context(_rc(lang)), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # missing glyphs without a CJK font
        fig = _figure(max(4.0, 1.2 * len(rows) + 2), 3.6)
        ax = fig.add_subplot()
        xs = list(range(len(rows)))
        values = [(c.coverage or 0.0) * 100 for c in rows]
        bars = ax.bar(xs, values, color="#c0392b")
        ax.bar_label(bars, labels=[f"{c.confirmed}/{c.entitled}" for c in rows], padding=2)
        ax.set_xticks(xs, [c.district for c in rows])
        ax.set_ylim(0, 110)
        ax.set_ylabel(f"% ({label('chart.coverage_axis', lang)})")
        ax.set_title(f"{label('chart.coverage', lang)} · {label(f'stage.{stats.stage}', lang)}")
        ax.spines[["top", "right"]].set_visible(False)
        return _save(fig, path)


def funds_chart(stats: CampaignStatistics, path: Path, language: str = "zh") -> Path:
    """Grouped bars per fund source (资金来源): budget, issued and confirmed yuan."""
    import matplotlib
    from matplotlib.ticker import FuncFormatter

    lang = chart_language(language)
    rows = stats.fund_sources
    series = [
        (label("budget", lang), [float(f.budget) for f in rows], "#95a5a6"),
        (label("issued_amount", lang), [float(f.issued) for f in rows], "#c0392b"),
        (label("confirmed_amount", lang), [float(f.confirmed) for f in rows], "#27ae60"),
    ]
    names = [f.name if lang == "zh" else f.fund_source for f in rows]
    with matplotlib.rc_context(_rc(lang)), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        fig = _figure(max(5.0, 1.8 * len(rows) + 2), 3.8)
        ax = fig.add_subplot()
        width = 0.8 / len(series)
        for n, (name, values, color) in enumerate(series):
            xs = [i + (n - 1) * width for i in range(len(rows))]
            bars = ax.bar(xs, values, width, label=name, color=color)
            if n == 1:  # issued: its share of the budget (执行率) on top
                ax.bar_label(bars, labels=[percent(f.share) for f in rows], padding=2)
        ax.set_xticks(list(range(len(rows))), names)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        ax.set_ylabel(label("chart.yuan_axis", lang))
        ax.set_title(f"{label('chart.funds', lang)} · {label(f'stage.{stats.stage}', lang)}")
        ax.legend(frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        return _save(fig, path)


CHARTS: dict[str, Callable[[CampaignStatistics, Path, str], Path]] = {
    "coverage": coverage_chart,
    "funds": funds_chart,
}
"""Chart name -> drawing function; the file is ``<stem>-<name>.svg``."""


def write_charts(
    stats: CampaignStatistics, out_dir: Path, stem: str, language: str = "zh"
) -> list[Path]:
    """Draw every chart into ``out_dir``; a chart that fails is logged and left out."""
    written: list[Path] = []
    for name, draw in CHARTS.items():
        path = out_dir / f"{stem}-{name}.svg"
        try:
            written.append(draw(stats, path, language))
        except Exception as exc:  # a chart is never worth losing the report
            _log.warning("chart_failed", chart=name, campaign_id=stats.campaign_id, error=str(exc))
            path.unlink(missing_ok=True)
    return written
