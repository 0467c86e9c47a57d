"""Registering households from staged roster rows: one record per person, merges recorded."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from warmth import intake
from warmth.demo import HEADER, demo_plan
from warmth.domain.events import EventType
from warmth.domain.ids import generate_id
from warmth.roster import RosterValidator
from warmth.store import survey
from warmth.store.campaigns import create_campaign
from warmth.store.ledger import events_of
from warmth.store.schema import households, roster_imports, roster_staging

AT = datetime(2026, 12, 1, tzinfo=UTC)
PLAN = demo_plan(AT, timedelta(days=15))
ALICE = [
    "1",
    "王芳",
    "310104198501010013",
    "13812345678",
    "东湖区",
    "梅园街道",
    "梅园一社区",
    "梅园路1号",
    "低保对象",
    "2",
    "民政科",
    "",
    "用电线路老化",
    "",
]


def write(path: Path, *rows: list[str]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def stage_and_register(engine: Engine, files: list[Path]) -> None:
    for f in files:
        report = intake.stage_file(engine, b"k", "c1", PLAN, f, unit="民政科", actor="ops", at=AT)
        intake.settle_import(engine, "c1", report.import_id, True, "ops", AT)
    for district in PLAN.jurisdiction.district_names():
        cursor, done = None, False
        while not done:
            cursor, _n, done = survey.register_batch(engine, "c1", district, cursor, 2, "ops", AT)


def people(engine: Engine) -> list[tuple[str, list[str], list[str]]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(households.c.name, households.c.categories, households.c.sources)
        ).all()
    return [(r.name, r.categories, sorted(s["unit"] for s in r.sources)) for r in rows]


def test_a_person_reported_by_two_units_becomes_one_record_keeping_both(
    engine: Engine, tmp_path: Path
) -> None:
    create_campaign(engine, "c1", PLAN, "ops", AT)
    again = ALICE.copy()
    again[0], again[8], again[10] = "2", "独居老人", "社区居委会"
    stage_and_register(engine, [write(tmp_path / "r.csv", ALICE, again)])
    assert people(engine) == [("王芳", ["低保对象", "独居老人"], ["民政科", "社区居委会"])]
    with engine.connect() as conn:
        kinds = [e.type for e in events_of(conn, "c1") if e.stream.startswith("household:")]
    assert kinds == [EventType.HOUSEHOLD_REGISTERED, EventType.HOUSEHOLD_MERGED]


def test_re_importing_the_same_or_an_overlapping_file_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    create_campaign(engine, "c1", PLAN, "ops", AT)
    first = write(tmp_path / "a.csv", ALICE)
    stage_and_register(engine, [first])
    with engine.connect() as conn:
        before = len(list(events_of(conn, "c1")))
    overlap = ALICE.copy()
    overlap[0] = "7"  # the same report, another file and row
    stage_and_register(engine, [first, write(tmp_path / "b.csv", overlap)])
    with engine.connect() as conn:
        after = [e.type for e in events_of(conn, "c1")]
    assert people(engine) == [("王芳", ["低保对象"], ["民政科"])]
    # Only the second file's own facts (checked, accepted) are new; no household event.
    assert after.count(EventType.HOUSEHOLD_REGISTERED) == 1
    assert after.count(EventType.HOUSEHOLD_MERGED) == 0
    assert after[before:] == [EventType.ROSTER_CHECKED, EventType.ROSTER_ACCEPTED]


def test_an_import_that_fails_part_way_counts_for_nothing_until_submitted_again(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_campaign(engine, "c1", PLAN, "ops", AT)
    rows = []
    for i in range(5):
        row = ALICE.copy()
        row[0], row[2] = str(i + 1), generate_id(random.Random(i), "310104", date(1950, 1, 1))
        rows.append(row)
    roster = write(tmp_path / "r.csv", *rows)
    monkeypatch.setattr(intake, "WRITE_ROWS", 2)  # two writes happen before the failure
    calls = 0
    validate = RosterValidator.validate_fields

    def failing(self: RosterValidator, number: int, raw: Mapping[str, str]) -> object:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise OSError("disk gone")
        return validate(self, number, raw)

    monkeypatch.setattr(RosterValidator, "validate_fields", failing)
    with pytest.raises(OSError):
        intake.stage_file(engine, b"k", "c1", PLAN, roster, unit="民政科", actor="ops", at=AT)
    monkeypatch.setattr(RosterValidator, "validate_fields", validate)
    with engine.connect() as conn:
        assert len(conn.execute(select(roster_staging)).all()) == 4  # written, but inert
        assert conn.execute(select(roster_imports)).all() == []
    assert survey.staged_by_district(engine, "c1") == {}
    assert "梅园街道/梅园一社区" in intake.missing_communities(engine, "c1", PLAN)["东湖区"]
    stage_and_register(engine, [roster])
    assert len(people(engine)) == 5
