"""The statistics workbook (统计表): one sheet per table, laid out as a bureau's form.

Each sheet has a title row (the campaign's name and the table's name, then 统计时间 and
the stage — 进度统计 or 最终统计 — in the last column), a header row, the data rows and,
where the figures add up, a 合计 row. Money is in yuan (``#,##0.00``), ratios are
percentages; the long outstanding list is written without number formats. Every cell
goes through :func:`warmth.roster.export.safe_cell`, so a name or a file name that
starts with ``=`` is text, never a formula. Written with openpyxl in write-only mode.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from warmth.reports.labels import label
from warmth.reports.statistics import (
    OUTCOMES,
    CallbackFollowUp,
    CampaignStatistics,
    HazardCount,
    PlaceCount,
    UrgentCount,
    VerificationCount,
    ratio,
)
from warmth.roster.export import safe_cell

Kind = Literal["text", "int", "money", "ratio", "auto"]
"""A column's kind; ``auto`` formats each value by its type (int, Decimal yuan, float ratio)."""
Cell = str | int | float | Decimal | None
_T = Callable[[str], str]

_FORMATS: dict[Kind, str] = {"int": "#,##0", "money": "#,##0.00", "ratio": "0.00%"}
_WIDTHS: dict[Kind, float] = {"text": 16, "int": 12, "money": 16, "ratio": 10, "auto": 16}
LIST_ROWS = 5_000
"""Households listed in the workbook's 未签收名单 sheet; the CSV beside it has them all.

openpyxl spends about 15 µs of CPU per cell even in write-only mode (measured here),
so 100,000 households × 9 columns would take the report past ten seconds on its own.
"""
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)


@dataclass
class Table:
    """One sheet: its name, typed columns, data rows and an optional total row."""

    name: str
    columns: list[tuple[str, Kind]]
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    widths: dict[int, float] = field(default_factory=dict)  # column index -> width
    note: str | None = None  # a line after the data rows (before the total)
    plain: bool = False  # data rows without number formats (long lists: 3× faster)


def stamp(stats: CampaignStatistics, language: str = "zh") -> str:
    """``统计时间：2026-12-01 20:00（Asia/Shanghai）`` in the plan's time zone."""
    local = stats.computed_at.astimezone(ZoneInfo(stats.time_zone))
    sep, (op, cl) = ("：", ("（", "）")) if language == "zh" else (": ", (" (", ")"))
    return f"{label('computed_at', language)}{sep}{local:%Y-%m-%d %H:%M}{op}{stats.time_zone}{cl}"


