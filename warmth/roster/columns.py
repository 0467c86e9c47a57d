"""Template columns of the roster (花名册导入模板) and their header aliases.

Headers match a canonical field when they equal one of its aliases after NFKC,
case folding and removal of whitespace, ``_`` and ``-``: ``" ID Number "``,
``"id_number"`` and ``"身份证号"`` all mean ``id_number``. Column order does
not matter. Unknown headers are kept under their own (trimmed) text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Final

from warmth.roster.errors import RosterFileError

FIELD_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "seq": ("序号", "seq"),
    "name": ("姓名", "name"),
    "id_number": ("公民身份号码", "身份证号", "身份证号码", "id_number"),
    "phone": ("联系电话", "电话", "手机", "phone"),
    "district": ("区", "区县", "district"),
    "street": ("街道", "街镇", "镇", "street"),
    "community": ("社区", "村居", "社区/村", "community"),
    "address": ("居住地址", "地址", "address"),
    "category": ("类别", "category", "categories"),
    "household_size": ("家庭人数", "household_size"),
    "reporting_unit": ("报送单位", "reporting_unit"),
    "needs": ("需求", "needs"),
    "hazards": ("隐患", "hazards"),
    "note": ("备注", "note"),
}
"""Canonical field → accepted headers; the first alias is the Chinese label."""

FIELDS: Final = tuple(FIELD_ALIASES)
LABELS: Final = {field: aliases[0] for field, aliases in FIELD_ALIASES.items()}
"""Canonical field → Chinese template label (模板列名)."""

ROSTER_REQUIRED: Final = ("name", "id_number", "district", "street", "community", "category")
JURISDICTION_FIELDS: Final = ("district", "street", "community")

_IGNORED = re.compile(r"[\s_\-\ufeff]+")


def header_key(text: str) -> str:
    """Return the comparison key of a header cell."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text)).casefold()


_ALIAS_INDEX: Final = {
    header_key(alias): field for field, aliases in FIELD_ALIASES.items() for alias in aliases
}


def match_header(text: str) -> str | None:
    """Return the canonical field a header cell names, or ``None`` if unknown."""
    return _ALIAS_INDEX.get(header_key(text))


def count_known(cells: Sequence[str], fields: Sequence[str] = FIELDS) -> int:
    """Count the cells of a row that name one of ``fields``; used to find the header row."""
    return sum(1 for cell in cells if match_header(cell) in fields)


def column_key(index: int) -> str:
    """Key for a cell without header text (1-based column ``index``)."""
    return f"column_{index}"


def resolve_header(cells: Sequence[str], required: Sequence[str] = ROSTER_REQUIRED) -> list[str]:
    """Map each header cell to its key: a canonical field or the unknown header's text.

    Blank header cells get :func:`column_key`; repeated unknown headers get a
    ``" (2)"``-style suffix. Raises :class:`RosterFileError` when a required
    field has no column or when two columns name the same field.
    """
    keys: list[str] = []
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for index, cell in enumerate(cells, start=1):
        text = cell.strip()
        field = match_header(text) if text else None
        if field is not None:
            if field in seen:
                duplicates.append(f"{seen[field]}、{text} → {field}")
            seen[field] = text
            keys.append(field)
            continue
        key = text or column_key(index)
        suffix = 2
        while key in keys:
            key = f"{text or column_key(index)} ({suffix})"
            suffix += 1
        keys.append(key)
    if duplicates:
        listed = "; ".join(duplicates)
        raise RosterFileError(
            f"表头有重复的列：{listed}，请只保留一列 / "
            f"duplicate columns for the same field: {listed}; keep only one"
        )
    missing = [field for field in required if field not in seen]
    if missing:
        zh = "、".join(LABELS[field] for field in missing)
        en = ", ".join(f"{LABELS[field]} ({field})" for field in missing)
        raise RosterFileError(f"表头缺少必填列：{zh} / header is missing required columns: {en}")
    return keys
