"""Sign sheets per community: written masked and formula-safe, filled in, read back, confirmed."""

from __future__ import annotations

import csv
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.distribute.conftest import CID, EVIL, LATER, LI, PLAN, WANG, Campaign
from warmth.auth.rules import Role, User
from warmth.domain.events import EventType
from warmth.payments import (
    ChecklistError,
    ChecklistReport,
    confirm_from_checklist,
    household_reference,
    read_checklist,
    write_checklists,
)
from warmth.store.schema import deliveries

from .conftest import AT

SIGNED = date(2026, 12, 5)


def sheet_cells(path: Path) -> list[list[object]]:
    return [list(r) for r in load_workbook(path).active.iter_rows(values_only=True)]


def fill(path: Path, rows: dict[int, tuple[object, ...]]) -> None:
    """Fill data rows (1 = under the header) with (签收人, 签收日期, 凭证[, {item col: qty}])."""
    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[2]]
    col = {name: n + 1 for n, name in enumerate(header)}
    for row, values in rows.items():
        r = row + 2
        for name, value in zip(("签收人", "签收日期", "凭证"), values[:3], strict=True):
            sheet.cell(r, col[name]).value = value
        for name, value in (values[3] if len(values) > 3 else {}).items():  # type: ignore[attr-defined]
            sheet.cell(r, col[name]).value = value
    book.save(path)


def checklist_of(paths: list[Path], community: str) -> Path:
    return next(p for p in paths if p.name.endswith(f"-{community}.xlsx"))


def confirmed_rows(campaign: Campaign) -> int:
    with campaign.engine.connect() as conn:
        return len(conn.execute(select(deliveries).where(deliveries.c.status == "confirmed")).all())


def test_one_masked_formula_safe_sheet_per_community_with_in_kind_items(
    campaign: Campaign, tmp_path: Path
) -> None:
    paths = write_checklists(campaign.engine, CID, PLAN, tmp_path)
    with campaign.engine.connect() as conn:
        communities = conn.execute(
            select(deliveries.c.district, deliveries.c.community)
            .where(deliveries.c.kind == "in_kind")
            .distinct()
        ).all()
    assert len(paths) == len(communities)
    cells = sheet_cells(checklist_of(paths, "梅园一社区"))
    assert "梅园一社区" in str(cells[0][0])
    assert cells[1] == [
        "序号", "参考号", "姓名", "公民身份号码", "联系电话", "居住地址",
        "节日礼包（份）[package]", "签收人", "签收日期", "凭证",
    ]  # fmt: skip
    wang = next(r for r in cells[2:] if r[1] == household_reference(CID, campaign.key(WANG)))
    assert wang[2:7] == ["王*", "310104********0013", "138****5678", "梅园路1号", 1]
    text = " ".join(str(c) for p in paths for row in sheet_cells(p) for c in row)
    assert WANG not in text and EVIL not in text and "13812345678" not in text
    evil = sheet_cells(checklist_of(paths, "枫桥一社区"))
    values = [str(c) for row in evil for c in row if c is not None]
    assert "'=1+2" in values and not any(v.startswith("=") for v in values)


def test_a_sheet_read_back_unfilled_has_every_household_and_nothing_signed(
    campaign: Campaign, tmp_path: Path
) -> None:
    path = checklist_of(write_checklists(campaign.engine, CID, PLAN, tmp_path), "梅园二社区")
    rows = read_checklist(path)
    assert household_reference(CID, campaign.key(LI)) in {r.reference for r in rows}
    assert [r.row for r in rows] == list(range(1, len(rows) + 1))
    assert all(r.quantities == {"package": "1"} and not r.signed_by for r in rows)
    report = confirm_from_checklist(campaign.engine, CID, path, "ops", at=LATER)
    assert (report.signed_rows, report.confirmed, report.unsigned_rows) == (0, 0, len(rows))


def test_signed_rows_are_confirmed_once_and_a_re_import_records_nothing(
    campaign: Campaign, tmp_path: Path
) -> None:
    path = checklist_of(write_checklists(campaign.engine, CID, PLAN, tmp_path), "梅园一社区")
    n = len(read_checklist(path))
    assert n >= 2
    fill(path, {1: ("王芳", SIGNED, "IMG_0001"), 2: ("家属代签", "2026/12/6", None)})
    first = confirm_from_checklist(campaign.engine, CID, path, "ops", at=LATER)
    assert (first.signed_rows, first.confirmed, first.already_confirmed) == (2, 2, 0)
    assert first.problems == []
    events_before = campaign.ledger_count(EventType.DELIVERY_CONFIRMED)
    assert events_before == 2 and confirmed_rows(campaign) == 2
    again = confirm_from_checklist(campaign.engine, CID, path, "ops2", at=LATER)
    assert (again.confirmed, again.already_confirmed) == (0, 2)
    assert campaign.ledger_count(EventType.DELIVERY_CONFIRMED) == events_before
    with campaign.engine.connect() as conn:
        row = conn.execute(select(deliveries).where(deliveries.c.proof == "IMG_0001")).one()
        proofs = {r for (r,) in conn.execute(select(deliveries.c.proof)) if r is not None}
    assert row.confirmed_by == "ops" and row.confirmed_at.date() == SIGNED - timedelta(days=1)
    # 2026-12-05 00:00 in Shanghai is 2026-12-04 16:00 UTC; the second row's proof names the sheet.
    assert any(p.startswith(f"签收表 {path.name}") and p.endswith("第2行") for p in proofs)