def tables(
    stats: CampaignStatistics,
    language: str = "zh",
    *,
    list_rows: int = LIST_ROWS,
    list_file: str | None = None,
) -> list[Table]:
    """Every table of the workbook, in sheet order.

    The outstanding list (未签收名单) shows at most ``list_rows`` households, then a
    note naming ``list_file``, where the whole list is; its 合计 covers them all.
    """

    def t(key: str) -> str:
        return label(key, language)

    categories = [c.category for c in stats.by_category]
    out = [_overview(stats, t)]
    out.append(
        Table(
            t("sheet.by_category"),
            [(t("category"), "text"), (t("people"), "int")],
            [[c.category, c.people] for c in stats.by_category],
            [t("total_person_times"), sum(c.people for c in stats.by_category)],
        )
    )
    for level, rows in (
        (1, stats.by_district),
        (2, stats.by_street),
        (3, stats.by_community),
    ):
        out.append(_places(t, level, rows, categories))
    out.append(
        Table(
            t("sheet.items"),
            [
                (t("item"), "text"),
                (t("kind"), "text"),
                (t("unit"), "text"),
                (t("fund_source"), "text"),
                (t("issued_count"), "int"),
                (t("confirmed_count"), "int"),
                (t("outstanding_count"), "int"),
                (t("quantity"), "int"),
                (t("amount"), "money"),
                (t("confirmed_amount"), "money"),
            ],
            [
                [
                    i.name,
                    t(f"kind.{i.kind}") if i.kind in ("cash", "in_kind") else i.kind,
                    i.unit,
                    _source_name(stats, i.fund_source),
                    i.issued,
                    i.confirmed,
                    i.outstanding,
                    i.quantity if i.kind == "in_kind" else None,
                    i.amount,
                    i.confirmed_amount,
                ]
                for i in stats.items
            ],
            [
                t("total"),
                None,
                None,
                None,
                sum(i.issued for i in stats.items),
                sum(i.confirmed for i in stats.items),
                sum(i.outstanding for i in stats.items),
                None,  # units differ between items: no sum
                sum((i.amount for i in stats.items), Decimal(0)),
                sum((i.confirmed_amount for i in stats.items), Decimal(0)),
            ],
        )
    )
    budget = sum((f.budget for f in stats.fund_sources), Decimal(0))
    issued = sum((f.issued for f in stats.fund_sources), Decimal(0))
    out.append(
        Table(
            t("sheet.funds"),
            [
                (t("fund_source"), "text"),
                (t("budget"), "money"),
                (t("issued_amount"), "money"),
                (t("confirmed_amount"), "money"),
                (t("remaining"), "money"),
                (t("share"), "ratio"),
                (t("urgent_of_issued"), "money"),
            ],
            [
                [f.name, f.budget, f.issued, f.confirmed, f.remaining, f.share, f.urgent]
                for f in stats.fund_sources
            ],
            [
                t("total"),
                budget,
                issued,
                sum((f.confirmed for f in stats.fund_sources), Decimal(0)),
                budget - issued,
                ratio(issued, budget),
                sum((f.urgent for f in stats.fund_sources), Decimal(0)),
            ],
        )
    )
    cov = stats.coverage
    out.append(
        Table(
            t("sheet.coverage"),
            [
                (t("district"), "text"),
                (t("registered"), "int"),
                (t("entitled"), "int"),
                (t("confirmed_households"), "int"),
                (t("partial"), "int"),
                (t("coverage"), "ratio"),
            ],
            [
                [c.district, c.registered, c.entitled, c.confirmed, c.partial, c.coverage]
                for c in cov
            ],
            [
                t("total"),
                sum(c.registered for c in cov),
                stats.entitled,
                stats.confirmed_households,
                sum(c.partial for c in cov),
                stats.coverage_rate,
            ],
        )
    )
    shown = list(islice(outstanding_rows(stats, language), max(list_rows, 0)))
    note = None
    if len(stats.outstanding) > len(shown):
        note = t("list_truncated").format(
            shown=len(shown), total=len(stats.outstanding), file=list_file or ""
        )
    out.append(
        Table(
            t("sheet.outstanding"),
            outstanding_columns(language),
            shown,
            [t("total"), *([None] * 7), sum((h.amount for h in stats.outstanding), Decimal(0))],
            widths={5: 22, 6: 24, 7: 24},
            note=note,
            plain=True,
        )
    )
    drawn = stats.callbacks_drawn
    registered = sum(c.registered for c in stats.callbacks)
    out.append(
        Table(
            t("sheet.callbacks"),
            [
                (t("district"), "text"),
                (t("registered"), "int"),
                (t("drawn"), "int"),
                (t("rate"), "ratio"),
            ],
            [[c.district, c.registered, c.drawn, c.rate] for c in stats.callbacks],
            [t("total"), registered, drawn, ratio(drawn, registered)],
        )
    )
    out += followup_tables(stats, t)
    rosters = stats.rosters
    out.append(
        Table(
            t("sheet.rosters"),
            [
                (t("file"), "text"),
                (t("reporting_unit"), "text"),
                (t("rows"), "int"),
                (t("accepted"), "int"),
                (t("rejected_rows"), "int"),
                (t("duplicates"), "int"),
                (t("status"), "text"),
            ],
            [
                [
                    r.file,
                    r.unit,
                    r.rows,
                    r.accepted,
                    r.rejected_rows,
                    r.duplicates,
                    _status(t, r.status),
                ]
                for r in rosters
            ],
            [
                t("total"),
                None,
                sum(r.rows for r in rosters),
                sum(r.accepted for r in rosters),
                sum(r.rejected_rows for r in rosters),
                sum(r.duplicates for r in rosters),
                None,
            ],
            widths={0: 28},
        )
    )
    return out


