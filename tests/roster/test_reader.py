"""Reading roster files: CSV encodings, XLSX, malformed files, laziness."""

from __future__ import annotations

import csv
import itertools
import random
import tracemalloc
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from warmth.roster.errors import RosterFileError
from warmth.roster.reader import SAMPLE_SIZE, detect_encoding, read_rows

HEADER = ["序号", "姓名", "公民身份号码", "联系电话", "区", "街道", "社区", "类别", "备注"]
ROW_1 = [
    "1",
    "张三",
    "11010519491231002X",
    "13812345678",
    "闵行区",
    "江川路街道",
    "樱花社区",
    "低保对象",
    "独居",
]
ROW_2 = [
    "2",
    "䶮李",
    "310104195003041234",
    "021-52345678",
    "闵行区",
    "江川路街道",
    "红旗村",
    "残疾人",
    "",
]
EXPECTED_1 = dict(
    zip(
        [
            "seq",
            "name",
            "id_number",
            "phone",
            "district",
            "street",
            "community",
            "category",
            "note",
        ],
        ROW_1,
        strict=True,
    )
)


def write_csv(path: Path, rows: Iterable[Sequence[object]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Iterable[Sequence[object]], title: str = "花名册") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def test_csv_utf8(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ROW_1])
    assert list(read_rows(path)) == [(1, EXPECTED_1)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ROW_1], encoding)
    assert list(read_rows(path)) == [(1, EXPECTED_1)]


def test_gb18030_only_characters(tmp_path: Path) -> None:
    # 䶮 (U+4DAE, a real given-name character) is in GB18030 but not in GBK.
    path = write_csv(tmp_path / "r.csv", [HEADER, ROW_1, ROW_2], "gb18030")
    rows = list(read_rows(path))
    assert [raw["name"] for _, raw in rows] == ["张三", "䶮李"]


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
    ],
)
def test_detection_on_a_large_file_cut_mid_character(
    tmp_path: Path, encoding: str, detected: str
) -> None:
    body = [[*ROW_1[:1], "张三丰" * k, *ROW_1[2:]] for k in range(1, 3000)]
    for pad in range(4):  # shift the content until the sample ends inside a character
        path = write_csv(tmp_path / "big.csv", [[*HEADER, "x" * pad], *body], encoding)
        try:
            path.read_bytes()[:SAMPLE_SIZE].decode(encoding)
        except UnicodeDecodeError:
            break
    else:
        pytest.fail("could not build a sample cut inside a character")
    assert detect_encoding(path) == detected
    assert sum(1 for _ in read_rows(path)) == 2999


def test_explicit_encoding(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ROW_1], "gbk")
    assert list(read_rows(path, encoding="gbk")) == [(1, EXPECTED_1)]
    utf8 = write_csv(tmp_path / "b.csv", [HEADER, ROW_1], "utf-8-sig")
    assert list(read_rows(utf8, encoding="utf-8")) == [(1, EXPECTED_1)]


def test_wrong_explicit_encoding_is_a_file_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ROW_1], "gbk")
    with pytest.raises(RosterFileError):
        list(read_rows(path, encoding="utf-8"))
    with pytest.raises(RosterFileError) as caught:
        read_rows(path, encoding="no-such-codec")
    assert str(caught.value) == "未知的文件编码 / unknown encoding: no-such-codec"


def test_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx", [HEADER, ROW_1])
    assert list(read_rows(path)) == [(1, EXPECTED_1)]


def test_xlsx_typed_cells(tmp_path: Path) -> None:
    header = [
        "姓名",
        "身份证号",
        "手机",
        "区",
        "街道",
        "社区",
        "类别",
        "家庭人数",
        "登记日期",
        "在世",
    ]
    row = [
        "张三",
        310104195003041234,
        13812345678,
        "闵行区",
        "江川路街道",
        "樱花社区",
        "低保对象",
        3,
        datetime(2024, 11, 20),
        True,
    ]
    rows = list(read_rows(write_xlsx(tmp_path / "r.xlsx", [header, row])))
    assert rows == [
        (
            1,
            {
                "name": "张三",
                # Excel keeps 15 digits; the validator explains it to the user.
                "id_number": "3.10104195003041E+17",
                "phone": "13812345678",
                "district": "闵行区",
                "street": "江川路街道",
                "community": "樱花社区",
                "category": "低保对象",
                "household_size": "3",
                "登记日期": "2024-11-20",
                "在世": "TRUE",
            },
        )
    ]


