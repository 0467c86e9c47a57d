"""Helpers for every spreadsheet and CSV export (导出).

Cells are passed through :func:`safe_cell` so that text coming from uploaded
files (names, notes, addresses) can never run as a formula when the export is
opened in Excel or WPS (CSV/formula injection).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Collection, Iterable, Sequence
from typing import Final, TypeVar

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that make a spreadsheet cell a formula (or hide one)."""

T = TypeVar("T")


def safe_cell(value: T) -> T | str:
    """Prefix ``'`` to a string starting with ``= + - @``, tab or CR; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    """Apply :func:`safe_cell` to every value of a row."""
    return [safe_cell(value) for value in values]


def write_xlsx(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Iterable[object]],
    *,
    sheet_title: str = "Sheet1",
    column_widths: Sequence[float] = (),
) -> None:
    """Write one sheet with openpyxl in write-only mode (rows are streamed)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    for index, width in enumerate(column_widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(safe_row(header))
    for row in rows:
        sheet.append(safe_row(row))
    workbook.save(os.fspath(path))


def write_csv(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Iterable[object]],
    *,
    encoding: str = "utf-8-sig",
    text_columns: Collection[int] | None = None,
) -> None:
    """Write a CSV file; UTF-8 with BOM by default so that Excel shows Chinese text.

    Cells go through :func:`safe_cell`: every cell, or with ``text_columns`` only the
    cells of those columns (by index), for exports whose other columns hold only
    numbers and values the exporter formats itself (a bank file's amounts, references).
    """
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(safe_row(header))
        if text_columns is None:
            writer.writerows(safe_row(row) for row in rows)
            return
        checked = sorted(set(text_columns))
        for row in rows:
            cells = list(row)
            for i in checked:
                cells[i] = safe_cell(cells[i])
            writer.writerow(cells)