def followup_tables(stats: CampaignStatistics, t: _T) -> list[Table]:
    """The follow-up sheets (回访核查): callbacks, verification, hazards, urgent, overdue."""
    outcomes = [f"outcome.{o}" for o in OUTCOMES]
    cb = stats.callback_total()

    def callback_row(c: CallbackFollowUp, name: str) -> list[Cell]:
        return [name, c.drawn, c.assigned, c.attempted, c.calls, c.concluded,
                *(getattr(c, o) for o in OUTCOMES), c.problems, c.confirmed_rate]  # fmt: skip

    callbacks = Table(
        t("sheet.callback_results"),
        [
            (t("district"), "text"),
            (t("drawn"), "int"),
            (t("assigned"), "int"),
            (t("attempted"), "int"),
            (t("calls"), "int"),
            (t("concluded"), "int"),
            *((t(o), "int") for o in outcomes),
            (t("problems"), "int"),
            (t("confirmed_rate"), "ratio"),
        ],
        [callback_row(c, c.district) for c in stats.callback_results],
        callback_row(cb, t("total")),
    )
    vt = stats.verification_total()

    def case_row(v: VerificationCount, name: str) -> list[Cell]:
        return [name, v.opened, v.resolved, v.open, v.overdue]

    verification = Table(
        t("sheet.verification"),
        [
            (t("district"), "text"),
            (t("cases_opened"), "int"),
            (t("cases_resolved"), "int"),
            (t("cases_open"), "int"),
            (t("overdue"), "int"),
        ],
        [case_row(v, v.district) for v in stats.verification],
        case_row(vt, t("total")),
    )
    kinds = [k.kind for k in stats.hazard_kinds]
    ht = stats.hazard_total()

    def hazard_row(h: HazardCount, name: str) -> list[Cell]:
        return [name, *(h.by_kind.get(k, 0) for k in kinds), h.found, h.fixed, h.open,
                h.overdue]  # fmt: skip

    state_columns: list[tuple[str, Kind]] = [
        (t("hazards_found"), "int"),
        (t("hazards_fixed"), "int"),
        (t("hazards_open"), "int"),
        (t("overdue"), "int"),
    ]
    hazards = Table(
        t("sheet.hazards"),
        [(t("district"), "text"), *((k, "int") for k in kinds), *state_columns],
        [hazard_row(h, h.district) for h in stats.hazards],
        hazard_row(ht, t("total")),
    )
    hazard_kinds = Table(
        t("sheet.hazard_kinds"),
        [(t("hazard_kind"), "text"), *state_columns],
        [[h.kind, h.found, h.fixed, h.open, h.overdue] for h in stats.hazard_kinds],
        [t("total"), ht.found, ht.fixed, ht.open, ht.overdue],
    )
    ut = stats.urgent_total()

    def urgent_row(u: UrgentCount, name: str) -> list[Cell]:
        return [name, u.raised, u.approved, u.rejected, u.pending, u.paid, u.asked_amount,
                u.approved_amount, u.paid_amount]  # fmt: skip

    urgent = Table(
        t("sheet.urgent"),
        [
            (t("district"), "text"),
            (t("urgent_raised"), "int"),
            (t("urgent_approved"), "int"),
            (t("urgent_rejected"), "int"),
            (t("urgent_pending"), "int"),
            (t("urgent_paid"), "int"),
            (t("asked_amount"), "money"),
            (t("approved_amount"), "money"),
            (t("paid_amount"), "money"),
        ],
        [urgent_row(u, u.district) for u in stats.urgent],
        urgent_row(ut, t("total")),
    )
    overdue = Table(
        t("sheet.overdue_units"),
        [
            (t("index"), "int"),
            (t("district"), "text"),
            (t("street"), "text"),
            (t("community"), "text"),
            (t("overdue_what"), "text"),
            (t("overdue_count"), "int"),
            (t("earliest_deadline"), "text"),
        ],
        [
            [
                n,
                u.district,
                u.street,
                u.community,
                t(f"overdue.{u.kind}"),
                u.count,
                local_time(stats, u.earliest_deadline),
            ]
            for n, u in enumerate(stats.overdue_units, start=1)
        ],
        widths={4: 24, 6: 18},
        note=None if stats.overdue_units else t("none"),
    )
    return [callbacks, verification, hazards, hazard_kinds, urgent, overdue]