def test_xlsx_first_visible_sheet_or_named_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    hidden = workbook.active
    assert hidden is not None
    hidden.title = "说明"
    hidden.append(["填表说明"])
    hidden.sheet_state = "hidden"
    roster = workbook.create_sheet("花名册")
    roster.append(HEADER)
    roster.append(ROW_1)
    other = workbook.create_sheet("第二批")
    other.append(HEADER)
    other.append(ROW_2)
    path = tmp_path / "r.xlsx"
    workbook.save(path)
    assert [raw["name"] for _, raw in read_rows(path)] == ["张三"]
    assert [raw["name"] for _, raw in read_rows(path, sheet="第二批")] == ["䶮李"]
    with pytest.raises(RosterFileError) as caught:
        read_rows(path, sheet="第三批")
    assert str(caught.value) == (
        "找不到工作表“第三批”（现有：说明、花名册、第二批） / "
        "worksheet '第三批' not found (sheets: 说明、花名册、第二批)"
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_layout_title_rows_blank_rows_and_extra_columns(tmp_path: Path, kind: str) -> None:
    rows: list[list[object]] = [
        ["江川路街道2024年寒冬送温暖对象花名册"],
        [],
        ["类别", " 社区 ", "街道", "区", "身份证号码", "Name", "民族", "", "民族"],
        [
            "低保对象",
            "樱花社区",
            "江川路街道",
            "闵行区",
            "11010519491231002X",
            "张三",
            "汉",
            "",
            "回",
        ],
        [],
        ["", "  ", "", "", "", "", "", "", ""],
        [
            "残疾人",
            "红旗村",
            "江川路街道",
            "闵行区",
            "310104195003041234",
            "李四",
            "",
            "附注",
            "",
            "多出",
        ],
    ]
    path = (
        write_csv(tmp_path / "r.csv", rows)
        if kind == "csv"
        else write_xlsx(tmp_path / "r.xlsx", rows)
    )
    assert list(read_rows(path)) == [
        (
            1,
            {
                "category": "低保对象",
                "community": "樱花社区",
                "street": "江川路街道",
                "district": "闵行区",
                "id_number": "11010519491231002X",
                "name": "张三",
                "民族": "汉",
                "column_8": "",
                "民族 (2)": "回",
            },
        ),
        (
            4,
            {
                "category": "残疾人",
                "community": "红旗村",
                "street": "江川路街道",
                "district": "闵行区",
                "id_number": "310104195003041234",
                "name": "李四",
                "民族": "",
                "column_8": "附注",
                "民族 (2)": "",
                "column_10": "多出",
            },
        ),
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_header_only_file_has_zero_rows(tmp_path: Path, kind: str) -> None:
    rows = [HEADER]
    path = (
        write_csv(tmp_path / "r.csv", rows)
        if kind == "csv"
        else write_xlsx(tmp_path / "r.xlsx", rows)
    )
    assert list(read_rows(path)) == []


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_missing_columns(tmp_path: Path, kind: str) -> None:
    rows = [["姓名", "身份证号", "区", "备注"], ["张三", "11010519491231002X", "闵行区", ""]]
    path = (
        write_csv(tmp_path / "r.csv", rows)
        if kind == "csv"
        else write_xlsx(tmp_path / "r.xlsx", rows)
    )
    with pytest.raises(RosterFileError) as caught:
        read_rows(path)
    assert str(caught.value) == (
        "表头缺少必填列：街道、社区、类别 / header is missing required columns: "
        "街道 (street), 社区 (community), 类别 (category)"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "文件为空 / the file is empty: empty.csv"),
        ("empty.xlsx", b"", "文件为空 / the file is empty: empty.xlsx"),
        ("blank.csv", b"\r\n,,\r\n  \r\n", "文件为空，没有表头 / the file is empty: no header row"),
        (
            "garbage.csv",
            bytes(range(256)) * 40,
            "无法识别文件内容，可能不是文本CSV文件（请上传 .xlsx 或 .csv） / "
            "cannot read the file as text; it may not be a CSV file (upload .xlsx or .csv)",
        ),
        (
            "image.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
            "无法识别文件内容，可能不是文本CSV文件（请上传 .xlsx 或 .csv） / "
            "cannot read the file as text; it may not be a CSV file (upload .xlsx or .csv)",
        ),
        (
            "garbage.xlsx",
            b"not a zip at all" * 10,
            "不是有效的 .xlsx 文件 / not a valid .xlsx file: garbage.xlsx",
        ),
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
            "不支持旧版 .xls 或加密的 Excel 文件，请另存为不加密的 .xlsx / legacy .xls and "
            "password-protected workbooks are not supported; save as an unencrypted .xlsx",
        ),
        (
            "roster.pdf",
            b"%PDF-1.4 ...",
            "不支持的文件格式 .pdf，请上传 .xlsx 或 .csv / "
            "unsupported file format .pdf; upload .xlsx or .csv",
        ),
        (
            "unicode.csv",
            "姓名,身份证号\n".encode("utf-16"),
            "不支持UTF-16文本，请另存为“CSV UTF-8”或 .xlsx / "
            "UTF-16 text is not supported; save as CSV UTF-8 or .xlsx",
        ),
    ],
)
def test_malformed_files(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RosterFileError) as caught:
        list(read_rows(path))
    assert str(caught.value) == message


