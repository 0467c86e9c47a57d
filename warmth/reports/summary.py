"""The one-page summary (工作统计摘要) in Markdown and HTML, Chinese by default.

Both pages are rendered with Jinja2 from the same context. Everything shown comes
from :class:`~warmth.reports.statistics.CampaignStatistics` and is escaped: the HTML
environment autoescapes, the Markdown one passes every value through
:func:`md_escape` (its ``finalize``), so a campaign or place name can neither run a
script nor break a table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2

from warmth.reports.labels import check_language, label, money, percent
from warmth.reports.paths import file_name
from warmth.reports.statistics import OUTCOMES, CampaignStatistics
from warmth.reports.workbook import followup_measures, local_time, stamp

_MD_SPECIAL = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "#": "\\#",
        "|": "\\|",
        "~": "\\~",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\r": " ",
        "\n": " ",
    }
)

_MARKDOWN = """\
# {{ name }}

{% if theme %}
{{ theme }}

{% endif %}
**{{ stage }}** · {{ stamp }}

## {{ L.overview }}

{% for measure, value in overview %}
- {{ measure }}{{ colon }}{{ value }}
{% endfor %}
{% for table in tables %}

## {{ table.title }}

{% if table.rows %}
|{% for h in table.header %} {{ h }} |{% endfor %}

|---|{% for _ in table.header[1:] %}---:|{% endfor %}

{% for row in table.rows %}
|{% for v in row %} {{ v }} |{% endfor %}

{% endfor %}
{% else %}
{{ L.none }}
{% endif %}
{% endfor %}
{% if charts %}

## {{ L.charts }}

{% for chart in charts %}
![{{ chart.alt }}]({{ chart.src }})
{% endfor %}
{% endif %}