def local_time(stats: CampaignStatistics, when: datetime) -> str:
    """``2027-01-30 12:00`` in the plan's time zone."""
    return f"{when.astimezone(ZoneInfo(stats.time_zone)):%Y-%m-%d %H:%M}"


def outstanding_columns(language: str = "zh") -> list[tuple[str, Kind]]:
    """The columns of the outstanding list (未签收名单), in the sheet and the CSV."""
    keys: list[tuple[str, Kind]] = [
        ("index", "int"),
        ("district", "text"),
        ("street", "text"),
        ("community", "text"),
        ("name", "text"),
        ("id_number", "text"),
        ("outstanding_items", "text"),
        ("confirmed_items", "text"),
        ("outstanding_amount", "money"),
    ]
    return [(label(k, language), kind) for k, kind in keys]


def outstanding_rows(stats: CampaignStatistics, language: str = "zh") -> Iterator[list[Cell]]:
    """One row per household with items outstanding; name and ID already masked."""
    names = {i.item: i.name for i in stats.items}
    sep = "、" if language == "zh" else ", "
    for n, h in enumerate(stats.outstanding, start=1):
        yield [
            n,
            h.district,
            h.street,
            h.community,
            h.name,
            h.id_number,
            sep.join(names.get(i, i) for i in h.items),
            sep.join(names.get(i, i) for i in h.confirmed_items),
            h.amount,
        ]


def _status(t: _T, status: str) -> str:
    return t(f"status.{status}") if status in ("staged", "accepted", "refused") else status


def _source_name(stats: CampaignStatistics, code: str) -> str:
    return next((f.name for f in stats.fund_sources if f.fund_source == code), code)


def _overview(stats: CampaignStatistics, t: _T) -> Table:
    budget = sum((f.budget for f in stats.fund_sources), Decimal(0))
    issued = sum((f.issued for f in stats.fund_sources), Decimal(0))
    measures: list[list[Cell]] = [
        [t("households"), stats.households],
        [t("merged_records"), stats.merged_records],
        [t("rejected_rows"), stats.rejected_rows],
        [t("entitled"), stats.entitled],
        [t("confirmed_households"), stats.confirmed_households],
        [t("coverage"), stats.coverage_rate],
        [t("issued_total"), stats.issued],
        [t("confirmed_total"), stats.confirmed],
        [t("outstanding_households"), len(stats.outstanding)],
        [t("money_budget"), budget],
        [t("money_issued"), issued],
        [t("callbacks_drawn"), stats.callbacks_drawn],
        *followup_measures(stats, t),
    ]
    return Table(
        t("sheet.overview"),
        [(t("metric"), "text"), (t("value"), "auto")],
        measures,
        widths={0: 28, 1: 18},
    )


def followup_measures(stats: CampaignStatistics, t: _T) -> list[list[Cell]]:
    """The follow-up lines of the overview (汇总), as numbers and short texts."""
    cb, vt, ht, ut = (
        stats.callback_total(),
        stats.verification_total(),
        stats.hazard_total(),
        stats.urgent_total(),
    )
    return [
        [t("callbacks_concluded"), cb.concluded],
        [t("callbacks_problems"), cb.problems],
        [t("callbacks_confirmed_rate"), cb.confirmed_rate],
        [t("verification_open"), f"{vt.open:,} ({vt.overdue:,})"],
        [t("hazards_summary"), f"{ht.found:,} / {ht.open:,} ({ht.overdue:,})"],
        [t("urgent_summary"), f"{ut.raised:,} / {ut.paid:,}"],
        [t("urgent_paid_amount"), ut.paid_amount],
        [
            t("overdue_units_count"),
            len({(u.district, u.street, u.community) for u in stats.overdue_units}),
        ],
    ]


