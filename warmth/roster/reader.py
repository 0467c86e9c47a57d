"""Reading roster (花名册) and jurisdiction (辖区) files: ``.xlsx`` and ``.csv``.

* ``.xlsx`` is read with python-calamine (first visible worksheet unless a
  sheet is named). calamine holds one sheet's cells in memory, which is
  bounded by Excel's 1,048,576-row limit; rows are converted one at a time.
* ``.csv`` is streamed: UTF-8 (with or without BOM) or GBK/GB18030, detected
  on a leading sample with charset-normalizer unless ``encoding`` is given.

The header row is the first row, among the first 20 non-blank ones, that names
at least two template columns, so a title row above it (``"XX街道寒冬送温暖
花名册"``) is skipped. Data rows are numbered from 1 directly under the header;
blank rows count but are not yielded.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import os
from collections.abc import Generator, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import BinaryIO, Final

import charset_normalizer
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from warmth.roster.columns import (
    FIELDS,
    JURISDICTION_FIELDS,
    ROSTER_REQUIRED,
    column_key,
    count_known,
    resolve_header,
)
from warmth.roster.errors import RosterFileError
from warmth.roster.normalize import clean_text, place_key

SAMPLE_SIZE: Final = 64 * 1024
"""Bytes of a CSV file given to encoding detection."""
HEADER_SCAN_ROWS: Final = 20

_ZIP_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_GB_FAMILY: Final = frozenset({"gbk", "gb2312", "gb18030", "hz", "cp936"})
_LINE_CODECS: Final = frozenset({"utf-8-sig", "gb18030", "gbk", "gb2312"})
"""Stateless codecs in which byte 0x0A is never part of a multi-byte character."""

Cell = int | float | str | bool | time | date | datetime | timedelta | None
RawRow = dict[str, str]
_Rows = Generator[list[str], None, None]


def read_rows(
    path: str | os.PathLike[str], encoding: str | None = None, *, sheet: str | None = None
) -> Iterator[tuple[int, RawRow]]:
    """Yield ``(data row number, {canonical field: cell text})`` for a roster file.

    The header is read and checked at once (a :class:`RosterFileError` is raised
    by this call for a missing required column, an empty or unreadable file);
    the data rows are then produced lazily. Every canonical field of the header
    is present in each dict (``""`` when blank); unknown columns appear under
    their header text, cells without header under ``"column_N"``.
    """
    return read_table(path, ROSTER_REQUIRED, encoding, sheet=sheet)


def read_jurisdiction(
    path: str | os.PathLike[str], encoding: str | None = None, *, sheet: str | None = None
) -> list[tuple[str, str, str]]:
    """Read a jurisdiction (辖区) file into ``(district, street, community)`` triples.

    Columns 区/district, 街道/street, 社区/community (same aliases as the roster).
    A blank 区 or 街道 cell repeats the value above it (merged cells in Excel);
    duplicates are dropped, order is kept. Raises :class:`RosterFileError` for
    a row without a community or a file without any.
    """
    triples: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    last_district = last_street = ""
    for number, raw in read_table(path, JURISDICTION_FIELDS, encoding, sheet=sheet):
        district, street, community = (clean_text(raw[field]) for field in JURISDICTION_FIELDS)
        if not district:
            district = last_district
        if not street and district == last_district:
            street = last_street
        if not (district and street and community):
            raise RosterFileError(
                f"辖区文件第{number}行缺少区、街道或社区 / "
                f"jurisdiction row {number} lacks the district, street or community"
            )
        last_district, last_street = district, street
        key = (place_key(district), place_key(street), place_key(community))
        if key not in seen:
            seen.add(key)
            triples.append((district, street, community))
    if not triples:
        raise RosterFileError("辖区文件中没有社区 / the jurisdiction file lists no community")
    return triples


def read_table(
    path: str | os.PathLike[str],
    required: Sequence[str],
    encoding: str | None = None,
    *,
    sheet: str | None = None,
) -> Iterator[tuple[int, RawRow]]:
    """Like :func:`read_rows` with a chosen set of ``required`` fields."""
    file = Path(path)
    rows, detected = _open(file, encoding, sheet)
    try:
        header, rest = _find_header(rows)
        while header and not header[-1].strip():
            header = header[:-1]  # xlsx rows are padded to the sheet's width
        keys = resolve_header(header, required)
    except RosterFileError as exc:
        rows.close()
        if detected not in ("", "utf-8", "utf-8-sig"):
            raise RosterFileError(f"{exc}（文件编码 encoding: {detected}）") from None
        raise
    except BaseException:
        rows.close()
        raise
    return _data_rows(rows, rest, keys)


def detect_encoding(path: str | os.PathLike[str], sample_size: int = SAMPLE_SIZE) -> str:
    """Detect the text encoding of a CSV file from its first ``sample_size`` bytes.

    Returns ``"utf-8-sig"`` (BOM), ``"utf-8"`` or, for GBK and GB2312 files,
    their superset ``"gb18030"``; otherwise charset-normalizer's best guess.
    Raises :class:`RosterFileError` for binary or undecodable content.
    """
    with open(path, "rb") as handle:
        sample = handle.read(sample_size)
        truncated = bool(handle.read(1))
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RosterFileError(
            "不支持UTF-16文本，请另存为“CSV UTF-8”或 .xlsx / "
            "UTF-16 text is not supported; save as CSV UTF-8 or .xlsx"
        )
    if b"\x00" in sample:
        raise _binary()
    if truncated:
        # Cut at a line end so that no multi-byte character is split: 0x0A is
        # never part of a multi-byte sequence in UTF-8, GBK or GB18030.
        cut = sample.rfind(b"\n")
        if cut > 0:
            sample = sample[: cut + 1]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=not truncated)
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        raise _binary()
    name = codecs.lookup(best.encoding).name
    return "gb18030" if name in _GB_FAMILY else name


def _binary() -> RosterFileError:
    return RosterFileError(
        "无法识别文件内容，可能不是文本CSV文件（请上传 .xlsx 或 .csv） / "
        "cannot read the file as text; it may not be a CSV file (upload .xlsx or .csv)"
    )


def _open(file: Path, encoding: str | None, sheet: str | None) -> tuple[_Rows, str]:
    """Return (raw row iterator, detected encoding or ``""``) after sniffing the file."""
    try:
        with file.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise RosterFileError(f"文件不存在 / file not found: {file.name}") from None
    except OSError as exc:
        raise RosterFileError(f"无法打开文件 / cannot open the file: {file.name} ({exc})") from None
    if not head:
        raise RosterFileError(f"文件为空 / the file is empty: {file.name}")
    suffix = file.suffix.lower()
    if head.startswith(_OLE_MAGIC):
        raise RosterFileError(
            "不支持旧版 .xls 或加密的 Excel 文件，请另存为不加密的 .xlsx / "
            "legacy .xls and password-protected workbooks are not supported; "
            "save as an unencrypted .xlsx"
        )
    if head.startswith(_ZIP_MAGIC):
        return _xlsx_rows(file, sheet), ""
    if suffix == ".xlsx":
        raise RosterFileError(f"不是有效的 .xlsx 文件 / not a valid .xlsx file: {file.name}")
    if suffix not in (".csv", ".txt"):
        raise RosterFileError(
            f"不支持的文件格式 {suffix or '（无扩展名）'}，请上传 .xlsx 或 .csv / "
            f"unsupported file format {suffix or '(no extension)'}; upload .xlsx or .csv"
        )
    detected = "" if encoding else detect_encoding(file)
    return _csv_rows(file, encoding or detected), detected


def _csv_rows(file: Path, encoding: str) -> _Rows:
    """Stream CSV records, decoding line by line so that errors name their line."""
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise RosterFileError(f"未知的文件编码 / unknown encoding: {encoding}") from None
    if codec == "utf-8":
        codec = "utf-8-sig"  # tolerate a BOM even when UTF-8 is given explicitly
    decoder = codecs.getincrementaldecoder(codec)()
    line = 0

    def lines(handle: BinaryIO) -> Iterator[str]:
        nonlocal line
        if codec in _LINE_CODECS:
            # Each line decodes alone (only the first can carry a BOM): the same text
            # and the same errors as the incremental decoder, several times quicker.
            rest = "utf-8" if codec == "utf-8-sig" else codec
            for data in handle:
                line += 1
                yield data.decode(codec if line == 1 else rest)
            yield ""  # what the incremental decoder's final call gives after whole lines
            return
        for data in handle:
            line += 1
            yield decoder.decode(data)
        yield decoder.decode(b"", final=True)  # an incomplete character at the very end

    try:
        with file.open("rb") as handle:
            yield from csv.reader(lines(handle))
    except UnicodeDecodeError:
        raise RosterFileError(
            f"文件第{line}行的内容不是{encoding}编码，请另存为UTF-8或指定编码 / "
            f"line {line} of the file is not valid {encoding}; "
            "save the file as UTF-8 or give its encoding"
        ) from None
    except csv.Error as exc:
        raise RosterFileError(
            f"文件第{line}行CSV格式错误 / malformed CSV at line {line} of the file: {exc}"
        ) from None


def _xlsx_rows(file: Path, sheet: str | None) -> _Rows:
    try:
        with CalamineWorkbook.from_path(file) as workbook:
            if sheet is not None:
                if sheet not in workbook.sheet_names:
                    names = "、".join(workbook.sheet_names)
                    raise RosterFileError(
                        f"找不到工作表“{sheet}”（现有：{names}） / "
                        f"worksheet {sheet!r} not found (sheets: {names})"
                    )
                data = workbook.get_sheet_by_name(sheet)
            else:
                data = workbook.get_sheet_by_index(_first_visible(workbook))
    except CalamineError as exc:
        raise RosterFileError(
            f"无法读取 .xlsx 文件，文件可能已损坏或不完整 / "
            f"cannot read the .xlsx file; it may be damaged or truncated ({exc})"
        ) from None
    for cells in data.iter_rows():
        # Most cells are text already; the type test saves a call per cell.
        yield [cell if type(cell) is str else _cell_text(cell) for cell in cells]


def _first_visible(workbook: CalamineWorkbook) -> int:
    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.visible == SheetVisibleEnum.Visible and meta.typ == SheetTypeEnum.WorkSheet:
            return index
    return 0


def _cell_text(cell: Cell) -> str:
    """Text of an xlsx cell as Excel would show it in the General format."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        # Excel keeps 15 significant digits: an 18-digit ID typed as a number
        # is already damaged and shows as 3.10112199001011E+17.
        return f"{cell:.15G}"
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(" ")
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell)