def test_random_bytes_without_nul(tmp_path: Path) -> None:
    rng = random.Random(5)
    path = tmp_path / "noise.csv"
    path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(70_000)))
    with pytest.raises(RosterFileError) as caught:
        list(read_rows(path))
    assert str(caught.value).startswith("无法识别文件内容")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RosterFileError) as caught:
        read_rows(tmp_path / "none.csv")
    assert str(caught.value) == "文件不存在 / file not found: none.csv"


@pytest.mark.parametrize("keep", [100, 2000, 0.6])
def test_truncated_xlsx(tmp_path: Path, keep: float) -> None:
    whole = write_xlsx(tmp_path / "whole.xlsx", [HEADER, *([ROW_1] * 200)]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: int(keep * len(whole)) if keep < 1 else int(keep)])
    with pytest.raises(RosterFileError) as caught:
        list(read_rows(path))
    assert str(caught.value).startswith(
        "无法读取 .xlsx 文件，文件可能已损坏或不完整 / "
        "cannot read the .xlsx file; it may be damaged or truncated"
    )


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    with pytest.raises(RosterFileError) as caught:
        list(read_rows(path))
    assert str(caught.value).startswith("无法读取 .xlsx 文件")


def test_xlsx_saved_under_a_csv_name_is_read_as_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(write_xlsx(tmp_path / "r.xlsx", [HEADER, ROW_1]).read_bytes())
    assert list(read_rows(path)) == [(1, EXPECTED_1)]


def test_malformed_csv_quotes(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(",".join(HEADER) + "\n" + '1,"张三' + "x" * 200_000 + "\n", encoding="utf-8")
    rows = read_rows(path)
    with pytest.raises(RosterFileError) as caught:
        list(rows)
    assert str(caught.value) == (
        "文件第2行CSV格式错误 / malformed CSV at line 2 of the file: "
        "field larger than field limit (131072)"
    )


def test_rows_are_lazy(tmp_path: Path) -> None:
    # Valid UTF-8 for 64 KiB and more, then a byte that is not: the early rows
    # are produced before the bad byte is read, and the error names its line.
    path = tmp_path / "r.csv"
    good = "\n".join(",".join(ROW_1) for _ in range(2000))
    path.write_bytes((",".join(HEADER) + "\n" + good + "\n").encode() + b"\xff\xfe,bad\n")
    rows = read_rows(path)
    assert next(rows) == (1, EXPECTED_1)
    assert len(list(itertools.islice(rows, 1999))) == 1999
    with pytest.raises(RosterFileError) as caught:
        next(rows)
    assert str(caught.value) == (
        "文件第2002行的内容不是utf-8编码，请另存为UTF-8或指定编码 / "
        "line 2002 of the file is not valid utf-8; save the file as UTF-8 or give its encoding"
    )


def test_quoted_line_breaks_in_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, [*ROW_1[:-1], "第一行\n第二行"], ROW_1], "gbk")
    rows = list(read_rows(path))
    assert [(number, raw["note"]) for number, raw in rows] == [(1, "第一行\n第二行"), (2, "独居")]


def test_truncated_multibyte_character_at_end_of_file(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes((",".join(HEADER) + "\n" + ",".join(ROW_1) + "\n张").encode()[:-1])
    with pytest.raises(RosterFileError) as caught:
        list(read_rows(path, encoding="utf-8"))
    assert str(caught.value).startswith("文件第3行的内容不是utf-8编码")


def test_reading_a_large_csv_uses_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number in range(50_000):
            writer.writerow([number, *ROW_1[1:]])
    assert path.stat().st_size > 4_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 50_000
    assert peak < 1_000_000


def test_abandoned_iterator_closes_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [HEADER, ROW_1, ROW_1])
    rows = read_rows(path)
    assert next(rows)[0] == 1
    rows.close()  # type: ignore[attr-defined]
    path.unlink()  # would fail on Windows if the handle leaked; here we check no error
    assert not path.exists()


def test_dates_in_csv_are_kept_as_text(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "r.csv", [[*HEADER, "日期"], [*ROW_1, date(2024, 1, 2)]])
    assert [raw["日期"] for _, raw in read_rows(path)] == ["2024-01-02"]
