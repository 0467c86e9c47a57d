"""Resident ID numbers (公民身份号码, GB 11643-1999) and masking of personal data.

An ID number has 18 characters: a 6-digit region code (行政区划代码), the birth
date as YYYYMMDD, a 3-digit order code (顺序码, odd for men) and an ISO 7064
MOD 11-2 check character (校验码, a digit or ``X``).

The checks rely on :mod:`stdnum.cn.ric` (the MOD 11-2 check character, the
birth-date layout) and its region table ``stdnum/cn/loc.dat`` read through
:mod:`stdnum.numdb`. Two deliberate differences from ``stdnum.cn.ric.validate``:

* ``stdnum`` requires the region code to have existed *in the birth year*. A
  code is assigned when the number is first issued, which for most people is
  years after birth (the 18-digit numbers date from 1999), so that rule rejects,
  for example, a Pudong resident born in 1985 (310115, created in 1992). Here a
  region is accepted when the code existed at any time from the birth year on.
* ``stdnum`` raises ``KeyError`` instead of ``InvalidComponent`` for an unknown
  county code under a known province (``319999…``); :func:`check_id` reports
  ``"region"``.

:func:`check_id` also rejects birth dates in the future or before 1900.
"""

from __future__ import annotations

import functools
import random
import re
import unicodedata
from datetime import date
from typing import Final, Literal

import phonenumbers
from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

IdError = Literal["length", "format", "checksum", "birth_date", "region"]
"""Error codes returned by :func:`check_id`."""

ID_LENGTH: Final = 18
MIN_BIRTH_YEAR: Final = 1900
"""Earliest birth year accepted; older dates are taken as typing errors."""

