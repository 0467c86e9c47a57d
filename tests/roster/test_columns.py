"""Header aliases of the roster template."""

from __future__ import annotations

import pytest

from warmth.roster.columns import (
    FIELD_ALIASES,
    LABELS,
    ROSTER_REQUIRED,
    match_header,
    resolve_header,
)
from warmth.roster.errors import RosterFileError

FULL_HEADER = ["序号", "姓名", "公民身份号码", "联系电话", "区", "街道", "社区", "居住地址", "类别"]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("序号", "seq"),
        ("姓名", "name"),
        ("公民身份号码", "id_number"),
        ("身份证号", "id_number"),
        ("身份证号码", "id_number"),
        ("联系电话", "phone"),
        ("电话", "phone"),
        ("手机", "phone"),
        ("区", "district"),
        ("区县", "district"),
        ("街道", "street"),
        ("街镇", "street"),
        ("镇", "street"),
        ("社区", "community"),
        ("村居", "community"),
        ("社区/村", "community"),
        ("居住地址", "address"),
        ("地址", "address"),
        ("类别", "category"),
        ("家庭人数", "household_size"),
        ("报送单位", "reporting_unit"),
        ("需求", "needs"),
        ("隐患", "hazards"),
        ("备注", "note"),
        (" 姓名 ", "name"),
        ("姓 名", "name"),
        ("\ufeff姓名", "name"),
        ("Name", "name"),
        ("ID_NUMBER", "id_number"),
        ("id number", "id_number"),
        ("Household-Size", "household_size"),
        ("ｐｈｏｎｅ", "phone"),
        ("民族", None),
        ("", None),
    ],
)
def test_match_header(header: str, field: str | None) -> None:
    assert match_header(header) == field


def test_every_field_matches_its_english_name() -> None:
    for field in FIELD_ALIASES:
        assert match_header(field) == field


def test_labels_are_the_chinese_template_names() -> None:
    assert LABELS["id_number"] == "公民身份号码"
    assert LABELS["category"] == "类别"


def test_resolve_header_keeps_unknown_columns() -> None:
    keys = resolve_header([*FULL_HEADER, "民族", "", "民族"])
    assert keys == [
        "seq",
        "name",
        "id_number",
        "phone",
        "district",
        "street",
        "community",
        "address",
        "category",
        "民族",
        "column_11",
        "民族 (2)",
    ]


def test_resolve_header_in_any_order() -> None:
    keys = resolve_header(["类别", "社区", "街道", "区", "身份证号", "姓名"])
    assert keys == ["category", "community", "street", "district", "id_number", "name"]


def test_missing_required_columns_are_named() -> None:
    with pytest.raises(RosterFileError) as caught:
        resolve_header(["姓名", "区", "街道", "备注"])
    assert str(caught.value) == (
        "表头缺少必填列：公民身份号码、社区、类别 / header is missing required columns: "
        "公民身份号码 (id_number), 社区 (community), 类别 (category)"
    )


def test_all_required_columns_missing() -> None:
    with pytest.raises(RosterFileError) as caught:
        resolve_header(["a", "b"])
    message = str(caught.value)
    assert [LABELS[field] in message for field in ROSTER_REQUIRED] == [True] * 6


def test_duplicate_columns_are_rejected() -> None:
    with pytest.raises(RosterFileError) as caught:
        resolve_header([*FULL_HEADER, "手机"])
    assert str(caught.value) == (
        "表头有重复的列：联系电话、手机 → phone，请只保留一列 / "
        "duplicate columns for the same field: 联系电话、手机 → phone; keep only one"
    )


def test_required_fields_can_be_chosen() -> None:
    assert resolve_header(["区", "街道", "社区"], ("district", "street", "community")) == [
        "district",
        "street",
        "community",
    ]
