"""Before anything is paid: the budget gate, the public notice and objections (issue 4)."""

from __future__ import annotations

import asyncio
import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SECRET, worker_for
from tests.skipping import skip
from tests.support import OPS, USERS, approve_all, drive, issued_pairs, start
from tests.workflows.test_campaign import season
from warmth import service
from warmth.contracts import OpenGate
from warmth.demo import write_demo_roster
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.domain.phases import Phase
from warmth.store.ledger import events_of
from warmth.store.outbox import sent_messages


def first_people(roster: Path, n: int) -> list[tuple[str, str]]:
    """(ID number, district) of the first ``n`` rows of a demo roster."""
    with roster.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    return [(r["公民身份号码"], r["区"]) for r in rows[:n]]


async def test_nothing_is_paid_until_an_overrun_budget_is_accepted_by_the_city(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    city = next(f for f in plan.fund_sources if f.code == "city")
    plan = plan.model_copy(
        update={
            "fund_sources": [
                f.model_copy(update={"budget": Decimal(1000)}) if f is city else f
                for f in plan.fund_sources
            ]
        }
    )
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 30)
    seen: list[str] = []

    async def decide(gate: OpenGate) -> None:
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)

        async def budget_then(gate: OpenGate) -> None:
            await decide(gate)

        # Drive until the budget gate opens, then decide it as supervisors would.
        while not (p := await service.progress(ts_env.client, "c1")).budget_gate_open:
            if p.open_gate is not None:
                await decide(p.open_gate)
            elif p.waiting_until is not None:
                await skip(ts_env, p.waiting_until - await ts_env.get_current_time())
        assert p.budget is not None
        assert [(s.source, s.budget) for s in p.budget.overrun] == [("city", Decimal(1000))]
        assert issued_pairs(engine, "c1") == []  # nothing paid while the gate is open
        with pytest.raises(Rejected, match=r"li.east .* may not approve for the whole city"):
            await service.decide_budget(ts_env.client, engine, "c1", USERS["li.east"], approve=True)
        outcome = await service.decide_budget(
            ts_env.client, engine, "c1", USERS["chen.city"], approve=True, comment="追加预算"
        )
        seen.append(outcome.decided_by)
        final = await drive(ts_env, "c1", budget_then)

    assert seen == ["chen.city"]
    assert final.status == "completed"
    assert issued_pairs(engine, "c1") != []
    with engine.connect() as conn:
        kinds = [e.type for e in events_of(conn, "c1", [EventType.BUDGET_APPROVED])]
    assert kinds == [EventType.BUDGET_APPROVED]


async def test_an_objection_holds_a_household_until_resolved(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 40)
    (kept, kept_district), (removed, removed_district) = first_people(roster, 2)
    head = {"东湖区": "li.east", "西山区": "zhao.west"}

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        while (p := await service.progress(ts_env.client, "c1")).notice_until is None:
            if p.open_gate is not None:
                await approve_all(ts_env.client, engine, "c1")(p.open_gate)
            elif p.waiting_until is not None:
                await skip(ts_env, p.waiting_until - await ts_env.get_current_time())
        for id_number in (kept, removed):
            await service.lodge_objection(
                ts_env.client, engine, SECRET, "c1", id_number, OPS, "群众反映收入超标"
            )
        with pytest.raises(Rejected, match="already on record"):
            await service.lodge_objection(ts_env.client, engine, SECRET, "c1", kept, OPS, "again")
        # The notice ends, the others are paid, the two wait for their supervisors.
        while (p := await service.progress(ts_env.client, "c1")).phases[2].state != (
            "awaiting_objections"
        ):
            if p.waiting_until is not None:
                await skip(ts_env, p.waiting_until - await ts_env.get_current_time())
        paid = {i for i, _ in issued_pairs(engine, "c1")}
        assert kept not in paid and removed not in paid and paid
        await service.resolve_objection(
            ts_env.client, engine, SECRET, "c1", kept, USERS[head[kept_district]],
            uphold=False, resolution="经核实符合条件",
        )  # fmt: skip
        await service.resolve_objection(
            ts_env.client, engine, SECRET, "c1", removed, USERS[head[removed_district]],
            uphold=True, resolution="经核实收入超标",
        )  # fmt: skip
        final = await drive(ts_env, "c1", approve_all(ts_env.client, engine, "c1"))

    paid = {i for i, _ in issued_pairs(engine, "c1")}
    assert kept in paid and removed not in paid
    assert final.objections == {k: v for k, v in final.objections.items()}  # recorded
    assert sorted(final.objections.values()) == ["dismissed", "upheld"]
    notices = sorted((tmp_path / "out" / "c1" / "notice").glob("*.csv"))
    assert len(notices) == 2
    text = "".join(n.read_text(encoding="utf-8-sig") for n in notices)
    assert kept not in text and kept[:6] + "********" + kept[-4:] in text  # masked


async def test_unconfirmed_deliveries_are_reminded_then_escalated(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 30)
    waited: list[bool] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.DISTRIBUTE and not waited:
            waited.append(True)  # nobody confirms or decides until after the deadline
            await skip(ts_env, gate.deadline - await ts_env.get_current_time() + timedelta(hours=1))
            while not [
                m
                for m in sent_messages(engine, "c1")
                if "deliveries:escalation" in str(m["idempotency_key"])
            ]:
                await asyncio.sleep(0.05)
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine, tmp_path / "out"):
        await start(ts_env, engine, task_queue, plan, roster)
        await drive(ts_env, "c1", decide)

    notes = [m for m in sent_messages(engine, "c1") if m["kind"] == "delivery_reminder"]
    before = [m for m in notes if "escalation" not in str(m["idempotency_key"])]
    after = [m for m in notes if "escalation" in str(m["idempotency_key"])]
    # Before the deadline each district head hears about their own communities only.
    assert sorted({r for m in before for r in m["recipients"]}) == ["li.east", "zhao.west"]  # type: ignore[attr-defined]
    assert all(
        "西山区" not in str(m["data"]["summary"]) for m in before if m["recipients"] == ["li.east"]
    )  # type: ignore[index]
    # After it, the city hears too.
    assert "chen.city" in {r for m in after for r in m["recipients"]}  # type: ignore[attr-defined]
    assert all("未确认" in str(m["data"]["summary"]) for m in notes)  # type: ignore[index]
