"""Resident ID numbers (公民身份号码) and masking."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from warmth.domain.ids import (
    birth_date,
    check_id,
    generate_id,
    is_valid_id,
    mask_id,
    mask_name,
    mask_phone,
    normalize_id,
)

TODAY = date(2025, 1, 15)
# Region codes valid whatever the birth year: 东城区, 朝阳区, 徐汇区, 闵行区, 浦东新区, 南京玄武区.
REGIONS = ["110101", "110105", "310104", "310112", "310115", "320102"]
VALID = "11010519491231002X"  # GB 11643 example number


def with_check(body17: str) -> str:
    """Append the right check character to 17 characters (stdnum computes it)."""
    return body17 + ric.calc_check_digit(body17 + "0")


valid_ids = st.builds(
    generate_id,
    st.randoms(use_true_random=False),
    st.sampled_from(REGIONS),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
)


def test_known_valid_number() -> None:
    assert check_id(VALID, today=TODAY) is None
    assert is_valid_id(VALID, today=TODAY) is True


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),
        (" 11010519491231002X\t", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("110105 19491231 002X", "11010519491231002X"),
        ("'11010519491231002X", "11010519491231002X"),
        ("\u200b11010519491231002X\ufeff", "11010519491231002X"),
        ("", ""),
    ],
)
def test_normalize_id(raw: str, expected: str) -> None:
    assert normalize_id(raw) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "length"),
        ("11010519491231002", "length"),
        ("11010519491231002XX", "length"),
        ("110105194912310", "length"),
        ("11010519491231002x", "format"),  # lower case: normalize first
        ("1101051949123100AX", "format"),
        ("11010519491231002A", "format"),
        ("110105 949123100 X", "format"),
        ("110105194912310021", "checksum"),
        (with_check("31010419901301123"), "birth_date"),  # month 13
        (with_check("31010419900230123"), "birth_date"),  # 30 February
        (with_check("31010418991231123"), "birth_date"),  # before 1900
        (with_check("31010420250116123"), "birth_date"),  # after TODAY
        (with_check("99999919900101123"), "region"),  # unknown province
        (with_check("31999919900101123"), "region"),  # unknown county (stdnum: KeyError)
        (with_check("31011119900101123"), "region"),  # 吴淞区 abolished 1988, born 1990
    ],
)
def test_check_id_error_codes(value: str, expected: str) -> None:
    assert check_id(value, today=TODAY) == expected


def test_birth_date_on_today_is_valid() -> None:
    assert check_id(with_check("31010420250115123"), today=TODAY) is None


def test_region_created_after_birth_is_valid() -> None:
    # 浦东新区 (310115) exists since 1992; numbers are issued long after birth.
    assert check_id(with_check("31011519850101123"), today=TODAY) is None
    # 吴淞区 (310111) existed until 1988: fine for someone born in 1980.
    assert check_id(with_check("31011119800101123"), today=TODAY) is None


def test_birth_date() -> None:
    assert birth_date(VALID) == date(1949, 12, 31)
    assert birth_date("11010519491231002x") == date(1949, 12, 31)


@pytest.mark.parametrize("value", ["123", "1101051949AB31002X", with_check("31010419901301123")])
def test_birth_date_rejects_bad_numbers(value: str) -> None:
    with pytest.raises(ValueError):
        birth_date(value)


def test_generate_id_is_deterministic_and_valid() -> None:
    first = generate_id(random.Random(7), "310104", date(1950, 3, 4))
    second = generate_id(random.Random(7), "310104", date(1950, 3, 4))
    assert first == second
    assert first[:14] == "31010419500304"
    assert check_id(first, today=TODAY) is None


@pytest.mark.parametrize("region", ["31010", "3101045", "31010A", ""])
def test_generate_id_rejects_bad_region(region: str) -> None:
    with pytest.raises(ValueError):
        generate_id(random.Random(1), region, date(1950, 1, 1))


@given(valid_ids)
def test_generated_ids_are_valid(value: str) -> None:
    assert check_id(value, today=TODAY) is None


@given(valid_ids, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_any_substitution_fails(value: str, position: int, char: str) -> None:
    changed = value[:position] + char + value[position + 1 :]
    if changed == value:
        changed = value[:position] + ("1" if char == "0" else "0") + value[position + 1 :]
    assert check_id(changed, today=TODAY) is not None


@given(valid_ids, st.integers(min_value=0, max_value=17), st.characters())
def test_any_single_character_edit_fails(value: str, position: int, char: str) -> None:
    replaced = value[:position] + char + value[position + 1 :]
    inserted = value[:position] + char + value[position:]
    deleted = value[:position] + value[position + 1 :]
    if replaced != value:
        assert check_id(replaced, today=TODAY) is not None
    assert check_id(inserted, today=TODAY) == "length"
    assert check_id(deleted, today=TODAY) == "length"


@given(valid_ids)
def test_full_width_and_lower_case_normalize_back(value: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in value.lower())
    assert normalize_id(full_width) == value


@given(valid_ids)
def test_mask_id_keeps_six_and_four(value: str) -> None:
    assert mask_id(value) == value[:6] + "********" + value[-4:]


def test_mask_id_examples() -> None:
    assert mask_id("310112199001011234") == "310112********1234"
    assert mask_id("1234567890") == "**********"
    assert mask_id("") == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("021-12345678", "021-****5678"),
        ("02112345678", "021-****5678"),
        ("0310-1234567", "0310-***4567"),
        ("010-87654321", "010-****4321"),
        ("95588", "*5588"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_phone(value: str, expected: str) -> None:
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳修", "欧阳*"),
        ("欧阳", "欧*"),
        ("司马相如", "司马**"),
        ("买买提·艾力", "买**·**"),
        ("王", "*"),
        (" 李四 ", "李*"),
        ("", ""),
    ],
)
def test_mask_name(value: str, expected: str) -> None:
    assert mask_name(value) == expected
