"""Validation of one roster row (花名册逐行校验) into a :class:`RosterRecord`."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Collection, Iterator, Mapping
from datetime import date
from typing import Any, Final

import phonenumbers
from phonenumbers import PhoneNumberType
from pydantic import BaseModel, ConfigDict

from warmth.domain.ids import IdError, check_id, mask_id, mask_name, mask_phone, normalize_id
from warmth.roster.columns import FIELDS
from warmth.roster.errors import RowError
from warmth.roster.normalize import (
    HazardKind,
    clean_code,
    clean_text,
    normalize_name,
    optional_text,
    parse_hazards,
    parse_household_size,
    place_key,
    split_categories,
)


class RosterRecord(BaseModel):
    """A validated, normalised roster row (花名册记录).

    ``row`` is the data-row number in its file, ``seq`` the 序号 cell if any.
    ``phone`` is ``"13812345678"`` for mobiles and ``"021-12345678"`` for
    landlines. Place and category names use the plan's spelling. ``repr()``
    masks the name, ID number and phone.
    """

    model_config = ConfigDict(frozen=True)

    row: int
    seq: str | None = None
    name: str
    id_number: str
    phone: str | None = None
    district: str
    street: str
    community: str
    address: str | None = None
    categories: tuple[str, ...]
    household_size: int = 1
    reporting_unit: str | None = None
    needs: str | None = None
    hazards: tuple[HazardKind, ...] = ()
    hazards_text: str | None = None
    note: str | None = None
    extra: dict[str, str] = {}

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for key, value in super().__repr_args__():
            if key == "name":
                yield key, mask_name(value)
            elif key == "id_number":
                yield key, mask_id(value)
            elif key == "phone" and value is not None:
                yield key, mask_phone(value)
            else:
                yield key, value


REQUIRED: Final = {
    "name": "姓名为空 / name is missing",
    "id_number": "公民身份号码为空 / ID number is missing",
    "district": "区为空 / district is missing",
    "street": "街道为空 / street is missing",
    "community": "社区为空 / community is missing",
    "category": "类别为空 / category is missing",
}
ID_REASONS: Final[dict[IdError, str]] = {
    "length": "身份证号码应为18位 / ID number must have 18 characters",
    "format": (
        "身份证号码格式错误，应为17位数字加1位数字或X / "
        "ID number format is wrong: 17 digits then a digit or X"
    ),
    "checksum": "身份证号码校验位错误 / ID number check character is wrong",
    "birth_date": (
        "身份证号码中的出生日期无效或晚于今天 / "
        "birth date in the ID number is not a real date or is in the future"
    ),
    "region": ("身份证号码的地区码不存在 / region code of the ID number does not exist"),
}
ID_OLD_15 = (
    "15位旧身份证号码，请填写18位号码 / old 15-digit ID number; enter the 18-character number"
)
ID_SCIENTIFIC = (
    "身份证号码被Excel转成了科学计数法，请把该列设为文本格式后重新录入 / "
    "ID number was turned into scientific notation by Excel; "
    "format the column as text and enter it again"
)
PHONE_INVALID = (
    "联系电话不是有效的手机或固定电话号码 / phone is not a valid mainland mobile or landline number"
)
PHONE_NO_AREA = "固定电话缺少区号 / landline number lacks the area code"
PHONE_SEVERAL = "联系电话只能填写一个号码 / enter a single phone number"
HOUSEHOLD_INVALID = "家庭人数应为正整数 / household size must be a positive integer"

_SCIENTIFIC = re.compile(r"[0-9.]+E\+?[0-9]+")


def _mobile_pattern() -> str:
    """phonenumbers' pattern of mainland mobile national numbers."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    pattern = (
        None
        if metadata is None or metadata.mobile is None
        else metadata.mobile.national_number_pattern
    )
    if pattern is None:  # pragma: no cover - metadata always has it
        raise RuntimeError("phonenumbers has no CN mobile pattern")
    return pattern


_PHONE_SEPARATORS = re.compile(r"[、,，;；/|\n]")
_PHONE_PUNCTUATION = re.compile(r"[\s\-()]")
_MOBILE = re.compile(_mobile_pattern())
_PHONE_TYPES: Final = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
_FIELD_SET: Final = frozenset(FIELDS)
_Problem = tuple[str, str]
"""A failing field and its reason, before the row number is attached."""
_PLACE: Final = ("district", "street", "community")
_MEMO_SIZE: Final = 4096