def test_bad_rows_are_reported_with_row_and_reason_and_good_rows_still_confirm(
    campaign: Campaign, tmp_path: Path
) -> None:
    path = checklist_of(write_checklists(campaign.engine, CID, PLAN, tmp_path), "梅园一社区")
    rows = read_checklist(path)
    assert len(rows) >= 2
    book = load_workbook(path)
    sheet = book.active
    sheet.append([99, "FFFFFFFFFFFF", "张*", "", "", "", 1, "张三", SIGNED, "x"])
    book.save(path)
    item_col = "节日礼包（份）[package]"
    fill(
        path,
        {
            1: ("王芳", None, "p1"),  # no date
            2: ("李四", SIGNED, "p2", {item_col: 2}),  # more than issued
        },
    )
    report = confirm_from_checklist(campaign.engine, CID, path, "ops", at=LATER)
    reasons = {p.row: p.reason for p in report.problems}
    assert sorted(reasons) == [1, 2, len(rows) + 1]
    assert (
        "签收日期" in reasons[1]
        and "2" in reasons[2]
        and "unknown reference" in reasons[len(rows) + 1]
    )
    assert report.confirmed == 0
    # Fixed and signed in the future / before the issue: still refused; then fixed for good.
    fill(
        path,
        {1: ("王芳", date(2027, 1, 1), "p1"), 2: ("李四", date(2026, 11, 1), "p2", {item_col: 1})},
    )
    later = confirm_from_checklist(campaign.engine, CID, path, "ops", at=LATER)
    reasons = {p.row: p.reason for p in later.problems}
    assert "future" in reasons[1] and "before the issue" in reasons[2] and later.confirmed == 0
    fill(path, {1: ("王芳", SIGNED, "p1"), 2: ("李四", SIGNED, "p2", {item_col: None})})
    fixed = confirm_from_checklist(campaign.engine, CID, path, "ops", at=LATER)
    reasons = {p.row: p.reason for p in fixed.problems}
    assert "no item" in reasons[2] and fixed.confirmed == 1  # cleared quantity: not delivered


def test_rows_outside_the_importer_s_jurisdiction_are_refused(
    campaign: Campaign, tmp_path: Path
) -> None:
    path = checklist_of(write_checklists(campaign.engine, CID, PLAN, tmp_path), "梅园一社区")
    fill(path, {1: ("王芳", SIGNED, "p1")})
    west = User(id="w", name="西山", roles=(Role.OPS,), scope="西山区", created_at=AT)
    report = confirm_from_checklist(campaign.engine, CID, path, "w", at=LATER, principal=west)
    assert report.confirmed == 0 and "outside your jurisdiction" in report.problems[0].reason


def test_a_sheet_imported_five_times_in_parallel_confirms_each_item_once(
    campaign: Campaign, tmp_path: Path
) -> None:
    path = checklist_of(write_checklists(campaign.engine, CID, PLAN, tmp_path), "梅园一社区")
    n = len(read_checklist(path))
    fill(path, {r: ("签收", SIGNED, f"p{r}") for r in range(1, n + 1)})
    barrier = threading.Barrier(5)
    reports: list[ChecklistReport] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            reports.append(confirm_from_checklist(campaign.engine, CID, path, "ops", at=LATER))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.confirmed for r in reports) == n
    assert sum(r.already_confirmed for r in reports) == 4 * n
    assert campaign.ledger_count(EventType.DELIVERY_CONFIRMED) == n


def test_outstanding_only_leaves_out_households_confirmed_already(
    campaign: Campaign, tmp_path: Path
) -> None:
    path = checklist_of(write_checklists(campaign.engine, CID, PLAN, tmp_path / "a"), "梅园一社区")
    rows = read_checklist(path)
    fill(path, {1: ("王芳", SIGNED, "p1")})
    confirm_from_checklist(campaign.engine, CID, path, "ops", at=LATER)
    again = write_checklists(campaign.engine, CID, PLAN, tmp_path / "b", outstanding_only=True)
    left = read_checklist(checklist_of(again, "梅园一社区")) if len(rows) > 1 else []
    assert {r.reference for r in left} == {r.reference for r in rows[1:]}


def test_a_gbk_csv_saved_from_the_sheet_reads_the_same(campaign: Campaign, tmp_path: Path) -> None:
    path = checklist_of(write_checklists(campaign.engine, CID, PLAN, tmp_path), "梅园一社区")
    fill(path, {1: ("王芳", SIGNED, "p1")})
    rows = sheet_cells(path)
    saved = tmp_path / "saved.csv"
    with saved.open("w", encoding="gbk", newline="") as f:
        csv.writer(f).writerows([["" if c is None else str(c) for c in r] for r in rows])
    assert read_checklist(saved)[0] == read_checklist(path)[0]
    report = confirm_from_checklist(campaign.engine, CID, saved, "ops", at=LATER)
    assert (report.confirmed, report.problems) == (1, [])


def test_a_file_that_is_not_a_checklist_is_one_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "x.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ChecklistError, match=r"not an \.xlsx workbook"):
        read_checklist(junk)
    other = tmp_path / "y.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ChecklistError, match="not a delivery checklist"):
        read_checklist(other)
