"""Normalisation of roster cells."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warmth.roster.normalize import (
    clean_code,
    clean_text,
    normalize_name,
    optional_text,
    parse_hazards,
    parse_household_size,
    place_key,
    split_categories,
    to_halfwidth,
)


def test_to_halfwidth_changes_digits_letters_and_space_only() -> None:
    assert to_halfwidth("１２３ＡＢｃ\u3000（一）、，") == "123ABc （一）、，"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  幸福路 １２ 号  ", "幸福路 12 号"),
        ("a\t\n b", "a b"),
        ("\u3000\u3000", ""),
        ("电线老化，需更换（急）", "电线老化，需更换（急）"),
        ("\u200b备注", "备注"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_code_uses_nfkc() -> None:
    assert clean_code(" ０２１－１２３４ ") == "021-1234"


def test_optional_text() -> None:
    assert optional_text("   ") is None
    assert optional_text(" 取暖 ") == "取暖"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("张三", "张三"),
        ("张　三", "张三"),
        (" 张  三 ", "张三"),
        ("欧阳 娜娜", "欧阳娜娜"),
        ("买买提•艾力", "买买提·艾力"),
        ("买买提 . 艾力", "买买提·艾力"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("John  Smith", "John Smith"),
        ("", ""),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_place_key_ignores_width_case_and_spaces() -> None:
    assert place_key(" 特困人员（分散供养） ") == place_key("特困人员(分散 供养)")
    assert place_key("ABC社区") == place_key("ａｂｃ社区")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("低保对象", ["低保对象"]),
        ("低保对象、残疾人", ["低保对象", "残疾人"]),
        (
            "低保对象;残疾人；孤儿,空巢老人，独居老人",
            ["低保对象", "残疾人", "孤儿", "空巢老人", "独居老人"],
        ),
        (" 低保对象 、、 残疾人 ", ["低保对象", "残疾人"]),
        ("低保对象、低保对象", ["低保对象"]),
        ("", []),
        ("、", []),
    ],
)
def test_split_categories(raw: str, expected: list[str]) -> None:
    assert split_categories(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", 3),
        ("３", 3),
        (" 3 ", 3),
        ("3.0", 3),
        ("3人", 3),
        ("3口", 3),
        ("0", 0),
        ("-1", None),
        ("2.5", None),
        ("三", None),
        ("abc", None),
    ],
)
def test_parse_household_size(raw: str, expected: int | None) -> None:
    assert parse_household_size(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("电线老化", ("用电",)),
        ("燃气灶漏气", ("用气",)),
        ("煤气热水器无排风", ("用气", "用水")),
        ("水管冻裂", ("用水",)),
        ("楼道堆物，有火灾隐患，无灭火器", ("消防",)),
        ("消防通道堵塞", ("消防",)),
        ("冰箱内食品过期变质", ("食品安全",)),
        (
            "私拉电线；液化气罐放在灶旁；水龙头漏水；堆放杂物易起火；食品霉变",
            ("用电", "用气", "用水", "消防", "食品安全"),
        ),
        ("暖气不热", ()),
        ("电话打不通", ()),
        ("无", ()),
        ("暂无", ()),
        ("", ()),
        ("其他问题", ()),
    ],
)
def test_parse_hazards(raw: str, expected: tuple[str, ...]) -> None:
    assert parse_hazards(raw) == expected


_CELL_TEXT = st.text(
    alphabet=st.sampled_from(
        [
            *["a", "Z", "7", " ", "\t", "\n", "\xa0", "\u2028", "\x1c", "１", "Ａ", "ｚ", "！"],
            *["\u3000", "\u200b", "\u2060", "\ufeff", "梅", "路", "、", "。", "'", "-"],
        ]
    ),
    max_size=12,
)


@given(_CELL_TEXT)
def test_clean_text_is_its_definition(value: str) -> None:
    # clean_text returns the usual cell unchanged without translating it: that shortcut
    # must give what the definition gives for every text.
    invisible = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
    table = {**{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}, 0x3000: 0x20, **invisible}
    table |= {c: c - 0xFEE0 for c in [*range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]}
    assert clean_text(value) == " ".join(value.translate(table).split())


@given(_CELL_TEXT)
def test_clean_code_is_its_definition(value: str) -> None:
    invisible = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
    assert clean_code(value) == unicodedata.normalize("NFKC", value).translate(invisible).strip()