_ID_FORMAT = re.compile(r"[0-9]{17}[0-9X]")
_REGION_FORMAT = re.compile(r"[0-9]{6}")
_COUNTY_PERIOD = re.compile(r"\[(\d*)-(\d*)\]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def normalize_id(raw: str) -> str:
    """Return the canonical spelling of an ID number as typed in a roster.

    Applies NFKC (full-width digits and letters become half-width), removes
    every whitespace and zero-width character, drops a leading apostrophe
    (Excel's "store as text" marker that leaks into CSV exports) and upper-cases
    the ``x`` check character. The result is not validated: see :func:`check_id`.
    """
    if raw.isascii() and raw.isalnum():
        # The usual cell: NFKC keeps ASCII as it is, and letters and digits hold no
        # space, zero-width character or apostrophe; only the case can change.
        return raw.upper()
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    text = "".join(text.split())
    if text.startswith("'"):
        text = text[1:]
    return text.upper()


def check_id(value: str, *, today: date | None = None) -> IdError | None:
    """Check a canonical ID number; return ``None`` when valid, else an error code.

    ``value`` must already be canonical (see :func:`normalize_id`): surrounding
    spaces or a lower-case ``x`` are a ``"format"`` error here. The codes are,
    in the order checked: ``"length"`` (not 18 characters), ``"format"`` (not
    17 digits followed by a digit or ``X``), ``"checksum"`` (MOD 11-2 check
    character), ``"birth_date"`` (not a real date, before 1900 or after
    ``today``) and ``"region"`` (region code unknown, or abolished before the
    birth year).
    """
    if len(value) != ID_LENGTH:
        return "length"
    if _ID_FORMAT.fullmatch(value) is None:
        return "format"
    if ric.calc_check_digit(value) != value[-1]:
        return "checksum"
    try:
        # Same parsing as stdnum.cn.ric.get_birth_date, without its re-cleaning.
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "birth_date"
    if born.year < MIN_BIRTH_YEAR or born > (today or date.today()):
        return "birth_date"
    if not _region_exists(value[:6], born.year):
        return "region"
    return None


def is_valid_id(value: str, *, today: date | None = None) -> bool:
    """Return whether ``value`` is a valid canonical ID number."""
    return check_id(value, today=today) is None


def birth_date(id_number: str) -> date:
    """Return the birth date encoded in an ID number.

    Raises :class:`ValueError` when the number is too short or the date is
    not a real calendar date.
    """
    value = normalize_id(id_number)
    if len(value) != ID_LENGTH or not value[6:14].isdigit():
        raise ValueError("ID number has no birth date / 身份证号码中没有出生日期")
    try:
        return ric.get_birth_date(value)
    except ValidationError as exc:
        raise ValueError("birth date is not a real date / 出生日期无效") from exc


def generate_id(rng: random.Random, region: str, birth: date) -> str:
    """Build a valid ID number for synthetic data and tests.

    ``region`` is a 6-digit region code; it is not looked up, so pass a code
    that exists (for example ``"310104"`` 徐汇区 or ``"110105"`` 朝阳区). The
    order code is drawn from ``rng``; the check character is computed by
    :func:`stdnum.cn.ric.calc_check_digit`.
    """
    if _REGION_FORMAT.fullmatch(region) is None:
        raise ValueError(f"region must be 6 digits, got {region!r}")
    body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    # calc_check_digit ignores the last character of its argument.
    return body + ric.calc_check_digit(body + "0")


@functools.lru_cache(maxsize=8192)
def _county_periods(region: str) -> tuple[tuple[int | None, int | None], ...]:
    """Return the periods (start, end year, open ended as None) of a county code."""
    parts = numdb.get("cn/loc").info(region)
    if len(parts) < 2 or "county" not in parts[-1][1] or "province" not in parts[0][1]:
        return ()
    periods: list[tuple[int | None, int | None]] = []
    for county in parts[-1][1]["county"].split(","):
        match = _COUNTY_PERIOD.match(county)
        if match is None:
            periods.append((None, None))
        else:
            start, end = match.groups()
            periods.append((int(start) if start else None, int(end) if end else None))
    return tuple(periods)


@functools.lru_cache(maxsize=65536)
def _region_exists(region: str, birth_year: int) -> bool:
    """Whether ``region`` is a county code still in use in or after ``birth_year``."""
    return any(end is None or end >= birth_year for _, end in _county_periods(region))


# --- masking (脱敏) -------------------------------------------------------------

_COMPOUND_SURNAME_TEXT: Final = """
    欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐
    钟离 端木 西门 南宫 独孤 百里 呼延 澹台 公冶 太史 申屠 闻人 万俟 赫连 拓跋
    司空 东郭 南门 羊舌 微生 公羊 左丘 梁丘 第五 乐正 濮阳 淳于 单于 太叔 仲孙
    鲜于 闾丘 亓官 司寇 子车 颛孙 巫马 公西 漆雕 壤驷 公良 夹谷 宰父 谷梁 段干
    归海 东门
"""
_COMPOUND_SURNAMES: Final = frozenset(_COMPOUND_SURNAME_TEXT.split())
_NAME_SEPARATORS: Final = frozenset("·• ")


def mask_id(value: str) -> str:
    """Mask an ID number, keeping the first 6 and last 4 characters.

    ``"310112199001011234"`` → ``"310112********1234"``. Values of 10
    characters or fewer are masked completely.
    """
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Mask a phone number.

    Mobiles keep the first 3 and last 4 digits (``"138****5678"``); landlines
    keep the area code and the last 4 digits (``"021-****5678"``). Anything
    else keeps only its last 4 characters.
    """
    text = value.strip()
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and number.country_code == 86:
        national = phonenumbers.national_significant_number(number)
        area = phonenumbers.length_of_geographical_area_code(number)
        if area:
            return f"0{national[:area]}-{'*' * (len(national) - area - 4)}{national[-4:]}"
        if len(national) == 11 and national.startswith("1"):
            return f"{national[:3]}****{national[-4:]}"
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_name(name: str) -> str:
    """Mask a person's name, keeping the surname (姓).

    ``"张三"`` → ``"张*"``, ``"欧阳娜娜"`` → ``"欧阳**"``; compound surnames
    (复姓) are kept whole. Separators of minority names (``·``) stay visible.
    """
    text = name.strip()
    if len(text) <= 1:
        return "*" * len(text)
    keep = 2 if text[:2] in _COMPOUND_SURNAMES and len(text) > 2 else 1
    return text[:keep] + "".join(c if c in _NAME_SEPARATORS else "*" for c in text[keep:])
