"""Whole-file check and the error report."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from warmth.domain.ids import generate_id
from warmth.roster import (
    CheckResult,
    RosterFileError,
    RowError,
    check_file,
    write_error_report,
)

TODAY = date(2025, 1, 15)
CATEGORIES = ["低保对象", "残疾人", "空巢老人"]
COMMUNITIES = [("闵行区", "江川路街道", "樱花社区"), ("闵行区", "江川路街道", "红旗村")]
HEADER = ["序号", "姓名", "身份证号", "手机", "区", "街道", "社区", "类别", "报送单位"]
ID_A = generate_id(random.Random(1), "310112", date(1950, 6, 1))
ID_B = generate_id(random.Random(2), "310104", date(1960, 1, 9))
BAD_ID = ID_A[:-1] + ("1" if ID_A[-1] == "0" else "0")
ROWS = [
    ["1", "张三", ID_A, "13812345678", "闵行区", "江川路街道", "樱花社区", "低保对象", "街道"],
    ["2", "李四", ID_B, "", "闵行区", "江川路街道", "红旗村", "残疾人", "残联"],
    [],
    ["4", "张三", ID_A.lower(), "", "闵行区", "江川路街道", "樱花社区", "空巢老人", "老龄办"],
    ["5", "", BAD_ID, "123", "闵行区", "江川路街道", "樱花社区", "低保对象", "街道"],
    ["6", "王五", ID_B, "", "闵行区", "江川路街道", "花园社区", "残疾人", "残联"],
    ["7", "李四", ID_B, "", "闵行区", "江川路街道", "红旗村", "残疾人", "残联"],
]
CHECKSUM = "身份证号码校验位错误 / ID number check character is wrong"


def write_roster(path: Path, kind: str) -> Path:
    if kind == "csv":
        with path.with_suffix(".csv").open("w", encoding="gbk", newline="") as handle:
            csv.writer(handle).writerows([HEADER, *ROWS])
        return path.with_suffix(".csv")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    workbook.save(path.with_suffix(".xlsx"))
    return path.with_suffix(".xlsx")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_check_file(tmp_path: Path, kind: str) -> None:
    result = check_file(
        write_roster(tmp_path / "roster", kind), CATEGORIES, COMMUNITIES, today=TODAY
    )
    assert result == CheckResult(
        rows=6,
        accepted=4,
        rejected=[
            RowError(row=5, field="name", reason="姓名为空 / name is missing"),
            RowError(row=5, field="id_number", reason=CHECKSUM),
            RowError(
                row=5,
                field="phone",
                reason="联系电话不是有效的手机或固定电话号码 / "
                "phone is not a valid mainland mobile or landline number",
            ),
            RowError(
                row=6,
                field="community",
                reason="社区不属于闵行区江川路街道：花园社区 / "
                "community is not in 闵行区 江川路街道",
            ),
        ],
        merged=2,
        people=2,
    )
    assert result.rejected_rows == 2
    assert result.rows == result.accepted + result.rejected_rows
    assert result.accepted == result.people + result.merged


def test_check_file_header_only(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    assert check_file(path, CATEGORIES, COMMUNITIES) == CheckResult()


def test_check_file_with_explicit_encoding(tmp_path: Path) -> None:
    path = write_roster(tmp_path / "roster", "csv")
    result = check_file(path, CATEGORIES, COMMUNITIES, "gb18030", today=TODAY)
    assert (result.rows, result.accepted) == (6, 4)


def test_check_file_raises_for_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("姓名,区\n张三,闵行区\n", encoding="utf-8")
    with pytest.raises(RosterFileError):
        check_file(path, CATEGORIES, COMMUNITIES)


def test_check_result_round_trips_as_json() -> None:
    result = CheckResult(rows=1, rejected=[RowError(row=1, field="name", reason="x")])
    assert CheckResult.model_validate_json(result.model_dump_json()) == result


def read_report(path: Path) -> list[list[Any]]:
    with CalamineWorkbook.from_path(path) as workbook:
        assert workbook.sheet_names == ["错误 errors"]
        return workbook.get_sheet_by_index(0).to_python()


def test_error_report_from_result(tmp_path: Path) -> None:
    result = check_file(
        write_roster(tmp_path / "roster", "csv"), CATEGORIES, COMMUNITIES, today=TODAY
    )
    report = tmp_path / "errors.xlsx"
    write_error_report(result, report)
    assert read_report(report) == [
        ["行号/row", "字段/field", "原因/reason"],
        [5.0, "姓名 / name", "姓名为空 / name is missing"],
        [5.0, "公民身份号码 / id_number", CHECKSUM],
        [
            5.0,
            "联系电话 / phone",
            "联系电话不是有效的手机或固定电话号码 / "
            "phone is not a valid mainland mobile or landline number",
        ],
        [
            6.0,
            "社区 / community",
            "社区不属于闵行区江川路街道：花园社区 / community is not in 闵行区 江川路街道",
        ],
    ]


def test_error_report_from_errors_is_formula_safe(tmp_path: Path) -> None:
    report = tmp_path / "errors.xlsx"
    write_error_report(
        [
            RowError(row=3, field="=cmd", reason='=HYPERLINK("http://x")'),
            RowError(row=4, field="note", reason="-"),
        ],
        report,
    )
    assert read_report(report) == [
        ["行号/row", "字段/field", "原因/reason"],
        [3.0, "'=cmd", '\'=HYPERLINK("http://x")'],
        [4.0, "备注 / note", "'-"],
    ]
    sheet = openpyxl.load_workbook(report).active
    assert sheet is not None
    assert [cell.data_type for cell in sheet[2]] == ["n", "s", "s"]


def test_error_report_without_errors(tmp_path: Path) -> None:
    report = tmp_path / "errors.xlsx"
    write_error_report(CheckResult(), report)
    assert read_report(report) == [["行号/row", "字段/field", "原因/reason"]]
