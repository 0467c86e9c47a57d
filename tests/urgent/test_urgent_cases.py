"""Urgent cases (临时救助 / 一事一议) through the campaign workflow on the time-skipping server."""

from __future__ import annotations

import asyncio
import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SECRET, worker_for
from tests.skipping import skip
from tests.support import OPS, USERS, approve_all, drive, start
from tests.workflows.test_campaign import season
from warmth import service, urgent_service
from warmth.auth.rules import Role, User
from warmth.demo import write_demo_roster
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.domain.ids import generate_id
from warmth.domain.plan import CampaignPlan, UrgentPlan
from warmth.store.ledger import events_of
from warmth.store.schema import households, urgent_cases

EAST = "东湖区/梅园街道/梅园一社区"
WEST = "西山区/枫桥街道/枫桥一社区"
_RNG = random.Random(5)


def person() -> str:
    """A valid ID number of someone not in any roster."""
    return generate_id(_RNG, "310104", date(1950, 1, 1) + timedelta(days=_RNG.randrange(20000)))


async def urgent_plan(env: WorkflowEnvironment) -> CampaignPlan:
    plan = await season(env)
    return plan.model_copy(
        update={"urgent": UrgentPlan(fund_source="charity", city_threshold=Decimal(3000))}
    )


def ledger_of(engine: Engine, kind: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [e.payload for e in events_of(conn, "c1", [kind])]


def row(engine: Engine, case_id: str) -> dict[str, object]:
    with engine.connect() as conn:
        found = conn.execute(select(urgent_cases).where(urgent_cases.c.case_id == case_id)).one()
    return dict(found._mapping)


async def raise_case(
    env: WorkflowEnvironment, engine: Engine, amount: str, *, by: User = OPS,
    community: str = EAST, id_number: str | None = None, reason: str = "家中失火",
) -> str:  # fmt: skip
    state = await urgent_service.open_case(
        env.client, engine, SECRET, "c1", by, id_number=id_number or person(),
        category="低保对象", amount=Decimal(amount), reason=reason, name="王小明",
        phone="13812345678", community=community,
    )  # fmt: skip
    assert state.status == "awaiting_district"
    return state.case_id


async def decide(
    env: WorkflowEnvironment, engine: Engine, case_id: str, user: str, amount: str | None = None,
    *, approve: bool = True, comment: str = "同意",
):  # type: ignore[no-untyped-def]  # fmt: skip
    return await urgent_service.decide_case(
        env.client, engine, "c1", case_id, USERS[user], approve=approve,
        amount=None if amount is None else Decimal(amount), comment=comment,
    )  # fmt: skip


async def campaign(env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp: Path) -> None:
    roster = tmp / "roster.csv"
    write_demo_roster(roster, (await urgent_plan(env)).jurisdiction, 20)
    await start(env, engine, task_queue, await urgent_plan(env), roster)


async def test_a_case_under_the_threshold_is_paid_once_on_the_district_approval(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    async with worker_for(ts_env, task_queue, engine):
        await campaign(ts_env, engine, task_queue, tmp_path)
        id_number = person()
        case = await raise_case(ts_env, engine, "2000", id_number=id_number)
        again = await raise_case(ts_env, engine, "2000", id_number=id_number)  # repeated command
        assert again == case
        state = await decide(ts_env, engine, case, "li.east", "1500")
        assert state.status == "paid" and state.approved_fen == 150_000
        repeat = await decide(ts_env, engine, case, "li.east", "1500")
        assert repeat.status == "paid"
        listed = urgent_service.list_cases(engine, "c1", USERS["li.east"])
        assert [c.case_id for c in listed] == [case]
        assert urgent_service.list_cases(engine, "c1", USERS["zhao.west"]) == []
        files = urgent_service.write_payments(engine, "c1", tmp_path / "bank", OPS)

    assert len(ledger_of(engine, EventType.URGENT_OPENED)) == 1
    assert ledger_of(engine, EventType.URGENT_DECIDED) == [
        {"case_id": case, "level": "district", "approve": True, "amount_fen": 150_000,
         "comment": "同意"}
    ]  # fmt: skip
    assert ledger_of(engine, EventType.URGENT_ISSUED) == [
        {"case_id": case, "fund_source": "charity", "amount_fen": 150_000,
         "district": "东湖区", "community": "梅园一社区"}
    ]  # fmt: skip
    r = row(engine, case)
    assert r["status"] == "paid" and r["approved_fen"] == 150_000 and r["paid_at"] is not None
    assert r["id_number"] == id_number and r["district_decided_by"] == "li.east"
    assert listed[0].id_number != id_number and listed[0].name == "王**"  # masked
    with files[0].open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[1][1:3] == ["王**", id_number[:6] + "********" + id_number[-4:]]
    assert lines[1][4:6] == ["1500.00", "临时救助金"]
    assert files[0].name == "c1-urgent-bank-charity-东湖区.csv"


async def test_over_the_threshold_the_city_must_approve_before_anything_is_paid(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    async with worker_for(ts_env, task_queue, engine):
        await campaign(ts_env, engine, task_queue, tmp_path)
        case = await raise_case(ts_env, engine, "5000", community=WEST)
        with pytest.raises(Rejected, match=r"li.east may not approve 西山区"):
            await decide(ts_env, engine, case, "li.east", "4000")
        state = await decide(ts_env, engine, case, "zhao.west", "4000")
        assert state.status == "awaiting_city"
        assert ledger_of(engine, EventType.URGENT_ISSUED) == []
        assert row(engine, case)["status"] == "pending"
        with pytest.raises(Rejected, match=r"a city supervisor .* decides it, not zhao.west"):
            await decide(ts_env, engine, case, "zhao.west", "4000")
        with pytest.raises(Rejected, match=r"more than the 4000.00 yuan approved by the district"):
            await decide(ts_env, engine, case, "chen.city", "4500")
        state = await decide(ts_env, engine, case, "chen.city")  # as the district approved
        assert state.status == "paid"
        assert [a.level for a in state.approvals] == ["district", "city"]

    issued = ledger_of(engine, EventType.URGENT_ISSUED)
    assert [(p["amount_fen"], p["district"]) for p in issued] == [(400_000, "西山区")]
    r = row(engine, case)
    assert (r["district_decided_by"], r["city_decided_by"]) == ("zhao.west", "chen.city")


async def test_nobody_approves_a_case_they_raised(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    async with worker_for(ts_env, task_queue, engine):
        await campaign(ts_env, engine, task_queue, tmp_path)
        case = await raise_case(ts_env, engine, "800", by=USERS["li.east"])
        with pytest.raises(Rejected, match=r"li.east raised urgent case .*no self-approval"):
            await decide(ts_env, engine, case, "li.east")
        caller = User(id="caller", name="回访员", roles=(Role.CALLER,), created_at=OPS.created_at)
        with pytest.raises(Rejected, match="needs ops, supervisor or cadre"):
            await raise_case(ts_env, engine, "800", by=caller)
        state = await decide(ts_env, engine, case, "chen.city")
        assert state.status == "paid"

    refused = ledger_of(engine, EventType.ACCESS_REFUSED)
    assert any("no self-approval" in str(p["reason"]) for p in refused)
    assert len(ledger_of(engine, EventType.URGENT_ISSUED)) == 1


async def test_concurrent_and_repeated_approvals_pay_once(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    async with worker_for(ts_env, task_queue, engine):
        await campaign(ts_env, engine, task_queue, tmp_path)
        case = await raise_case(ts_env, engine, "1000")
        results = await asyncio.gather(
            *(decide(ts_env, engine, case, u, "900") for u in ("li.east", "li.east", "chen.city")),
            return_exceptions=True,
        )
        paid = [r for r in results if not isinstance(r, BaseException)]
        assert paid and all(r.status == "paid" for r in paid)
        for r in results:
            if isinstance(r, BaseException):  # the other supervisor came second
                assert isinstance(r, Rejected) and "awaits no decision" in str(r)
        again = await decide(ts_env, engine, case, paid[0].approvals[0].user, "900")
        assert again.status == "paid"

    assert len(ledger_of(engine, EventType.URGENT_ISSUED)) == 1
    assert len(ledger_of(engine, EventType.URGENT_DECIDED)) == 1


async def test_a_rejection_ends_the_case(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    async with worker_for(ts_env, task_queue, engine):
        await campaign(ts_env, engine, task_queue, tmp_path)
        small = await raise_case(ts_env, engine, "500")
        big = await raise_case(ts_env, engine, "9000", community=WEST)
        with pytest.raises(Rejected, match="a rejection needs a comment"):
            await decide(ts_env, engine, small, "li.east", approve=False, comment="")
        state = await decide(ts_env, engine, small, "li.east", approve=False, comment="不符合条件")
        assert state.status == "rejected"
        with pytest.raises(Rejected, match="awaits no decision"):
            await decide(ts_env, engine, small, "chen.city")
        await decide(ts_env, engine, big, "zhao.west", "8000")
        state = await decide(ts_env, engine, big, "chen.city", approve=False, comment="超出标准")
        assert state.status == "rejected"

    assert ledger_of(engine, EventType.URGENT_ISSUED) == []
    assert row(engine, small)["status"] == row(engine, big)["status"] == "rejected"
    decided = ledger_of(engine, EventType.URGENT_DECIDED)
    assert [(p["level"], p["approve"]) for p in decided] == [
        ("district", False), ("district", True), ("city", False),
    ]  # fmt: skip


async def test_cases_are_checked_against_the_plan(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    async with worker_for(ts_env, task_queue, engine):
        await campaign(ts_env, engine, task_queue, tmp_path)
        with pytest.raises(Rejected, match="'火灾' is not a category of the plan"):
            await urgent_service.open_case(
                ts_env.client, engine, SECRET, "c1", OPS, id_number=person(), category="火灾",
                amount=Decimal(100), reason="x", name="王小明", community=EAST,
            )  # fmt: skip
        with pytest.raises(Rejected, match="greater than 0"):
            await raise_case(ts_env, engine, "0")
        with pytest.raises(Rejected, match="give --community"):
            await raise_case(ts_env, engine, "100", community="东湖区")
        east_ops = User(id="ops.e", name="东", roles=(Role.OPS,), scope="东湖区",
                        created_at=OPS.created_at)  # fmt: skip
        with pytest.raises(Rejected, match="may not change 西山区"):
            await raise_case(ts_env, engine, "100", by=east_ops, community=WEST)
    assert ledger_of(engine, EventType.URGENT_OPENED) == []


async def test_a_roster_person_is_placed_from_the_roster_and_the_completed_campaign_refuses(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await urgent_plan(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 20)
    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        decide_gates = approve_all(ts_env.client, engine, "c1")
        while True:  # until the households are registered (the survey approved)
            p = await service.progress(ts_env.client, "c1")
            if p.phases[0].state == "approved":
                break
            if p.open_gate is not None:
                await decide_gates(p.open_gate)
            elif p.waiting_until is not None:
                await skip(ts_env, p.waiting_until - await ts_env.get_current_time())
            else:
                await asyncio.sleep(0.05)
        with engine.connect() as conn:
            h = conn.execute(select(households).limit(1)).one()
        state = await urgent_service.open_case(
            ts_env.client, engine, SECRET, "c1", OPS, id_number=h.id_number,
            category=h.categories[0], amount=Decimal(300), reason="临时困难",
        )  # fmt: skip
        assert state.district == h.district
        head = "li.east" if h.district == "东湖区" else "zhao.west"
        await decide(ts_env, engine, state.case_id, head)
        final = await drive(ts_env, "c1", decide_gates)
        assert final.status == "completed" and final.phase is None
        with pytest.raises(Rejected, match="c1 has completed"):
            await raise_case(ts_env, engine, "100")
    r = row(engine, state.case_id)
    assert (r["name"], r["phone"], r["community"]) == (h.name, h.phone, h.community)
    assert r["status"] == "paid"
