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

:func:`followed_up` adds the follow-up (回访核查), as the ledger records it; the report is
read as of :data:`AS_OF`, 70 days after the start, ten days after the distribute
deadline (start + 60 days):

- callbacks: A assigned to k1, then to k2, reached on the first call; B unreachable,
  then says not received (2 calls); D unreachable three days running; E complains.
- verification cases: V1 (B, 梅园二社区, deadline +65 d) open → overdue; V2 (E, 枫桥一社区,
  +75 d) open, not yet due; V3 (D, 竹林一社区, +62 d) resolved.
- hazards: H1 用电 at A (梅园一社区, +50 d) fixed; H2 用气 at A (+66 d) open → overdue;
  H3 消防 at E (枫桥一社区, +80 d) open; H4 用电 at C (枫桥一社区, +60 d) open → overdue.
- urgent cases (threshold 3,000 yuan for the city): U1 B asked 2,000, district approved
  1,500, paid from 区级; U2 D asked 5,000, district approved 4,000, city 3,500;
  U3 C asked 1,000, refused; U4 E asked 4,000, district approved 4,000, awaiting the
  city; U5 E asked 800, undecided.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from warmth import intake
from warmth.demo import HEADER, demo_plan
from warmth.domain.events import EventType, LedgerEvent, campaign_stream, household_stream
from warmth.domain.ids import generate_id
from warmth.domain.people import person_key
from warmth.domain.plan import CampaignPlan, UrgentPlan
from warmth.store import distribution, followup, ledger, survey
from warmth.store.campaigns import create_campaign

AT = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai
PLAN = demo_plan(AT, timedelta(days=15)).model_copy(
    update={"urgent": UrgentPlan(fund_source="district", city_threshold=Decimal(3000))}
)
DISTRIBUTE_DEADLINE = AT + timedelta(days=60)
AS_OF = AT + timedelta(days=70)
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


# ---- follow-up facts (回访核查), with the payloads of warmth.domain.events ----

PLACES = {
    "A": ("东湖区", "梅园街道", "梅园一社区"),
    "B": ("东湖区", "梅园街道", "梅园二社区"),
    "C": ("西山区", "枫桥街道", "枫桥一社区"),
    "D": ("东湖区", "竹林街道", "竹林一社区"),
    "E": ("西山区", "枫桥街道", "枫桥一社区"),
}


def days(n: float) -> datetime:
    return AT + timedelta(days=n)


def fact(
    engine: Engine, who: str | None, kind: str, payload: dict[str, Any], key: str, at: datetime
) -> None:
    """Append one ledger event on ``who``'s household stream (the campaign's if None)."""
    stream = campaign_stream(CID) if who is None else household_stream(CID, KEYS[who])
    with engine.begin() as conn:
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=CID,
                    stream=stream,
                    type=kind,
                    payload=payload,
                    actor="ops",
                    at=at,
                    idempotency_key=f"{CID}:{key}",
                )
            ],
        )


def where(who: str, street: bool = False) -> dict[str, Any]:
    d, s, c = PLACES[who]
    return (
        {"district": d, "street": s, "community": c} if street else {"district": d, "community": c}
    )


def callback(
    engine: Engine, who: str, caller: str, results: list[str], outcome: str | None = None
) -> None:
    """Assigned to ``caller``, called once a day with ``results``, then ``outcome``."""
    key = KEYS[who]
    fact(engine, who, EventType.CALLBACK_ASSIGNED, {"caller_id": caller, **where(who)},
         f"{key}:callback-assigned:{caller}", days(46))  # fmt: skip
    for n, result in enumerate(results):
        day = f"{days(47 + n):%Y-%m-%d}"
        payload = {"day": day, "result": result, **where(who)}
        fact(engine, who, EventType.CALLBACK_ATTEMPTED, payload, f"{key}:callback:{day}:{result}",
             days(47 + n))  # fmt: skip
    if outcome is not None:
        fact(engine, who, EventType.CALLBACK_CONCLUDED, {"outcome": outcome, **where(who)},
             f"{key}:callback-concluded", days(50))  # fmt: skip