def _is_blank(cells: Sequence[str]) -> bool:
    # str.isspace and str.strip agree on what is whitespace; isspace copies nothing.
    return all(not cell or cell.isspace() for cell in cells)


def _find_header(rows: _Rows) -> tuple[list[str], list[list[str]]]:
    """Return the header row and the rows read after it that are not yet yielded."""
    seen: list[list[str]] = []
    for cells in rows:
        if _is_blank(cells):
            continue
        if count_known(cells, FIELDS) >= 2:
            return cells, []
        seen.append(cells)
        if len(seen) >= HEADER_SCAN_ROWS:
            break
    if not seen:
        raise RosterFileError("文件为空，没有表头 / the file is empty: no header row")
    return seen[0], seen[1:]


def _data_rows(
    rows: _Rows, pending: list[list[str]], keys: list[str]
) -> Iterator[tuple[int, RawRow]]:
    width = len(keys)
    try:
        for number, cells in enumerate(itertools.chain(pending, rows), start=1):
            if _is_blank(cells):
                continue
            if len(cells) == width:  # the usual row; header keys are distinct
                raw = dict(zip(keys, cells, strict=True))
                yield number, raw
                continue
            raw = {key: cells[i] if i < len(cells) else "" for i, key in enumerate(keys)}
            for i in range(width, len(cells)):
                if cells[i].strip():
                    raw[column_key(i + 1)] = cells[i]
            yield number, raw
    finally:
        rows.close()
