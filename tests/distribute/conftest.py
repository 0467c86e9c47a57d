"""A campaign through survey and distribute in the store: households registered, aid issued."""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from warmth import intake
from warmth.demo import HEADER, demo_plan, write_demo_roster
from warmth.domain.events import EventType
from warmth.domain.ids import generate_id
from warmth.domain.people import person_key
from warmth.store import survey
from warmth.store.campaigns import create_campaign
from warmth.store.distribution import issue_batch
from warmth.store.ledger import events_of

AT = datetime(2026, 12, 1, tzinfo=UTC)
PLAN = demo_plan(AT, timedelta(days=15))
SECRET = b"distribute-secret"
CID = "c1"
LATER = AT + timedelta(days=10)  # "now" when confirmations are recorded

WANG = "310104198501010013"  # 低保对象、独居老人, 东湖区/梅园街道/梅园一社区, with a bank account
LI = "310104198001010017"  # 困境儿童 only: no heating subsidy; 东湖区/梅园街道/梅园二社区
EVIL = "110105194912310011"  # a name and address that would run as formulas; 西山区
ACCOUNT = "6222020200001234567"

_HAND = [
    ["1", "王芳", WANG, "13812345678", "东湖区", "梅园街道", "梅园一社区", "梅园路1号",
     "低保对象、独居老人", "2", "民政科", "", "", "", ACCOUNT],
    ["2", "李小四", LI, "13912345678", "东湖区", "梅园街道", "梅园二社区", "梅园路2号",
     "困境儿童", "3", "妇联", "", "", "", ""],
    ["3", '=HYPERLINK("http://x","点我")', EVIL, "", "西山区", "枫桥街道", "枫桥一社区",
     "=1+2", "特困人员", "1", "民政科", "", "", "", ""],
]  # fmt: skip


@dataclass(frozen=True)
class Campaign:
    engine: Engine
    campaign_id: str

    def key(self, id_number: str) -> str:
        return person_key(SECRET, id_number)

    def ledger_count(self, type_: str) -> int:
        with self.engine.connect() as conn:
            return sum(1 for _ in events_of(conn, self.campaign_id, [type_]))

    def ledger_cash(self) -> Counter[tuple[str, str]]:
        """Fen of AidIssued cash per (fund source, district), straight from the ledger."""
        out: Counter[tuple[str, str]] = Counter()
        with self.engine.connect() as conn:
            for e in events_of(conn, self.campaign_id, [EventType.AID_ISSUED]):
                if e.payload["kind"] == "cash":
                    out[(e.payload["fund_source"], e.payload["district"])] += int(
                        e.payload["amount_fen"]
                    )
        return out


def write_hand_roster(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*HEADER, "银行账号"])
        writer.writerows(_HAND)
    return path


def setup_campaign(
    engine: Engine, tmp_path: Path, households: int = 40, at: datetime = AT
) -> Campaign:
    """Register the hand-written and ``households`` generated people; issue at ``at``."""
    create_campaign(engine, CID, PLAN, "ops", at)
    demo = tmp_path / "demo.csv"
    write_demo_roster(demo, PLAN.jurisdiction, households, seed=11)
    for f in (write_hand_roster(tmp_path / "hand.csv"), demo):
        report = intake.stage_file(engine, SECRET, CID, PLAN, f, unit="民政科", actor="ops", at=at)
        intake.settle_import(engine, CID, report.import_id, True, "ops", at)
    for district in PLAN.jurisdiction.district_names():
        cursor, done = None, False
        while not done:
            cursor, _n, done = survey.register_batch(engine, CID, district, cursor, 7, "ops", at)
        cursor, done = None, False
        while not done:
            cursor, _n, done = issue_batch(engine, CID, PLAN.items, district, cursor, 9, "ops", at)
    return Campaign(engine, CID)


@pytest.fixture
def campaign(engine: Engine, tmp_path: Path) -> Campaign:
    return setup_campaign(engine, tmp_path)


def valid_id(seed: int) -> str:
    return generate_id(random.Random(seed), "310104", date(1960, 1, 1))
