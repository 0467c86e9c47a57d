"""Normalisation of roster cells before validation (数据清洗).

Free text keeps its Chinese punctuation: only full-width digits, Latin letters
and the ideographic space (全角字符) become half-width. Code-like cells (ID
number, phone, household size, 序号) go through NFKC.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final, Literal

HazardKind = Literal["用电", "用气", "用水", "消防", "食品安全"]
"""Kinds of home-safety hazard (安全隐患) recorded in the survey."""

HAZARD_KINDS: Final[tuple[HazardKind, ...]] = ("用电", "用气", "用水", "消防", "食品安全")

_HALFWIDTH: Final = {
    **{code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)},  # ０-９
    **{code: code - 0xFEE0 for code in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{code: code - 0xFEE0 for code in range(0xFF41, 0xFF5B)},  # ａ-ｚ
    0x3000: 0x20,  # ideographic space
}
_INVISIBLE: Final[dict[int, int | None]] = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_TEXT_TABLE: Final = {**_HALFWIDTH, **_INVISIBLE}
_WORD = r"[^\s\uff10-\uff5a\u3000\u200b-\u200d\u2060\ufeff]+"
_TEXT_CLEAN = re.compile(rf"(?:{_WORD}(?: {_WORD})*)?")
"""Text :func:`clean_text` returns unchanged: single spaces between words at most, no
full-width letter, digit or space, no invisible character (a superset of the table's)."""
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
_NAME_DOTS = re.compile(r"\s*[·•‧∙⋅・･.．]\s*")
_PLAIN_CJK = re.compile(r"[\u3400-\u9fff]+")
_CATEGORY_SEPARATORS = re.compile(r"[、;；,，\n]")
_HOUSEHOLD = re.compile(r"([0-9]+)(?:\.0+)?\s*[人口]?")
_NO_HAZARD: Final = frozenset(
    {"无", "没有", "暂无", "无隐患", "未发现", "否", "/", "-", "—", "无。"}
)

_HAZARD_KEYWORDS: Final[tuple[tuple[HazardKind, tuple[str, ...], tuple[str, ...]], ...]] = (
    # kind, keywords, phrases removed before matching (false friends)
    ("用电", ("电",), ("电话",)),
    ("用气", ("燃气", "煤气", "天然气", "液化气", "气"), ("暖气", "空气", "天气", "气温")),
    ("用水", ("水",), ()),
    ("消防", ("消防", "火", "烟感"), ()),
    ("食品安全", ("食品", "食物", "变质", "霉变"), ()),
)


def to_halfwidth(text: str) -> str:
    """Turn full-width digits, letters and the ideographic space into ASCII."""
    return text.translate(_HALFWIDTH)


def clean_text(value: str) -> str:
    """Trim a free-text cell, half-width its digits and letters, collapse spaces."""
    if _TEXT_CLEAN.fullmatch(value):
        return value  # the usual cell: nothing to translate, no space to trim or collapse
    return " ".join(value.translate(_TEXT_TABLE).split())


def clean_code(value: str) -> str:
    """NFKC a code-like cell and trim it (序号, 家庭人数, phone)."""
    if value.isascii() and value.isalnum():
        return value  # NFKC keeps ASCII letters and digits, and there is nothing to trim
    return unicodedata.normalize("NFKC", value).translate(_INVISIBLE).strip()


def optional_text(value: str) -> str | None:
    """:func:`clean_text`, with ``None`` for an empty cell."""
    if not value:
        return None  # the usual optional cell: clean_text("") is ""
    return clean_text(value) or None


def normalize_name(value: str) -> str:
    """Normalise a person's name (姓名).

    Spaces between Chinese characters (``"张　三"``, padding used to align
    two-character names) are removed, the dots of minority names
    (``"买买提•艾力"``) become ``·`` (U+00B7) and other runs of spaces collapse.
    """
    if _PLAIN_CJK.fullmatch(value):
        return value  # the usual name: nothing below would change it
    text = clean_text(value)
    text = _CJK_GAP.sub("", text)
    return _NAME_DOTS.sub("·", text) if _has_cjk(text) else text


def place_key(value: str) -> str:
    """Comparison key of a place or category name: NFKC, no spaces, case folded."""
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()


def split_categories(value: str) -> list[str]:
    """Split a 类别 cell on 、 ; ； , ， (or line breaks), dropping blanks and repeats."""
    parts: list[str] = []
    for part in _CATEGORY_SEPARATORS.split(value):
        text = clean_text(part)
        if text and text not in parts:
            parts.append(text)
    return parts


def parse_household_size(value: str) -> int | None:
    """Parse 家庭人数: ``"3"``, ``"３"``, ``"3.0"`` or ``"3人"``; ``None`` if not a number.

    Zero is returned as 0 (the validator rejects it); an empty cell is the
    caller's business.
    """
    if value.isascii() and value.isdigit():
        return int(value)  # the usual cell: NFKC and the pattern would keep it as it is
    match = _HOUSEHOLD.fullmatch(clean_code(value))
    return int(match.group(1)) if match else None


@functools.lru_cache(maxsize=4096)
def parse_hazards(value: str) -> tuple[HazardKind, ...]:
    """Find the hazard kinds named in a 隐患 cell, in canonical order.

    Keyword matching: 电 → 用电; 燃气/煤气/气 → 用气; 水 → 用水; 火/消防 → 消防;
    食品 → 食品安全. ``"无"``, ``"暂无"`` and the like give no kinds.
    """
    text = clean_text(value)
    if not text or text in _NO_HAZARD:
        return ()
    found: list[HazardKind] = []
    for kind, keywords, false_friends in _HAZARD_KEYWORDS:
        probe = text
        for phrase in false_friends:
            probe = probe.replace(phrase, "")
        if any(keyword in probe for keyword in keywords):
            found.append(kind)
    return tuple(found)


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= char <= "\u9fff" for char in text)