def verification(engine: Engine, case: str, who: str, deadline: float, resolved: bool) -> None:
    fact(engine, who, EventType.VERIFICATION_OPENED,
         {"case_id": case, "reason": "not_received", **where(who, street=True),
          "deadline": days(deadline).isoformat()},
         f"verification:{case}:opened", days(51))  # fmt: skip
    if resolved:
        fact(engine, who, EventType.VERIFICATION_RESOLVED,
             {"case_id": case, "district": PLACES[who][0], "finding": "已补发"},
             f"verification:{case}:resolved", days(55))  # fmt: skip


def hazard(engine: Engine, task: str, who: str, kind: str, deadline: float, fixed: bool) -> None:
    fact(engine, who, EventType.HAZARD_RECORDED,
         {"task_id": task, "hazard": kind, "source": "visit", **where(who, street=True),
          "cadre_id": None, "deadline": days(deadline).isoformat()},
         f"hazard:{task}:recorded", days(40))  # fmt: skip
    if fixed:
        fact(engine, who, EventType.HAZARD_FIXED,
             {"task_id": task, "hazard": kind, **where(who), "note": "已更换"},
             f"hazard:{task}:fixed", days(45))  # fmt: skip


def urgent(
    engine: Engine,
    case: str,
    who: str,
    asked: int,
    decisions: tuple[tuple[str, bool, int], ...] = (),
    paid: tuple[str, int] | None = None,
) -> None:
    """An urgent case: asked (yuan), (level, approve, yuan) decisions, (source, yuan) paid."""
    fact(engine, who, EventType.URGENT_OPENED,
         {"case_id": case, "category": "重病", "asked_fen": asked * 100,
          **where(who, street=True)},
         f"urgent:{case}:opened", days(48))  # fmt: skip
    for level, approve, amount in decisions:
        fact(engine, who, EventType.URGENT_DECIDED,
             {"case_id": case, "level": level, "approve": approve, "amount_fen": amount * 100,
              "comment": ""},
             f"urgent:{case}:{level}", days(49))  # fmt: skip
    if paid is not None:
        pay(engine, case, who, *paid)


def pay(engine: Engine, case: str, who: str, source: str, amount: int, key: str = "issued") -> None:
    fact(engine, who, EventType.URGENT_ISSUED,
         {"case_id": case, "fund_source": source, "amount_fen": amount * 100, **where(who)},
         f"urgent:{case}:{key}", days(52))  # fmt: skip


def followed_up(engine: Engine, tmp_path: Path) -> Campaign:
    """The whole campaign and its follow-up (see the module's docstring)."""
    campaign = whole_campaign(engine, tmp_path)
    callback(engine, "A", "k1", [])
    callback(engine, "A", "k2", ["reached"], "reached")  # reassigned: one household
    callback(engine, "B", "k1", ["unreachable", "not_received"], "not_received")
    callback(engine, "D", "k2", ["unreachable"] * 3, "unreachable")
    callback(engine, "E", "k3", ["complaint"], "complaint")
    verification(engine, "V1", "B", 65, resolved=False)
    verification(engine, "V2", "E", 75, resolved=False)
    verification(engine, "V3", "D", 62, resolved=True)
    hazard(engine, "H1", "A", "用电", 50, fixed=True)
    hazard(engine, "H2", "A", "用气", 66, fixed=False)
    hazard(engine, "H3", "E", "消防", 80, fixed=False)
    hazard(engine, "H4", "C", "用电", 60, fixed=False)
    urgent(engine, "U1", "B", 2000, (("district", True, 1500),), paid=("district", 1500))
    urgent(engine, "U2", "D", 5000, (("district", True, 4000), ("city", True, 3500)))
    urgent(engine, "U3", "C", 1000, (("district", False, 0),))
    urgent(engine, "U4", "E", 4000, (("district", True, 4000),))
    urgent(engine, "U5", "E", 800)
    return campaign
