"""Follow-up work in the campaign: reminders for cases and hazards, the follow-up gate,
weekly progress reports and the final report."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from temporalio.testing import WorkflowEnvironment

from tests.conftest import worker_for
from tests.skipping import skip
from tests.support import USERS, approve_all, drive, start
from tests.workflows.test_campaign import season
from warmth import service
from warmth.contracts import OpenGate
from warmth.demo import write_demo_roster
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.domain.phases import Phase
from warmth.store.ledger import events_of
from warmth.store.outbox import sent_messages
from warmth.store.schema import households, rectifications, verification_cases


def _household(engine: Engine, district: str) -> tuple[str, str, str]:
    with engine.connect() as conn:
        row = conn.execute(
            select(households.c.person_key, households.c.street, households.c.community)
            .where(households.c.campaign_id == "c1", households.c.district == district)
            .order_by(households.c.person_key)
            .limit(1)
        ).one()
    return row.person_key, row.street, row.community


def open_case(engine: Engine, case_id: str, district: str, at: datetime, window: timedelta) -> None:
    key, street, community = _household(engine, district)
    with engine.begin() as conn:
        conn.execute(
            verification_cases.insert().values(
                campaign_id="c1", case_id=case_id, person_key=key, district=district,
                street=street, community=community, reason="not_received", note=None,
                opened_by="caller.1", opened_at=at, deadline=at + window, status="open",
            )
        )  # fmt: skip


def open_task(engine: Engine, task_id: str, district: str, at: datetime, cadre: str) -> None:
    key, street, community = _household(engine, district)
    with engine.begin() as conn:
        conn.execute(
            rectifications.insert().values(
                campaign_id="c1", task_id=task_id, person_key=key, hazard="用气", source="visit",
                note=None, district=district, street=street, community=community, cadre_id=cadre,
                found_by="ops", found_at=at, deadline=at + timedelta(days=7), status="open",
            )
        )  # fmt: skip


def close(engine: Engine, table: object, column: str, ident: str, status: str) -> None:
    t = verification_cases if table == "case" else rectifications
    with engine.begin() as conn:
        conn.execute(update(t).where(t.c[column] == ident).values(status=status))


async def test_open_work_is_reminded_to_its_owner_then_escalated_until_done(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = (await season(ts_env)).model_copy(
        update={"weekly_dispatch": None, "escalation_interval": timedelta(days=1)}
    )
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 30)
    done: list[bool] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.MOBILIZE and not done:
            done.append(True)
            now = await ts_env.get_current_time()
            open_case(engine, "V1", "东湖区", now, timedelta(days=7))
            open_task(engine, "H1", "西山区", now, cadre="cadre.9")
            assert await service.work_recorded(ts_env.client, "c1")
            # Past both deadlines and one interval: reminders at 3 d, 1 d, 2 h, then two
            # escalations (at the deadline and a day later).
            await skip(ts_env, timedelta(days=8, hours=1))
            close(engine, "case", "case_id", "V1", "resolved")
            close(engine, "task", "task_id", "H1", "fixed")
            assert await service.work_recorded(ts_env.client, "c1")
            await skip(ts_env, timedelta(days=3))  # nothing more once done
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        final = await drive(ts_env, "c1", decide)

    assert final.status == "completed"
    sent = sent_messages(engine, "c1")

    def who(kind: str, stage: str, about: str) -> list[list[str]]:
        return [
            m["recipients"]  # type: ignore[misc]
            for m in sent
            if m["kind"] == kind
            and f":{stage}:" in str(m["idempotency_key"])
            and about in str(m["data"]["summary"])  # type: ignore[index]
        ]

    # The verification case: its district's supervisor before, the city after the deadline.
    assert who("verification_reminder", "reminder", "V1") == [["li.east"]] * 3
    assert who("verification_reminder", "escalation", "V1") == [["chen.city"]] * 2
    # The hazard: its cadre before, the district's supervisor after.
    assert who("rectification_reminder", "reminder", "H1") == [["cadre.9"]] * 3
    assert who("rectification_reminder", "escalation", "H1") == [["zhao.west"]] * 2
    line = next(m for m in sent if "H1" in str(m["data"].get("summary")))  # type: ignore[attr-defined]
    assert "用气隐患" in str(line["data"]["summary"])  # type: ignore[index]
    # The survey's hazards without a cadre go to the district, never to the city first.
    survey_reminders = who("rectification_reminder", "reminder", "隐患")
    assert survey_reminders and ["chen.city"] not in survey_reminders


async def test_the_followup_gate_does_not_close_over_open_cases_unless_listed(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = (await season(ts_env)).model_copy(update={"weekly_dispatch": None})
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 30)
    seen: list[str] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.FOLLOWUP and not seen:
            seen.append("x")
            now = await ts_env.get_current_time()
            open_case(engine, "V7", "东湖区", now, timedelta(days=7))
            with pytest.raises(Rejected, match="V7"):
                await service.decide(
                    ts_env.client, engine, "c1", Phase.FOLLOWUP, USERS["li.east"], approve=True
                )
            # 西山区 has none open: its supervisor closes it as usual.
            await service.decide(
                ts_env.client, engine, "c1", Phase.FOLLOWUP, USERS["zhao.west"], approve=True
            )
            outcome = await service.decide(
                ts_env.client, engine, "c1", Phase.FOLLOWUP, USERS["li.east"], approve=True,
                comment="V7 移交街道继续核实", accept_open_cases=["V7"],
            )  # fmt: skip
            assert outcome.open_cases == ["V7"]
            return
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        final = await drive(ts_env, "c1", decide)

    followup = next(p for p in final.phases if p.phase == Phase.FOLLOWUP)
    assert [(d.decided_by, d.open_cases) for d in followup.decisions] == [
        ("zhao.west", []),
        ("li.east", ["V7"]),
    ]
    with engine.connect() as conn:
        approved = [
            e.payload for e in events_of(conn, "c1", [EventType.GATE_APPROVED])
            if e.payload.get("gate") == "followup"
        ]  # fmt: skip
    assert any(p.get("open_cases") == ["V7"] for p in approved)


async def test_a_120_day_campaign_writes_weekly_reports_and_keeps_a_final_one(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env, days_per_phase=20)
    assert plan.phases[Phase.SUMMARIZE].deadline - plan.phases[Phase.SURVEY].start == timedelta(
        days=120
    )
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 120)
    out = tmp_path / "out"
    first = plan.first_weekly_dispatch()
    assert first is not None
    async with worker_for(ts_env, task_queue, engine, output_dir=out):
        await start(ts_env, engine, task_queue, plan, roster)
        final = await drive(ts_env, "c1", approve_all(ts_env.client, engine, "c1"))
        completed_at = await ts_env.get_current_time()
        result = await service.result(ts_env.client, "c1")
        closed = await service.progress(ts_env.client, "c1")

    assert final.status == "completed"
    weeks = (completed_at - first) // timedelta(days=7) + 1
    with engine.connect() as conn:
        written = list(events_of(conn, "c1", [EventType.REPORT_WRITTEN]))
        registered = len(list(events_of(conn, "c1", [EventType.HOUSEHOLD_REGISTERED])))
        issued = len(list(events_of(conn, "c1", [EventType.AID_ISSUED])))
        confirmed = len(list(events_of(conn, "c1", [EventType.DELIVERY_CONFIRMED])))
        hazards = list(events_of(conn, "c1", [EventType.HAZARD_RECORDED]))
        found = sum(len(h) for (h,) in conn.execute(select(households.c.hazards)))
    # The survey's hazards became rectification tasks once mobilization was approved,
    # and their owners heard about them before the deadlines.
    assert found > 0 and len(hazards) == found
    assert {e.payload["source"] for e in hazards} == {"survey"}
    assert any(m["kind"] == "rectification_reminder" for m in sent_messages(engine, "c1"))
    progress = [e.payload["week"] for e in written if e.payload["kind"] == "progress"]
    assert progress == list(range(1, weeks + 1))  # one report every week, in order
    assert [e.payload["kind"] for e in written][-1] == "final"
    assert len(closed.reports) == weeks + 1
    # Each weekly dispatch tells the supervisors where their progress report is.
    weekly = [m for m in sent_messages(engine, "c1") if m["kind"] == "weekly_dispatch"]
    assert len(weekly) == 3 * weeks
    assert "week-01" in str(weekly[0]["data"]["summary"])  # type: ignore[index]

    assert result.final_report is not None
    final_dir = Path(result.final_report)
    assert final_dir == out / "c1" / "reports" / "final"
    stats = json.loads((final_dir / "c1-statistics.json").read_text(encoding="utf-8"))
    assert stats["stage"] == "final"
    assert stats["households"] == registered == result.summary.households
    assert sum(i["issued"] for i in stats["items"]) == issued
    assert sum(i["confirmed"] for i in stats["items"]) == confirmed
    assert {p.name for p in final_dir.iterdir()} >= {"c1-statistics.xlsx", "c1-summary.html"}
    assert any(p.suffix == ".svg" for p in final_dir.iterdir())  # the final one has charts


async def test_many_cases_due_close_together_share_sweeps(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    """History grows with time, not with work: 40 cases due within 40 minutes of each
    other are reminded in the same few sweeps, and none is missed."""
    plan = (await season(ts_env)).model_copy(
        update={"weekly_dispatch": None, "escalation_interval": timedelta(days=1)}
    )
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 30)
    done: list[bool] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.MOBILIZE and not done:
            done.append(True)
            now = await ts_env.get_current_time()
            for i in range(40):
                open_case(
                    engine, f"V{i:02d}", "东湖区", now + timedelta(minutes=i), timedelta(days=7)
                )
            await skip(ts_env, timedelta(days=7, hours=12))  # found by a periodic sweep
            with engine.begin() as conn:
                conn.execute(update(verification_cases).values(status="resolved"))
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        await drive(ts_env, "c1", decide)
        history = await ts_env.client.get_workflow_handle("campaign:c1").fetch_history()

    sweeps = [
        e
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "followup.sweep"
    ]
    # About one a day for new work over the 90-odd days, plus a few shared instants;
    # one sweep per case instant would add 40 × (3 reminders + 1 escalation) = 160.
    assert len(sweeps) < 130, len(sweeps)
    reminders = [
        str(m["data"]["summary"])  # type: ignore[index]
        for m in sent_messages(engine, "c1")
        if m["kind"] == "verification_reminder" and ":reminder:" in str(m["idempotency_key"])
    ]

    def items(summary: str) -> int:  # a long list is cut at 20 lines and counted
        total = re.search(r"共 (\d+) 项", summary)
        return int(total.group(1)) if total else len(summary.splitlines())

    assert sum(items(r) for r in reminders) == 40 * 3  # every case: 3 d, 1 d and 2 h before
    assert len(reminders) <= 3 * 2  # each offset's 40 reminders in at most two sweeps
