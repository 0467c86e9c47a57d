"""Bank batch files: per fund source and district, summing exactly to the ledger, masked."""

from __future__ import annotations

import csv
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.distribute.conftest import ACCOUNT, CID, EVIL, PLAN, WANG, Campaign
from warmth.auth.rules import Forbidden, Role, User
from warmth.domain.events import EventType
from warmth.payments import BANK_HEADER, ReconciliationError, bank_reference, write_bank_files
from warmth.roster.export import FORMULA_TRIGGERS
from warmth.store.ledger import events_of

from .conftest import AT


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def fen(yuan: str) -> int:
    value = Decimal(yuan) * 100
    assert value == value.to_integral_value() and "." in yuan and len(yuan.split(".")[1]) == 2
    return int(value)


def test_one_file_per_source_and_district_summing_exactly_to_the_ledger(
    campaign: Campaign, tmp_path: Path
) -> None:
    paths = write_bank_files(campaign.engine, CID, PLAN, tmp_path / "bank")
    *files, summary = paths
    ledger = campaign.ledger_cash()
    assert len(files) == len(ledger) == 4  # city and district money, two districts each
    assert summary.name == f"{CID}-bank-summary.csv"
    in_files: Counter[tuple[str, str]] = Counter()
    references: list[str] = []
    summary_rows = read(summary)[1:]
    for path, line in zip(files, summary_rows, strict=False):
        header, *rows = read(path)
        assert header == list(BANK_HEADER)
        source, _name, district, file_name, count, total = line
        assert file_name == path.name and int(count) == len(rows)
        assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
        item_projects = {i.project_name for i in PLAN.items if i.fund_source == source}
        assert {r[5] for r in rows} <= item_projects
        in_files[(source, district)] = sum(fen(r[4]) for r in rows)
        assert fen(total) == in_files[(source, district)]
        references += [r[6] for r in rows]
    assert in_files == ledger
    assert summary_rows[-1][0] == "合计"
    assert fen(summary_rows[-1][5]) == sum(ledger.values())
    assert int(summary_rows[-1][4]) == len(references) == len(set(references))
    # The reference is recomputable from the ledger's AidIssued keys.
    with campaign.engine.connect() as conn:
        keys = {
            bank_reference(e.idempotency_key)
            for e in events_of(conn, CID, [EventType.AID_ISSUED])
            if e.payload["kind"] == "cash"
        }
    assert set(references) == keys


def test_id_numbers_names_and_accounts_are_masked_by_default_and_clear_on_request(
    campaign: Campaign, tmp_path: Path
) -> None:
    masked = "".join(
        p.read_text(encoding="utf-8-sig")
        for p in write_bank_files(campaign.engine, CID, PLAN, tmp_path / "m")
    )
    assert WANG not in masked and ACCOUNT not in masked and "王芳" not in masked
    assert "310104********0013" in masked and "王*" in masked and "*" * 15 + "4567" in masked
    full = "".join(
        p.read_text(encoding="utf-8-sig")
        for p in write_bank_files(campaign.engine, CID, PLAN, tmp_path / "f", full=True)
    )
    assert WANG in full and ACCOUNT in full and "王芳" in full


@pytest.mark.parametrize("full", [False, True])
def test_no_cell_of_a_bank_file_runs_as_a_formula(
    campaign: Campaign, tmp_path: Path, full: bool
) -> None:
    cells = [
        c
        for p in write_bank_files(campaign.engine, CID, PLAN, tmp_path, full=full)
        for row in read(p)
        for c in row
    ]
    assert not [c for c in cells if c.startswith(FORMULA_TRIGGERS)]
    if full:
        assert '\'=HYPERLINK("http://x","点我")' in cells and EVIL in cells


def test_a_ledger_and_projection_disagreement_writes_no_file(
    campaign: Campaign, tmp_path: Path
) -> None:
    with campaign.engine.begin() as conn:
        conn.execute(
            text(
                "update deliveries set amount_fen = amount_fen + 1 where kind = 'cash'"
                " and district = '东湖区' and fund_source = 'city'"
            )
        )
    with pytest.raises(ReconciliationError, match="city/东湖区"):
        write_bank_files(campaign.engine, CID, PLAN, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_district_supervisor_gets_their_district_and_full_exports_are_audited(
    campaign: Campaign, tmp_path: Path
) -> None:
    east = User(
        id="li.east", name="李区长", roles=(Role.SUPERVISOR,), scope="东湖区", created_at=AT
    )
    paths = write_bank_files(
        campaign.engine, CID, PLAN, tmp_path / "e", full=True, principal=east, actor=east.id
    )
    assert [p.name for p in paths[:-1]] == [
        f"{CID}-bank-city-东湖区.csv",
        f"{CID}-bank-district-东湖区.csv",
    ]
    with campaign.engine.connect() as conn:
        [export] = list(events_of(conn, CID, [EventType.BANK_FILES_WRITTEN]))
    assert export.actor == "li.east" and export.payload["full"] is True
    assert [f["district"] for f in export.payload["files"]] == ["东湖区", "东湖区"]

    auditor = User(id="audit", name="审计", roles=(Role.AUDITOR,), created_at=AT)
    assert len(write_bank_files(campaign.engine, CID, PLAN, tmp_path / "a", principal=auditor)) == 5
    with pytest.raises(Forbidden, match="in full"):
        write_bank_files(campaign.engine, CID, PLAN, tmp_path / "b", full=True, principal=auditor)
    street = User(
        id="street", name="街道", roles=(Role.OPS,), scope="西山区/枫桥街道", created_at=AT
    )
    with pytest.raises(Forbidden):
        write_bank_files(campaign.engine, CID, PLAN, tmp_path / "c", principal=street)
