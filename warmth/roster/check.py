"""Checking a whole roster file (花名册校验) and reporting its errors."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from datetime import date

from pydantic import BaseModel

from warmth.roster.columns import LABELS
from warmth.roster.errors import RowError
from warmth.roster.export import write_xlsx
from warmth.roster.reader import read_rows
from warmth.roster.validate import RosterValidator

REPORT_HEADER = ("行号/row", "字段/field", "原因/reason")


class CheckResult(BaseModel):
    """Outcome of :func:`check_file`.

    ``rows`` counts the non-blank data rows, ``accepted`` the valid ones,
    ``rejected`` lists one error per failing field, ``merged`` counts valid rows
    whose ID number appeared on an earlier valid row and ``people`` the distinct
    ID numbers (``accepted == people + merged``).
    """

    rows: int = 0
    accepted: int = 0
    rejected: list[RowError] = []
    merged: int = 0
    people: int = 0

    @property
    def rejected_rows(self) -> int:
        """Number of rows with at least one error (``rows == accepted + rejected_rows``)."""
        return len({error.row for error in self.rejected})


def check_file(
    path: str | os.PathLike[str],
    categories: Collection[str],
    communities: Collection[tuple[str, str, str]],
    encoding: str | None = None,
    *,
    today: date | None = None,
) -> CheckResult:
    """Read, validate and de-duplicate a roster file without storing anything.

    Streams the file: memory holds the set of ID numbers seen and the errors,
    not the records. Raises :class:`~warmth.roster.errors.RosterFileError`
    when the file itself cannot be read.
    """
    validator = RosterValidator(categories, communities, today=today)
    rows = accepted = merged = 0  # counted here, not on the model: it runs once per row
    rejected: list[RowError] = []
    seen: set[str] = set()
    for number, raw in read_rows(path, encoding):
        rows += 1
        outcome = validator.validate_fields(number, raw)
        if isinstance(outcome, dict):
            accepted += 1
            if outcome["id_number"] in seen:
                merged += 1
            else:
                seen.add(outcome["id_number"])
        else:
            rejected.extend(outcome)
    return CheckResult(
        rows=rows, accepted=accepted, rejected=rejected, merged=merged, people=len(seen)
    )


def write_error_report(
    result: CheckResult | Iterable[RowError], path: str | os.PathLike[str]
) -> None:
    """Write the row errors to an ``.xlsx`` file: 行号/row, 字段/field, 原因/reason.

    The field column shows the template label and the canonical name
    (``"公民身份号码 / id_number"``). Every cell goes through
    :func:`~warmth.roster.export.safe_cell`.
    """
    errors = result.rejected if isinstance(result, CheckResult) else result
    write_xlsx(
        path,
        REPORT_HEADER,
        (
            (
                error.row,
                f"{LABELS[error.field]} / {error.field}" if error.field in LABELS else error.field,
                error.reason,
            )
            for error in errors
        ),
        sheet_title="错误 errors",
        column_widths=(10, 28, 80),
    )
