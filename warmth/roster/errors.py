"""Errors of roster (花名册) files and rows."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from warmth.domain.errors import WarmthError


class RosterFileError(WarmthError):
    """The file as a whole cannot be read as a roster (花名册文件错误).

    The message is bilingual, ``"中文说明 / English explanation"``, and fit to
    show to the operator who uploaded the file.
    """


class RowError(BaseModel):
    """One failing field of one data row (行错误).

    ``row`` is the data-row number: the first row under the header is row 1.
    ``field`` is the canonical field name (``"id_number"``, ``"category"``…).
    ``reason`` is bilingual, ``"中文原因 / English reason"``, and never contains
    the ID number or phone number itself.
    """

    model_config = ConfigDict(frozen=True)

    row: int
    field: str
    reason: str
