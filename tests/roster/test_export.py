"""Formula-safe spreadsheet and CSV exports."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from warmth.roster.export import safe_cell, safe_row, write_csv, write_xlsx


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
        (" =1", " =1"),
    ],
)
def test_safe_cell_strings(value: str, expected: str) -> None:
    assert safe_cell(value) == expected


def test_safe_cell_leaves_other_types() -> None:
    assert [safe_cell(-5), safe_cell(1.5), safe_cell(None), safe_cell(True)] == [
        -5,
        1.5,
        None,
        True,
    ]


def test_safe_row() -> None:
    assert safe_row(["=x", 3, "ok"]) == ["'=x", 3, "ok"]


def test_write_xlsx_never_writes_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(
        path,
        ["=head", "b"],
        [["=1+1", 2], ["-2", "正常"]],
        sheet_title="导出",
        column_widths=(10, 20),
    )
    with CalamineWorkbook.from_path(path) as workbook:
        assert workbook.sheet_names == ["导出"]
        rows = workbook.get_sheet_by_index(0).to_python()
    assert rows == [["'=head", "b"], ["'=1+1", 2.0], ["'-2", "正常"]]


def test_write_csv_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["姓名", "备注"], [["张三", "=1+1"], ["李四", "a,b"]])
    assert path.read_bytes() == '\ufeff姓名,备注\r\n张三,\'=1+1\r\n李四,"a,b"\r\n'.encode()


def test_write_csv_checks_only_the_text_columns_it_is_told(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(path, ["=序号", "姓名"], [[-1, "=cmd"], ["-2.00", "+x"]], text_columns=(1,))
    assert read_csv(path) == [["'=序号", "姓名"], ["-1", "'=cmd"], ["-2.00", "'+x"]]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))
