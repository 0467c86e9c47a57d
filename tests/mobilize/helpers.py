"""Setting up a campaign with households and staff lists for the mobilize tests."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from warmth import intake
from warmth.auth.rules import Role, User
from warmth.demo import demo_plan, write_demo_roster
from warmth.store import mobilize, survey
from warmth.store.campaigns import create_campaign
from warmth.store.ledger import events_of
from warmth.store.schema import households
from warmth.store.staff import list_staff

AT = datetime(2026, 12, 1, tzinfo=UTC)
PLAN = demo_plan(AT, timedelta(days=15))
SECRET = b"k"
CAMPAIGN = "c1"
STAFF_HEADER = ["姓名", "联系电话", "单位", "角色"]
OPS = User(id="ops.city", name="民政局经办", roles=(Role.OPS,), created_at=AT)
OPS_EAST = User(id="ops.east", name="东湖区经办", roles=(Role.OPS,), scope="东湖区", created_at=AT)
SUPERVISOR = User(id="sup", name="领导", roles=(Role.SUPERVISOR,), created_at=AT)
AUDITOR = User(id="audit", name="审计", roles=(Role.AUDITOR,), created_at=AT)


def write_csv(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def staff_file(path: Path, *rows: list[str]) -> Path:
    return write_csv(path, STAFF_HEADER, *rows)


def campaign_with_households(engine: Engine, tmp_path: Path, n: int = 150) -> None:
    """Campaign ``c1`` (the demo plan) with about ``n`` households registered."""
    create_campaign(engine, CAMPAIGN, PLAN, "ops", AT)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, PLAN.jurisdiction, n, seed=7)
    report = intake.stage_file(
        engine, SECRET, CAMPAIGN, PLAN, roster, unit="民政科", actor="ops", at=AT
    )
    intake.settle_import(engine, CAMPAIGN, report.import_id, True, "ops", AT)
    for district in PLAN.jurisdiction.district_names():
        cursor, done = None, False
        while not done:
            cursor, _n, done = survey.register_batch(
                engine, CAMPAIGN, district, cursor, 50, "ops", AT
            )


def mobilize_district(engine: Engine, district: str, limit: int = 7) -> int:
    """Run every batch of a district's mobilize; the number of batches."""
    cursor, done, batches = None, False, 0
    while not done:
        cursor, _n, done = mobilize.assign_batch(
            engine, CAMPAIGN, district, cursor, limit, "system:mobilize", AT
        )
        batches += 1
    return batches


def cadres_of(engine: Engine, community: str) -> dict[str, str | None]:
    """``{person key: cadre id}`` of a community's households."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(households.c.person_key, households.c.cadre_id).where(
                households.c.campaign_id == CAMPAIGN, households.c.community == community
            )
        ).all()
    return {r.person_key: r.cadre_id for r in rows}


def loads(engine: Engine, community: str) -> Counter[str | None]:
    return Counter(cadres_of(engine, community).values())


def event_types(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [e.type for e in events_of(conn, CAMPAIGN)]


EAST = "东湖区"
ONE = "梅园一社区"  # three cadres
TWO = "梅园二社区"  # one cadre
CADRES = [
    ["张伟", "13800138001", f"东湖区/梅园街道/{ONE}", "包保人"],
    ["李娜", "13800138002", f"东湖区/梅园街道/{ONE}", "包保人"],
    ["王强", "13800138003", f"东湖区/梅园街道/{ONE}", "包保人"],
    ["赵敏", "13800138004", f"东湖区/梅园街道/{TWO}", "包保人"],
    ["钱七", "13800138005", f"东湖区/梅园街道/{TWO}", "回访员"],  # not a cadre
]


def cadre_id(engine: Engine, name: str) -> str:
    return next(m.staff_id for m in list_staff(engine, CAMPAIGN) if m.name == name)