def normalize_phone(value: str) -> tuple[str | None, str | None]:
    """Return ``(canonical phone, None)`` or ``(None, bilingual reason)``.

    An empty cell gives ``(None, None)``. Only mainland China (+86) mobiles
    and landlines with area code are accepted.
    """
    if len(value) == 11 and value.isascii() and value.isdigit() and value.startswith("1"):
        # The usual cell, a bare mobile number: cleaning would not change it.
        return (value, None) if _MOBILE.fullmatch(value) else (None, PHONE_INVALID)
    text = clean_code(value)
    if not text:
        return None, None
    if len([part for part in _PHONE_SEPARATORS.split(text) if part.strip()]) > 1:
        return None, PHONE_SEVERAL
    digits = _PHONE_PUNCTUATION.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1") and digits.isascii() and digits.isdigit():
        # Fast path for mobiles (most rows), with phonenumbers' own CN pattern.
        return (digits, None) if _MOBILE.fullmatch(digits) else (None, PHONE_INVALID)
    return _parse_phone(text, digits)


@functools.lru_cache(maxsize=65536)
def _parse_phone(text: str, digits: str) -> tuple[str | None, str | None]:
    """Slow path of :func:`normalize_phone` (landlines), cached: households share phones."""
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None, PHONE_INVALID
    kind = phonenumbers.number_type(number)
    if number.country_code != 86 or kind not in _PHONE_TYPES:
        if digits.isdigit() and len(digits) in (7, 8) and not digits.startswith("0"):
            return None, PHONE_NO_AREA
        return None, PHONE_INVALID
    national = phonenumbers.national_significant_number(number)
    if kind == PhoneNumberType.MOBILE:
        return national, None
    area = phonenumbers.length_of_national_destination_code(number)
    return (f"0{national[:area]}-{national[area:]}" if area else national), None