def _places(t: _T, level: int, rows: Sequence[PlaceCount], categories: list[str]) -> Table:
    keys = ("district", "street", "community")[:level]
    sheet = ("sheet.by_district", "sheet.by_street", "sheet.by_community")[level - 1]
    columns: list[tuple[str, Kind]] = [(t(k), "text") for k in keys]
    columns.append((t("people"), "int"))
    columns += [(c, "int") for c in categories]
    data: list[list[Cell]] = [
        [*(getattr(r, k) for k in keys), r.people, *(r.by_category.get(c, 0) for c in categories)]
        for r in rows
    ]
    total: list[Cell] = [t("total"), *([None] * (level - 1)), sum(r.people for r in rows)]
    total += [sum(r.by_category.get(c, 0) for r in rows) for c in categories]
    return Table(t(sheet), columns, data, total)


def write_workbook(
    stats: CampaignStatistics,
    path: str | os.PathLike[str],
    language: str = "zh",
    *,
    list_rows: int = LIST_ROWS,
    list_file: str | None = None,
) -> None:
    """Write the statistics workbook to ``path`` (xlsx); see :func:`tables`."""
    when = f"{stamp(stats, language)} · {label(f'stage.{stats.stage}', language)}"
    title = f"{stats.name} {label('statistics', language)}"
    workbook = Workbook(write_only=True)
    for table in tables(stats, language, list_rows=list_rows, list_file=list_file):
        _write_sheet(workbook, table, title, when)
    workbook.save(os.fspath(path))


def _write_sheet(workbook: Workbook, table: Table, title: str, when: str) -> None:
    sheet = workbook.create_sheet(title=_sheet_title(table.name))
    kinds = [k for _, k in table.columns]
    for i, kind in enumerate(kinds):
        width = table.widths.get(i, _WIDTHS[kind])
        sheet.column_dimensions[get_column_letter(i + 1)].width = width
    n = len(kinds)
    heading: list[object] = [_styled(sheet, f"{title} · {table.name}", _TITLE)]
    if n > 1:
        heading += [None] * (n - 2) + [_styled(sheet, when, None)]
    else:
        heading.append(_styled(sheet, when, None))
    sheet.append(heading)
    sheet.append([_styled(sheet, name, _BOLD) for name, _ in table.columns])
    formats: list[str | None] = ["auto" if k == "auto" else _FORMATS.get(k) for k in kinds]
    plain = table.plain or all(f is None for f in formats)
    for row in table.rows:
        sheet.append(_row(sheet, row, formats) if not plain else [safe_cell(v) for v in row])
    if table.note is not None:
        sheet.append([_styled(sheet, table.note, _BOLD)])
    if table.total is not None:
        sheet.append(_row(sheet, table.total, formats, _BOLD))


def _row(
    sheet: object, values: Iterable[Cell], formats: Sequence[str | None], font: Font | None = None
) -> list[object]:
    out: list[object] = []
    for value, fmt in zip(values, formats, strict=True):
        if fmt is None and font is None:
            out.append(safe_cell(value))
            continue
        cell = WriteOnlyCell(sheet, value=safe_cell(value))
        if fmt == "auto":
            fmt = _auto_format(value)
        if fmt is not None and isinstance(value, int | float | Decimal):
            cell.number_format = fmt
        if font is not None:
            cell.font = font
        out.append(cell)
    return out


def _auto_format(value: Cell) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, int):
        return _FORMATS["int"]
    if isinstance(value, Decimal):
        return _FORMATS["money"]
    return _FORMATS["ratio"]


def _styled(sheet: object, value: str, font: Font | None) -> object:
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if font is not None:
        cell.font = font
    return cell


def _sheet_title(name: str) -> str:
    """Excel's limits: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in name)
    return cleaned[:31]
