"""A campaign after distribution with callers listed and the callback sample drawn.

The households are the distribute tests' (three written by hand — 王芳 WANG and 李小四 LI
in 东湖区/梅园街道, EVIL in 西山区 — and generated ones); callers are listed for
东湖区 only: one for the district, one for 梅园街道, one for 梅园一社区. 西山区 has no
caller, so its sample stays unassigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Row, select

from tests.distribute.conftest import AT, CID, PLAN, Campaign, setup_campaign
from warmth.auth.rules import Role, User
from warmth.domain.events import EventType, LedgerEvent
from warmth.store import followup
from warmth.store.ledger import events_of
from warmth.store.schema import callbacks
from warmth.store.staff import StaffMember, StaffRole, save_staff

DRAWN = AT + timedelta(days=20)  # the follow-up phase's start: the sample is drawn then
CALL = datetime(2026, 12, 22, 2, 30, tzinfo=UTC)  # 10:30 on 2026-12-22 in Asia/Shanghai
NOW = CALL + timedelta(days=10)

CALLERS = [
    StaffMember(staff_id="c-east", role=StaffRole.CALLER, name="周回访", phone="13800000001",
                district="东湖区"),
    StaffMember(staff_id="c-meiyuan", role=StaffRole.CALLER, name="吴回访", phone="13800000002",
                district="东湖区", street="梅园街道"),
    StaffMember(staff_id="c-mei1", role=StaffRole.CALLER, name="郑回访", phone="13800000003",
                district="东湖区", street="梅园街道", community="梅园一社区"),
    StaffMember(staff_id="c-cadre", role=StaffRole.CADRE, name="冯包保", phone="13800000004",
                district="东湖区", street="梅园街道", community="梅园一社区"),
]  # fmt: skip

CALLER_EAST = User(id="caller.east", name="东湖回访员", roles=(Role.CALLER,), scope="东湖区",
                   created_at=AT)  # fmt: skip
CALLER_WEST = User(id="caller.west", name="西山回访员", roles=(Role.CALLER,), scope="西山区",
                   created_at=AT)  # fmt: skip
OPS = User(id="ops.city", name="民政局经办", roles=(Role.OPS,), created_at=AT)
CADRE = User(id="cadre.east", name="包保人", roles=(Role.CADRE,), scope="东湖区", created_at=AT)
AUDITOR = User(id="audit", name="审计", roles=(Role.AUDITOR,), created_at=AT)
SUP_EAST = User(id="li.east", name="李区长", roles=(Role.SUPERVISOR,), scope="东湖区",
                created_at=AT)  # fmt: skip
OPS_STREET = User(id="ops.meiyuan", name="梅园街道经办", roles=(Role.OPS,),
                  scope="东湖区/梅园街道", created_at=AT)  # fmt: skip


@dataclass(frozen=True)
class Followup:
    campaign: Campaign

    @property
    def engine(self) -> Engine:
        return self.campaign.engine

    def key(self, id_number: str) -> str:
        return self.campaign.key(id_number)

    def events(self, type_: str) -> list[LedgerEvent]:
        with self.engine.connect() as conn:
            return list(events_of(conn, CID, [type_]))

    def count(self, type_: str) -> int:
        return len(self.events(type_))

    def callback(self, id_number: str) -> Row[Any]:
        with self.engine.connect() as conn:
            return conn.execute(
                select(callbacks).where(
                    callbacks.c.campaign_id == CID,
                    callbacks.c.person_key == self.key(id_number),
                )
            ).one()


def with_callers(engine: Engine) -> None:
    save_staff(engine, CID, CALLERS, "ops", AT)


def draw_all(engine: Engine, rate: float, minimum: int) -> dict[str, int]:
    return {
        d: followup.draw_district_callbacks(engine, CID, d, rate, minimum, "system:followup", DRAWN)
        for d in PLAN.jurisdiction.district_names()
    }


@pytest.fixture
def everyone(engine: Engine, tmp_path: Path) -> Followup:
    """Every household sampled (rate 1), callers listed first."""
    campaign = setup_campaign(engine, tmp_path, households=30)
    with_callers(engine)
    draw_all(engine, 1.0, 1)
    return Followup(campaign)


__all__ = ["AT", "CID", "PLAN", "EventType"]