class RosterValidator:
    """Validates raw roster rows against a campaign plan (救助计划).

    ``categories`` are the plan's target categories (救助对象类别);
    ``communities`` the jurisdiction as ``(district, street, community)``
    triples (区, 街道, 社区). Names match after NFKC, case folding and removal
    of spaces; records carry the plan's spelling. ``today`` bounds birth dates
    (default: the current date, read at most once a second).
    """

    def __init__(
        self,
        categories: Collection[str],
        communities: Collection[tuple[str, str, str]],
        *,
        today: date | None = None,
    ) -> None:
        self._categories = {place_key(c): c for c in categories}
        self._districts: dict[str, str] = {}
        self._streets: dict[tuple[str, str], str] = {}
        self._communities: dict[tuple[str, str, str], str] = {}
        for district, street, community in communities:
            d, s, c = place_key(district), place_key(street), place_key(community)
            self._districts.setdefault(d, district)
            self._streets.setdefault((d, s), street)
            self._communities.setdefault((d, s, c), community)
        self._today = today
        self._date_now = date.today()
        self._date_until = time.monotonic() + 1.0
        self._place_memo: dict[tuple[str, str, str], tuple[str, str, str] | list[_Problem]] = {}
        self._category_memo: dict[str, tuple[str, ...] | list[_Problem]] = {}

    def validate(self, row_number: int, raw: Mapping[str, str]) -> RosterRecord | list[RowError]:
        """Return the record for a raw row, or one :class:`RowError` per failing field.

        ``raw`` maps canonical field names (see :data:`~warmth.roster.columns.FIELDS`)
        to cell text; other keys are kept as ``extra``. A missing key is an
        empty cell.
        """
        fields = self.validate_fields(row_number, raw)
        if isinstance(fields, list):
            return fields
        # Every value already has its field's type (checked by a test against validated
        # construction): build the frozen record without validating it again.
        return RosterRecord.model_construct(
            **{
                **fields,
                "categories": tuple(fields["categories"]),
                "hazards": tuple(fields["hazards"]),
            }
        )

    def validate_fields(
        self, row_number: int, raw: Mapping[str, str]
    ) -> dict[str, Any] | list[RowError]:
        """:meth:`validate` giving the record's JSON form, ``record.model_dump(mode="json")``.

        What bulk work stores and counts (an import stages this dict as JSON, a check
        counts ID numbers): building the pydantic record costs as much as checking the
        row. The keys are the record's fields in their order; tuples are lists.
        """
        problems: list[_Problem] = []

        name = normalize_name(raw.get("name", ""))
        if not name:
            problems.append(("name", REQUIRED["name"]))

        id_number = normalize_id(raw.get("id_number", ""))
        id_reason = self._id_reason(id_number)
        if id_reason:
            problems.append(("id_number", id_reason))

        phone, phone_reason = normalize_phone(raw.get("phone", ""))
        if phone_reason:
            problems.append(("phone", phone_reason))

        place = self._place(
            raw.get("district", ""), raw.get("street", ""), raw.get("community", "")
        )
        if isinstance(place, list):
            problems.extend(place)

        categories = self._categorize(raw.get("category", ""))
        if isinstance(categories, list):
            problems.extend(categories)

        household_size = 1
        size_text = raw.get("household_size", "")
        if not (size_text.isascii() and size_text.isdigit()):  # else it is clean already
            size_text = clean_code(size_text)
        if size_text:
            size = parse_household_size(size_text)
            if size is None or size < 1:
                problems.append(("household_size", HOUSEHOLD_INVALID))
            else:
                household_size = size

        if problems or isinstance(place, list) or isinstance(categories, list):
            return [RowError(row=row_number, field=f, reason=r) for f, r in problems]
        hazards_text = optional_text(raw.get("hazards", ""))
        return {
            "row": row_number,
            "seq": clean_code(raw.get("seq", "")) or None,
            "name": name,
            "id_number": id_number,
            "phone": phone,
            "district": place[0],
            "street": place[1],
            "community": place[2],
            "address": optional_text(raw.get("address", "")),
            "categories": list(categories),
            "household_size": household_size,
            "reporting_unit": optional_text(raw.get("reporting_unit", "")),
            "needs": optional_text(raw.get("needs", "")),
            "hazards": list(parse_hazards(hazards_text or "")),
            "hazards_text": hazards_text,
            "note": optional_text(raw.get("note", "")),
            "extra": {}
            if raw.keys() <= _FIELD_SET
            else {
                key: text
                for key, value in raw.items()
                if key not in _FIELD_SET and (text := clean_text(value))
            },
        }

    def _current_date(self) -> date:
        """Today's date, asked of the clock at most once a second (rows come by the thousand)."""
        now = time.monotonic()
        if now >= self._date_until:
            self._date_now = date.today()
            self._date_until = now + 1.0
        return self._date_now

    def _id_reason(self, id_number: str) -> str | None:
        if not id_number:
            return REQUIRED["id_number"]
        if _SCIENTIFIC.fullmatch(id_number):
            return ID_SCIENTIFIC
        code = check_id(id_number, today=self._today or self._current_date())
        if code is None:
            return None
        if code == "length" and len(id_number) == 15 and id_number.isdigit():
            return ID_OLD_15
        return ID_REASONS[code]

    def _place(
        self, district: str, street: str, community: str
    ) -> tuple[str, str, str] | list[_Problem]:
        """Resolve a place to the plan's spelling; memoised, rosters repeat few places."""
        key = (district, street, community)
        found = self._place_memo.get(key)
        if found is None:
            found = self._resolve_place(key)
            if len(self._place_memo) >= _MEMO_SIZE:
                self._place_memo.clear()
            self._place_memo[key] = found
        return found

    def _resolve_place(self, raw: tuple[str, str, str]) -> tuple[str, str, str] | list[_Problem]:
        texts = [clean_text(value) for value in raw]
        missing: list[_Problem] = [
            (field, REQUIRED[field]) for field, text in zip(_PLACE, texts, strict=True) if not text
        ]
        if missing:
            return missing
        d, s, c = (place_key(text) for text in texts)
        district = self._districts.get(d)
        if district is None:
            return [
                ("district", f"区不在本次辖区内：{texts[0]} / district is not in the jurisdiction")
            ]
        street = self._streets.get((d, s))
        if street is None:
            return [
                (
                    "street",
                    f"街道不属于{district}：{texts[1]} / street is not in district {district}",
                )
            ]
        community = self._communities.get((d, s, c))
        if community is None:
            return [
                (
                    "community",
                    f"社区不属于{district}{street}：{texts[2]} / "
                    f"community is not in {district} {street}",
                )
            ]
        return district, street, community

    def _categorize(self, value: str) -> tuple[str, ...] | list[_Problem]:
        """Resolve a 类别 cell to the plan's categories; memoised like places."""
        found = self._category_memo.get(value)
        if found is None:
            found = self._resolve_categories(value)
            if len(self._category_memo) >= _MEMO_SIZE:
                self._category_memo.clear()
            self._category_memo[value] = found
        return found

    def _resolve_categories(self, value: str) -> tuple[str, ...] | list[_Problem]:
        parts = split_categories(value)
        if not parts:
            return [("category", REQUIRED["category"])]
        known: list[str] = []
        unknown: list[str] = []
        for part in parts:
            category = self._categories.get(place_key(part))
            if category is None:
                unknown.append(part)
            elif category not in known:
                known.append(category)
        if unknown:
            listed = "、".join(unknown)
            return [
                (
                    "category",
                    f"类别不在本次计划内：{listed} / category is not one of the plan's: {listed}",
                )
            ]
        return tuple(known)
