"""Registration copies most people inside SQLite (set-based) and folds the rest in Python:
both ways must give the same households and the same ledger events."""

from __future__ import annotations

import csv
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from warmth import intake
from warmth.demo import demo_plan
from warmth.domain.events import EventType
from warmth.domain.ids import generate_id
from warmth.store import survey
from warmth.store.campaigns import create_campaign
from warmth.store.engine import open_store_engine
from warmth.store.schema import households

AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
PLAN = demo_plan(AT, timedelta(days=15))
HEADER = ["序号", "姓名", "公民身份号码", "联系电话", "区", "街道", "社区", "居住地址"]
HEADER += ["类别", "家庭人数", "报送单位", "需求", "隐患", "备注", "银行账号"]


def rosters(tmp_path: Path) -> list[Path]:
    """Three files: overlapping people, other units and categories, blanks, odd text."""
    rng = random.Random(7)
    places = list(PLAN.jurisdiction.communities())
    people = [
        (generate_id(rng, "310104", date(1940 + i % 60, 1 + i % 12, 1 + i % 28)), i)
        for i in range(60)
    ]
    names = ["王芳", "李 明", '张"三"', "赵\\四", "O'Brien 刘", "买买提•艾力"]
    files = []
    for n, chosen in enumerate([people[:40], people[25:60], people[::3]]):
        path = tmp_path / f"roster-{n}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(HEADER)
            for row, (id_number, i) in enumerate(chosen, start=1):
                district, street, community = places[(i + n) % len(places)]
                categories = PLAN.categories[i % 3 : i % 3 + 1 + (n + i) % 2]
                out.writerow(
                    [
                        row,
                        names[i % len(names)],
                        id_number,
                        "" if i % 4 == 0 else f"1381234{i:04d}",
                        district,
                        street,
                        community,
                        "" if i % 5 == 0 else f"幸福路{i}号",
                        "、".join(categories),
                        "" if i % 6 == 0 else str(1 + i % 4),
                        ["", "民政科", "社区居委会"][(i + n) % 3],
                        "" if i % 2 else "棉被",
                        ["", "电线老化", "燃气管老化，水管漏水"][i % 3],
                        "" if i % 7 else "备注\n两行",
                        "" if i % 2 else f"6222{i:012d}",
                    ]
                )
        files.append(path)
    return files


def register(engine: Engine, files: list[Path], *, set_based: bool, batch: int) -> None:
    create_campaign(engine, "c1", PLAN, "ops", AT)
    for f in files:
        report = intake.stage_file(engine, b"k", "c1", PLAN, f, unit="街道办", actor="ops", at=AT)
        intake.settle_import(engine, "c1", report.import_id, True, "ops", AT)
    for _round in range(2):  # a second pass changes nothing
        for district in PLAN.jurisdiction.district_names():
            cursor, done = None, False
            while not done:
                cursor, _n, done = survey.register_batch(
                    engine, "c1", district, cursor, batch, "ops", AT, set_based=set_based
                )


def state(engine: Engine) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(select(households).order_by(households.c.person_key))
        ]
        events = [
            (stream, version, type_, json.loads(payload), actor, at, key)
            for stream, version, type_, payload, actor, at, key in conn.exec_driver_sql(
                "SELECT stream, version, type, payload, actor, at, idempotency_key FROM ledger"
                " WHERE stream LIKE 'household:%' ORDER BY idempotency_key"
            )
        ]
    return rows, events


@pytest.mark.parametrize("batch", [1, 4, 1000])
def test_set_based_registration_gives_what_folding_row_by_row_gives(
    tmp_path: Path, batch: int
) -> None:
    files = rosters(tmp_path)
    got = {}
    for set_based in (True, False):
        engine = open_store_engine(f"sqlite:///{tmp_path / f'{set_based}-{batch}.db'}")
        try:
            register(engine, files, set_based=set_based, batch=batch)
            got[set_based] = state(engine)
        finally:
            engine.dispose()
    rows, events = got[True]
    assert len(rows) == 60
    assert sum(1 for e in events if e[2] == EventType.HOUSEHOLD_MERGED) > 10
    assert any(r["extra"] for r in rows) and any(r["hazards"] for r in rows)
    assert got[True] == got[False]
