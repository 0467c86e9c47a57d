"""Helpers for every spreadsheet and CSV export (导出).

Cells are passed through :func:`safe_cell` so that text coming from uploaded
files (names, notes, addresses) can never run as a formula when the export is
opened in Excel or WPS (CSV/formula injection).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
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
) -> None:
    """Write a CSV file; UTF-8 with BOM by default so that Excel shows Chinese text."""
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(safe_row(header))
        for row in rows:
            writer.writerow(safe_row(row))
