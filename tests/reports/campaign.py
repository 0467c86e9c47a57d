"""A small hand-checked campaign, built directly through the store (no Temporal).

Five people in the demo plan's city (示范市), one roster file accepted and one refused:

======  ======================  =========================  ==========================
person  place                   categories                 items issued (yuan)
======  ======================  =========================  ==========================
A 王芳  东湖区/梅园街道/梅园一社区  低保对象 + 独居老人 (merged)  慰问金 500, 取暖 200, 礼包 150
B 李四  东湖区/梅园街道/梅园二社区  低收入家庭                   慰问金 300, 礼包 150
C 赵六  西山区/枫桥街道/枫桥一社区  特困人员                     慰问金 800, 取暖 300, 礼包 150
D 钱七  东湖区/竹林街道/竹林一社区  困境儿童、重残人员 (one row)  慰问金 600, 礼包 150
E 孙八  西山区/枫桥街道/枫桥一社区  低保对象                     慰问金 500, 取暖 200, 礼包 150
======  ======================  =========================  ==========================

Confirmed (DeliveryConfirmed): A 慰问金 only (partly delivered); C everything; D 慰问金
and 礼包 (everything D was issued). B and E nothing. One row of the accepted file is
rejected (bad check character); the refused file's person is never registered.
Callbacks: rate 0.1, minimum 0 per community → 东湖区 3 (one per community), 西山区 2
(one per category: C 特困人员 and E 低保对象 share 枫桥一社区).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from warmth import intake
from warmth.demo import HEADER, demo_plan
from warmth.domain.events import LedgerEvent, household_stream
from warmth.domain.ids import generate_id
from warmth.domain.people import person_key
from warmth.domain.plan import CampaignPlan
from warmth.store import distribution, followup, ledger, survey
from warmth.store.campaigns import create_campaign

AT = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai
PLAN = demo_plan(AT, timedelta(days=15))
SECRET = b"k"
CID = "c1"


def _id(seed: int, born: date) -> str:
    return generate_id(random.Random(seed), "310104", born)


IDS = {
    "A": _id(1, date(1950, 3, 1)),
    "B": _id(2, date(1962, 7, 9)),
    "C": _id(3, date(1940, 1, 20)),
    "D": _id(4, date(2015, 5, 5)),
    "E": _id(5, date(1958, 11, 30)),
    "F": _id(6, date(1970, 2, 2)),
}
KEYS = {who: person_key(SECRET, n) for who, n in IDS.items()}


def row(n: int, name: str, who: str, place: str, cats: str, unit: str = "民政科") -> list[str]:
    district, street, community = place.split("/")
    return [str(n), name, IDS[who], "13812345678", district, street, community, "某路1号",
            cats, "1", unit, "", "", ""]  # fmt: skip


def csv_file(path: Path, *rows: list[str]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def stage(engine: Engine, path: Path, accept: bool) -> str:
    report = intake.stage_file(engine, SECRET, CID, PLAN, path, unit="民政科", actor="ops", at=AT)
    intake.settle_import(engine, CID, report.import_id, accept, "ops", AT)
    return report.import_id


def register(engine: Engine, plan: CampaignPlan, campaign_id: str = CID) -> None:
    for district in plan.jurisdiction.district_names():
        cursor, done = None, False
        while not done:
            cursor, _n, done = survey.register_batch(
                engine, campaign_id, district, cursor, 2, "ops", AT
            )


def distribute(engine: Engine, plan: CampaignPlan, campaign_id: str = CID) -> None:
    for district in plan.jurisdiction.district_names():
        cursor, done = None, False
        while not done:
            cursor, _n, done = distribution.issue_batch(
                engine, campaign_id, plan.items, district, cursor, 2, "ops", AT
            )


def confirm(engine: Engine, who: str, *items: str, campaign_id: str = CID) -> None:
    """A DeliveryConfirmed ledger event per item (the event type the reports read)."""
    key = KEYS[who]
    with engine.begin() as conn:
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=household_stream(campaign_id, key),
                    type="DeliveryConfirmed",
                    payload={"item": item},
                    actor="ops",
                    at=AT + timedelta(days=1),
                    idempotency_key=f"{campaign_id}:{key}:{item}:confirmed",
                )
                for item in items
            ],
        )


@dataclass
class Campaign:
    engine: Engine
    accepted_file: Path
    refused_file: Path


def survey_only(engine: Engine, tmp_path: Path) -> Campaign:
    """The campaign after the survey: five people registered, nothing issued yet."""
    create_campaign(engine, CID, PLAN, "ops", AT)
    bad = row(7, "坏行", "A", "东湖区/梅园街道/梅园一社区", "低保对象")
    bad[2] = IDS["A"][:-1] + ("0" if IDS["A"][-1] != "0" else "1")  # wrong check character
    accepted = csv_file(
        tmp_path / "民政科-花名册.csv",
        row(1, "王芳", "A", "东湖区/梅园街道/梅园一社区", "低保对象"),
        row(2, "王芳", "A", "东湖区/梅园街道/梅园一社区", "独居老人", unit="社区居委会"),
        row(3, "李四", "B", "东湖区/梅园街道/梅园二社区", "低收入家庭"),
        row(4, "赵六", "C", "西山区/枫桥街道/枫桥一社区", "特困人员"),
        row(5, "钱七", "D", "东湖区/竹林街道/竹林一社区", "困境儿童、重残人员"),
        row(6, "孙八", "E", "西山区/枫桥街道/枫桥一社区", "低保对象"),
        bad,
    )
    refused = csv_file(
        tmp_path / "late.csv", row(1, "周九", "F", "西山区/柳岸街道/柳岸一社区", "低保对象")
    )
    stage(engine, accepted, True)
    stage(engine, refused, False)
    register(engine, PLAN)
    return Campaign(engine, accepted, refused)


def whole_campaign(engine: Engine, tmp_path: Path) -> Campaign:
    """The campaign after distribution, confirmations and callbacks."""
    campaign = survey_only(engine, tmp_path)
    distribute(engine, PLAN)
    confirm(engine, "A", "condolence")
    confirm(engine, "C", "condolence", "heating", "package")
    confirm(engine, "D", "condolence", "package")
    for district in PLAN.jurisdiction.district_names():
        followup.draw_district_callbacks(engine, CID, district, 0.1, 0, "ops", AT)
    return campaign
