"""A results file (回访结果表): good rows recorded in order, bad rows reported, again nothing."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.distribute.conftest import EVIL, LI, WANG, valid_id
from tests.followup.conftest import AUDITOR, CALL, CALLER_EAST, CID, NOW, OPS, PLAN, Followup
from warmth.callbacks import import_callbacks
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.roster.errors import RosterFileError

HEADER = ["公民身份号码", "结果", "日期", "备注"]


def write(
    path: Path, *rows: list[str], header: list[str] = HEADER, encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_good_rows_recorded_bad_rows_named_and_a_reimport_records_nothing(
    everyone: Followup, tmp_path: Path
) -> None:
    f = write(
        tmp_path / "结果.csv",
        [WANG, "联系不上", "2026-12-22", ""],
        [WANG, "unreachable", "2026/12/23", ""],
        [WANG, "联系不上", "2026年12月24日", "三次未接"],  # third day: concluded
        [LI, "未收到", "2026-12-23 09:15", "没收到礼包"],
        ["310104198501010014", "已联系", "2026-12-22", ""],  # bad check character
        [valid_id(99), "已联系", "2026-12-22", ""],  # nobody of the campaign
        [EVIL, "maybe", "2026-12-22", ""],  # unknown result (and outside: 西山区)
        [EVIL, "已联系", "2026-12-40", ""],  # unreadable date
        [WANG, "投诉", "2026-12-25", ""],  # WANG is concluded by row 3
        ["", "已联系", "", ""],
    )
    r = import_callbacks(everyone.engine, CID, f, by=CALLER_EAST, now=NOW)
    assert (r.rows, r.recorded, r.already_recorded, r.concluded) == (10, 4, 0, 2)
    assert len(r.cases_opened) == 1 and r.rejected_rows == 6
    assert [(e.row, e.field) for e in r.rejected] == [
        (5, "id_number"), (6, "id_number"), (7, "id_number"), (7, "result"),
        (8, "date"), (9, "result"), (10, "id_number"),
    ]  # fmt: skip
    reasons = {(e.row, e.field): e.reason for e in r.rejected}
    assert "not a valid ID number" in reasons[(5, "id_number")]
    assert "no such household" in reasons[(6, "id_number")]
    assert "outside your jurisdiction" in reasons[(7, "id_number")]
    assert "unknown result" in reasons[(7, "result")]
    assert "cannot read the date" in reasons[(8, "date")]
    assert "concluded as unreachable" in reasons[(9, "result")]
    assert not any(WANG in e.reason or EVIL in e.reason for e in r.rejected)
    assert everyone.callback(WANG).outcome == "unreachable"
    [case] = everyone.events(EventType.VERIFICATION_OPENED)
    # a dated row with a time: the case is due a verification window after it
    assert (
        case.payload["deadline"]
        == (CALL + timedelta(hours=22, minutes=45) + PLAN.cases.verification_window).isoformat()
    )
    events = everyone.count(EventType.CALLBACK_ATTEMPTED)
    again = import_callbacks(everyone.engine, CID, f, by=CALLER_EAST, now=NOW + timedelta(days=3))
    assert (again.recorded, again.already_recorded, again.concluded) == (0, 4, 0)
    assert [(e.row, e.field) for e in again.rejected] == [(e.row, e.field) for e in r.rejected]
    assert everyone.count(EventType.CALLBACK_ATTEMPTED) == events == 4
    assert everyone.count(EventType.CALLBACKS_IMPORTED) == 1


def test_rows_without_a_date_keep_the_first_import_s_day(
    everyone: Followup, tmp_path: Path
) -> None:
    f = write(tmp_path / "r.csv", [WANG, "unreachable", "", ""], header=["身份证号", "回访结果"])
    first = import_callbacks(everyone.engine, CID, f, by=OPS, now=CALL)
    later = import_callbacks(everyone.engine, CID, f, by=OPS, now=CALL + timedelta(days=2))
    assert (first.recorded, later.recorded, later.already_recorded) == (1, 0, 1)
    [attempt] = everyone.events(EventType.CALLBACK_ATTEMPTED)
    assert attempt.payload["day"] == "2026-12-22"


def test_an_xlsx_file_with_english_headers_and_labels(everyone: Followup, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["id_number", "result", "date", "note"])
    ws.append([WANG, "reached", CALL.date(), "ok"])
    ws.append([LI, "complaint", CALL.date(), "=1+2"])
    path = tmp_path / "results.xlsx"
    wb.save(path)
    r = import_callbacks(everyone.engine, CID, path, by=CALLER_EAST, now=NOW)
    assert (r.recorded, r.concluded, r.rejected) == (2, 2, [])
    assert everyone.callback(LI).outcome == "complaint"


def test_a_gbk_file_is_read(everyone: Followup, tmp_path: Path) -> None:
    f = write(tmp_path / "gbk.csv", [WANG, "已联系", "2026-12-22", "已收到"], encoding="gbk")
    assert import_callbacks(everyone.engine, CID, f, by=CALLER_EAST, now=NOW).recorded == 1


def test_a_file_without_a_result_column_or_by_an_auditor_is_refused(
    everyone: Followup, tmp_path: Path
) -> None:
    f = write(tmp_path / "x.csv", [WANG, "2026-12-22"], header=["公民身份号码", "日期"])
    with pytest.raises(RosterFileError, match="结果"):
        import_callbacks(everyone.engine, CID, f, by=CALLER_EAST, now=NOW)
    good = write(tmp_path / "y.csv", [WANG, "已联系", "2026-12-22", ""])
    with pytest.raises(Rejected, match="an auditor reads but changes nothing"):
        import_callbacks(everyone.engine, CID, good, by=AUDITOR, now=NOW)
    assert everyone.count(EventType.CALLBACK_ATTEMPTED) == 0
