"""The campaign workflow on the time-skipping server: phases, gates, deadlines."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.conftest import worker_for
from tests.skipping import skip
from tests.support import USERS, approve_all, drive, expected_from_roster, issued_pairs, start
from warmth import service
from warmth.contracts import OpenGate
from warmth.demo import demo_plan, write_demo_roster
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.domain.phases import Phase
from warmth.domain.plan import CampaignPlan
from warmth.store.ledger import events_of
from warmth.store.outbox import sent_messages


async def season(env: WorkflowEnvironment, days_per_phase: int = 15) -> CampaignPlan:
    """A plan starting tomorrow whose last deadline is 6 × days_per_phase days away."""
    now = await env.get_current_time()
    return demo_plan(now + timedelta(days=1), timedelta(days=days_per_phase))


async def test_a_90_day_campaign_completes_in_seconds(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    """All five phases run and every entitled (person, item) is issued exactly once."""
    plan = await season(ts_env)
    assert plan.phases[Phase.SUMMARIZE].deadline - plan.phases[Phase.SURVEY].start == timedelta(
        days=90
    )
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 300)
    people, owed = expected_from_roster(plan, roster)
    began = time.monotonic()
    async with worker_for(ts_env, task_queue, engine):
        cid = await start(ts_env, engine, task_queue, plan, roster, batch_size=50)
        final = await drive(ts_env, cid, approve_all(ts_env.client, engine, cid))
        result = await service.result(ts_env.client, cid)
    elapsed = time.monotonic() - began

    assert elapsed < 60, f"a 90-day plan took {elapsed:.1f} s of wall time"
    assert [s.state for s in final.phases] == ["approved"] * 5
    assert result.summary.households == people
    issued = issued_pairs(engine, cid)
    assert Counter(issued).most_common(1)[0][1] == 1  # no (person, item) twice
    assert set(issued) == owed  # and none missing
    assert result.summary.deliveries == len(owed)
    assert sum(final.counts[d]["households"] for d in final.counts) == people


async def test_a_rejected_district_is_reworked_while_the_approved_one_keeps_its_work(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 60)
    rejected: list[int] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.MOBILIZE and not rejected:
            outcome = await service.decide(
                ts_env.client,
                engine,
                "c1",
                gate.phase,
                USERS["zhao.west"],
                approve=False,
                comment="责任单位有误",
            )
            rejected.append(outcome.round)
            assert outcome.districts == ["西山区"]
            await service.decide(
                ts_env.client, engine, "c1", gate.phase, USERS["li.east"], approve=True
            )
        else:
            await service.decide(
                ts_env.client, engine, "c1", gate.phase, USERS["chen.city"], approve=True
            )

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        final = await drive(ts_env, "c1", decide)

    mobilize = next(s for s in final.phases if s.phase == Phase.MOBILIZE)
    assert rejected == [1]
    assert mobilize.rounds == 2
    assert [(d.round, d.districts, d.approved, d.comment) for d in mobilize.decisions] == [
        (1, ["西山区"], False, "责任单位有误"),
        (1, ["东湖区"], True, ""),
        (2, ["西山区"], True, ""),
    ]
    with engine.connect() as conn:
        gates = [
            (e.type, e.payload["gate"], e.payload["district"], e.actor)
            for e in events_of(conn, "c1", [EventType.GATE_REJECTED, EventType.GATE_APPROVED])
            if e.payload["gate"] == "mobilize"
        ]
        assigned = list(events_of(conn, "c1", [EventType.RESPONSIBILITY_ASSIGNED]))
    assert gates == [
        (EventType.GATE_REJECTED, "mobilize", "西山区", "zhao.west"),
        (EventType.GATE_APPROVED, "mobilize", "东湖区", "li.east"),
        (EventType.GATE_APPROVED, "mobilize", "西山区", "chen.city"),
    ]
    # Round 2 re-ran only 西山区, and assigned no one twice.
    child = ts_env.client.get_workflow_handle("campaign:c1:mobilize:2")
    assert (await child.describe()).status is not None
    assert len(assigned) == final.phases[0].totals["households"]


async def test_a_decision_from_someone_who_is_not_the_approver_is_refused(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 30)
    refusals: list[str] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.SURVEY and not refusals:
            for user, approve, comment, gate_name, districts in [
                ("li.east", True, "", Phase.SURVEY, ["西山区"]),  # not li.east's district
                ("nobody", True, "", Phase.SURVEY, []),  # not a supervisor at all
                ("chen.city", True, "", Phase.DISTRIBUTE, []),  # a gate that is not open
                ("chen.city", False, "  ", Phase.SURVEY, []),  # a rejection without a reason
                ("chen.city", True, "", Phase.SURVEY, ["北区"]),  # no such district pending
            ]:
                with pytest.raises(Rejected) as info:
                    await service.decide(
                        ts_env.client,
                        engine,
                        "c1",
                        gate_name,
                        USERS[user],
                        approve=approve,
                        comment=comment,
                        districts=districts,
                    )
                refusals.append(str(info.value))
            progress = await service.progress(ts_env.client, "c1")
            assert progress.open_gate is not None  # nothing was decided by the refusals
        await service.decide(
            ts_env.client, engine, "c1", gate.phase, USERS["chen.city"], approve=True
        )

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        final = await drive(ts_env, "c1", decide)

    assert "西山区 is outside li.east's jurisdiction (东湖区)" in refusals[0]
    assert "nobody is not an approver of the survey gate" in refusals[1]
    assert "the open gate is survey, not distribute" in refusals[2]
    assert "a rejection needs a comment" in refusals[3]
    assert "北区 is outside" in refusals[4] or "北区 is not awaiting" in refusals[4]
    assert final.phases[0].rounds == 1
    assert [d.decided_by for d in final.phases[0].decisions] == ["chen.city"]


async def test_an_undecided_gate_is_reminded_then_escalated(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    """Reminders go out at the plan's offsets before the deadline, escalations after it."""
    plan = await season(ts_env)  # reminders 7.5 d and 3 d before; escalation every 15 d
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 20)
    waited: list[bool] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.MOBILIZE and not waited:
            waited.append(True)
            # 东湖区 is decided at once; 西山区 is not: let the deadline pass and more.
            await service.decide(
                ts_env.client, engine, "c1", gate.phase, USERS["li.east"], approve=True
            )
            assert gate.deadline == plan.phases[Phase.MOBILIZE].deadline
            gap = gate.deadline - await ts_env.get_current_time() + plan.escalation_interval
            await skip(ts_env, gap + timedelta(hours=1))
            await _until(lambda: _kinds(engine).count("gate_escalation") == 2)
        await service.decide(
            ts_env.client, engine, "c1", gate.phase, USERS["chen.city"], approve=True
        )

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        await drive(ts_env, "c1", decide)

    messages = [m for m in sent_messages(engine, "c1") if ":mobilize:" in str(m["idempotency_key"])]
    assert [(m["kind"], m["recipients"]) for m in messages] == [
        ("gate_opened", ["li.east", "zhao.west", "chen.city"]),
        # Only those with a district still undecided are reminded …
        ("gate_reminder", ["zhao.west", "chen.city"]),
        ("gate_reminder", ["zhao.west", "chen.city"]),
        # … and the late district escalates one level up, then again each interval.
        ("gate_escalation", ["chen.city"]),
        ("gate_escalation", ["chen.city"]),
    ]
    assert all(m["state"] == "sent" for m in messages)
    # Later gates were decided at once: they were opened, never reminded.
    assert _kinds(engine).count("gate_reminder") == 2


async def test_long_phases_continue_as_new_and_stay_exact(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 120)
    _people, owed = expected_from_roster(plan, roster)
    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster, batch_size=10, max_batches_per_run=2)
        await drive(ts_env, "c1", approve_all(ts_env.client, engine, "c1"))
        child = ts_env.client.get_workflow_handle("campaign:c1:distribute:1")
        runs = [
            e
            async for e in child.fetch_history_events()
            if e.HasField("workflow_execution_continued_as_new_event_attributes")
        ]
        first = ts_env.client.get_workflow_handle(
            "campaign:c1:distribute:1",
            run_id=(await child.describe()).raw_description.workflow_execution_info.first_run_id,
        )
        continued = [
            e
            async for e in first.fetch_history_events()
            if e.HasField("workflow_execution_continued_as_new_event_attributes")
        ]
    assert runs == []  # the last run finished
    assert len(continued) == 1  # the first run handed over to a new one
    issued = issued_pairs(engine, "c1")
    assert len(issued) == len(set(issued)) == len(owed)
    assert {p for p, _ in issued} <= {p for p, _ in owed}


def _kinds(engine: Engine) -> list[str]:
    return [str(m["kind"]) for m in sent_messages(engine, "c1")]


async def _until(check: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
