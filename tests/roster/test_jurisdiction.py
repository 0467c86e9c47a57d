"""Reading the jurisdiction (辖区) file."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest

from warmth.roster import RosterFileError, read_jurisdiction


def write(path: Path, rows: Sequence[Sequence[str | None]], encoding: str = "utf-8") -> Path:
    if path.suffix == ".csv":
        with path.open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle).writerows(rows)
        return path
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


@pytest.mark.parametrize("name", ["j.csv", "j.xlsx"])
def test_read_jurisdiction(tmp_path: Path, name: str) -> None:
    path = write(
        tmp_path / name,
        [
            ["区", "街道", "社区", "备注"],
            ["闵行区", "江川路街道", "樱花社区", ""],
            [" 闵行区 ", "江川路街道", "红旗村", ""],
            ["闵行区", "江川路街道", "樱花社区", "重复"],
            ["徐汇区", "田林街道", "田林十二村", ""],
        ],
    )
    assert read_jurisdiction(path) == [
        ("闵行区", "江川路街道", "樱花社区"),
        ("闵行区", "江川路街道", "红旗村"),
        ("徐汇区", "田林街道", "田林十二村"),
    ]


def test_english_headers_and_gbk(tmp_path: Path) -> None:
    path = write(
        tmp_path / "j.csv",
        [["Community", "District", "Street"], ["樱花社区", "闵行区", "江川路街道"]],
        "gbk",
    )
    assert read_jurisdiction(path) == [("闵行区", "江川路街道", "樱花社区")]


def test_aliases(tmp_path: Path) -> None:
    path = write(tmp_path / "j.csv", [["区县", "街镇", "社区/村"], ["奉贤区", "庄行镇", "新叶村"]])
    assert read_jurisdiction(path) == [("奉贤区", "庄行镇", "新叶村")]


def test_merged_cells_repeat_the_value_above(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [
        ["区", "街道", "社区"],
        ["闵行区", "江川路街道", "樱花社区"],
        [None, None, "红旗村"],
        [None, "古美路街道", "古美一村"],
        ["徐汇区", "田林街道", "田林十二村"],
    ]:
        sheet.append(row)
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("B2:B3")
    path = tmp_path / "j.xlsx"
    workbook.save(path)
    assert read_jurisdiction(path) == [
        ("闵行区", "江川路街道", "樱花社区"),
        ("闵行区", "江川路街道", "红旗村"),
        ("闵行区", "古美路街道", "古美一村"),
        ("徐汇区", "田林街道", "田林十二村"),
    ]


def test_blank_street_under_a_new_district_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "j.csv",
        [
            ["区", "街道", "社区"],
            ["闵行区", "江川路街道", "樱花社区"],
            ["徐汇区", "", "田林十二村"],
        ],
    )
    with pytest.raises(RosterFileError) as caught:
        read_jurisdiction(path)
    assert str(caught.value) == (
        "辖区文件第2行缺少区、街道或社区 / "
        "jurisdiction row 2 lacks the district, street or community"
    )


def test_row_without_community_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "j.csv", [["区", "街道", "社区"], ["闵行区", "江川路街道", ""]])
    with pytest.raises(RosterFileError) as caught:
        read_jurisdiction(path)
    assert str(caught.value).startswith("辖区文件第1行缺少区、街道或社区")


def test_empty_jurisdiction_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "j.csv", [["区", "街道", "社区"]])
    with pytest.raises(RosterFileError) as caught:
        read_jurisdiction(path)
    assert str(caught.value) == "辖区文件中没有社区 / the jurisdiction file lists no community"


def test_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "j.csv", [["区", "社区"], ["闵行区", "樱花社区"]])
    with pytest.raises(RosterFileError) as caught:
        read_jurisdiction(path)
    assert str(caught.value) == (
        "表头缺少必填列：街道 / header is missing required columns: 街道 (street)"
    )