{{ L.source_note }}
"""

_HTML = """\
<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<title>{{ name }} · {{ L.summary }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #bbb; padding: .25rem .6rem; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.meta { color: #555; } img { max-width: 100%; }
</style>
</head>
<body>
<h1>{{ name }}</h1>
{% if theme %}<p>{{ theme }}</p>{% endif %}
<p class="meta"><strong>{{ stage }}</strong> · {{ stamp }}</p>
<h2>{{ L.overview }}</h2>
<table>
{% for measure, value in overview %}<tr><th>{{ measure }}</th><td class="n">{{ value }}</td></tr>
{% endfor %}</table>
{% for table in tables %}
<h2>{{ table.title }}</h2>
{% if not table.rows %}<p>{{ L.none }}</p>{% else %}
<table>
<tr>{% for h in table.header -%}
<th{% if not loop.first %} class="n"{% endif %}>{{ h }}</th>
{%- endfor %}</tr>
{% for row in table.rows %}<tr>{% for v in row -%}
<td{% if not loop.first %} class="n"{% endif %}>{{ v }}</td>
{%- endfor %}</tr>
{% endfor %}</table>{% endif %}
{% endfor %}
{% if charts %}<h2>{{ L.charts }}</h2>
{% for chart in charts %}<figure><img src="{{ chart.src }}" alt="{{ chart.alt }}"></figure>
{% endfor %}{% endif %}
<p class="meta">{{ L.source_note }}</p>
</body>
</html>
"""


def md_escape(value: Any) -> str:
    """A value as Markdown text: inline markup, HTML and line breaks neutralised."""
    if value is None:
        return ""
    return str(value).translate(_MD_SPECIAL)


@functools.cache
def _environment(kind: str) -> jinja2.Environment:
    if kind == "html":
        env = jinja2.Environment(
            autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
        )
    else:
        env = jinja2.Environment(
            autoescape=False,
            finalize=md_escape,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
        )
    return env


def _table(title: str, header: list[str], rows: list[list[str]]) -> dict[str, Any]:
    return {"title": title, "header": header, "rows": rows}


def context(
    stats: CampaignStatistics, language: str = "zh", charts: Sequence[Path] = ()
) -> dict[str, Any]:
    """What both pages show, every value already formatted as text."""
    lang = check_language(language)

    def t(key: str) -> str:
        return label(key, lang)

    budget = sum((f.budget for f in stats.fund_sources), Decimal(0))
    issued = sum((f.issued for f in stats.fund_sources), Decimal(0))
    outstanding = f"{len(stats.outstanding):,}"
    if stats.outstanding:
        see = t("see_list").format(file=file_name(stats.campaign_id, "outstanding"))
        outstanding += f"（{see}）" if lang == "zh" else f" ({see})"
    overview = [
        (t("households"), f"{stats.households:,}"),
        (t("merged_records"), f"{stats.merged_records:,}"),
        (t("rejected_rows"), f"{stats.rejected_rows:,}"),
        (t("entitled"), f"{stats.entitled:,}"),
        (t("confirmed_households"), f"{stats.confirmed_households:,}"),
        (t("coverage"), percent(stats.coverage_rate)),
        (t("issued_total"), f"{stats.issued:,}"),
        (t("confirmed_total"), f"{stats.confirmed:,}"),
        (t("outstanding_households"), outstanding),
        (t("money_budget"), money(budget)),
        (t("money_issued"), money(issued)),
        (t("callbacks_drawn"), f"{stats.callbacks_drawn:,}"),
        *((str(m), _text(v)) for m, v in followup_measures(stats, t)),
    ]
    out: dict[str, Any] = {
        "lang": lang,
        "colon": "：" if lang == "zh" else ": ",
        "name": stats.name,
        "theme": stats.theme,
        "stage": t(f"stage.{stats.stage}"),
        "stamp": stamp(stats, lang),
        "L": {
            "summary": t("summary"),
            "overview": t("sheet.overview"),
            "coverage": t("sheet.coverage"),
            "funds": t("sheet.funds"),
            "items": t("sheet.items"),
            "categories": t("sheet.by_category"),
            "charts": t("charts"),
            "source_note": t("source_note"),
            "none": t("none"),
        },
        "overview": overview,
        "coverage": _table(
            t("sheet.coverage"),
            [
                t("district"),
                t("registered"),
                t("entitled"),
                t("confirmed_households"),
                t("coverage"),
            ],
            [
                [
                    c.district,
                    f"{c.registered:,}",
                    f"{c.entitled:,}",
                    f"{c.confirmed:,}",
                    percent(c.coverage),
                ]
                for c in stats.coverage
            ],
        ),
        "funds": _table(
            t("sheet.funds"),
            [
                t("fund_source"),
                t("budget"),
                t("issued_amount"),
                t("confirmed_amount"),
                t("remaining"),
                t("share"),
                t("urgent_of_issued"),
            ],
            [
                [
                    f.name,
                    money(f.budget),
                    money(f.issued),
                    money(f.confirmed),
                    money(f.remaining),
                    percent(f.share),
                    money(f.urgent),
                ]
                for f in stats.fund_sources
            ],
        ),
        "items": _table(
            t("sheet.items"),
            [
                t("item"),
                t("issued_count"),
                t("confirmed_count"),
                t("outstanding_count"),
                t("amount"),
            ],
            [
                [
                    i.name,
                    f"{i.issued:,}",
                    f"{i.confirmed:,}",
                    f"{i.outstanding:,}",
                    money(i.amount),
                ]
                for i in stats.items
            ],
        ),
        "categories": _table(
            t("sheet.by_category"),
            [t("category"), t("people")],
            [[c.category, f"{c.people:,}"] for c in stats.by_category],
        ),
        "charts": [{"src": p.name, "alt": p.stem} for p in charts],
    }
    out["tables"] = [
        out["coverage"],
        out["funds"],
        out["items"],
        out["categories"],
        *_followup(stats, t),
    ]
    return out


def _text(value: object) -> str:
    """An overview value as text: ratios as percentages, yuan with two places."""
    if isinstance(value, float) or value is None:
        return percent(value)
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _followup(stats: CampaignStatistics, t: Callable[[str], str]) -> list[dict[str, Any]]:
    """The follow-up tables of the page, each with its 合计 row last."""
    cb = [*stats.callback_results, stats.callback_total()]
    vt = [*stats.verification, stats.verification_total()]
    ht = [*stats.hazards, stats.hazard_total()]
    ut = [*stats.urgent, stats.urgent_total()]

    def name(district: str) -> str:
        return district or t("total")

    return [
        _table(
            t("sheet.callback_results"),
            [
                t("district"),
                t("drawn"),
                t("assigned"),
                t("attempted"),
                *(t(f"outcome.{o}") for o in OUTCOMES),
                t("problems"),
                t("confirmed_rate"),
            ],
            [
                [
                    name(c.district),
                    f"{c.drawn:,}",
                    f"{c.assigned:,}",
                    f"{c.attempted:,}",
                    *(f"{getattr(c, o):,}" for o in OUTCOMES),
                    f"{c.problems:,}",
                    percent(c.confirmed_rate),
                ]
                for c in cb
            ],
        ),
        _table(
            t("sheet.verification"),
            [t("district"), t("cases_opened"), t("cases_resolved"), t("cases_open"), t("overdue")],
            [
                [
                    name(v.district),
                    f"{v.opened:,}",
                    f"{v.resolved:,}",
                    f"{v.open:,}",
                    f"{v.overdue:,}",
                ]
                for v in vt
            ],
        ),
        _table(
            t("sheet.hazards"),
            [
                t("district"),
                *(k.kind for k in stats.hazard_kinds),
                t("hazards_found"),
                t("hazards_fixed"),
                t("hazards_open"),
                t("overdue"),
            ],
            [
                [
                    name(h.district),
                    *(f"{h.by_kind.get(k.kind, 0):,}" for k in stats.hazard_kinds),
                    f"{h.found:,}",
                    f"{h.fixed:,}",
                    f"{h.open:,}",
                    f"{h.overdue:,}",
                ]
                for h in ht
            ],
        ),
        _table(
            t("sheet.urgent"),
            [
                t("district"),
                t("urgent_raised"),
                t("urgent_approved"),
                t("urgent_rejected"),
                t("urgent_pending"),
                t("urgent_paid"),
                t("asked_amount"),
                t("approved_amount"),
                t("paid_amount"),
            ],
            [
                [
                    name(u.district),
                    f"{u.raised:,}",
                    f"{u.approved:,}",
                    f"{u.rejected:,}",
                    f"{u.pending:,}",
                    f"{u.paid:,}",
                    money(u.asked_amount),
                    money(u.approved_amount),
                    money(u.paid_amount),
                ]
                for u in ut
            ],
        ),
        _table(
            t("sheet.overdue_units"),
            [
                t("district"),
                t("street"),
                t("community"),
                t("overdue_what"),
                t("overdue_count"),
                t("earliest_deadline"),
            ],
            [
                [
                    u.district,
                    u.street,
                    u.community,
                    t(f"overdue.{u.kind}"),
                    f"{u.count:,}",
                    local_time(stats, u.earliest_deadline),
                ]
                for u in stats.overdue_units
            ],
        ),
    ]


def render_markdown(
    stats: CampaignStatistics, language: str = "zh", charts: Sequence[Path] = ()
) -> str:
    """The summary page in Markdown; ``charts`` are linked by file name (same folder)."""
    template = _environment("md").from_string(_MARKDOWN)
    return template.render(context(stats, language, charts))


def render_html(
    stats: CampaignStatistics, language: str = "zh", charts: Sequence[Path] = ()
) -> str:
    """The summary page as a standalone HTML document; every value is HTML-escaped."""
    template = _environment("html").from_string(_HTML)
    return template.render(context(stats, language, charts))
