"""Logs carry workflow and activity ids and never an ID number or a mobile in clear."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SECRET, worker_for
from tests.support import OPS, approve_all, drive
from tests.workflows.test_campaign import season
from warmth import service
from warmth.demo import write_demo_roster
from warmth.logging import configure


async def test_activity_logs_are_json_with_ids_and_masked_personal_data(
    ts_env: WorkflowEnvironment,
    engine: Engine,
    task_queue: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure("INFO", json=True)
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 30)
    try:
        async with worker_for(ts_env, task_queue, engine):
            await service.start_campaign(
                ts_env.client,
                engine,
                task_queue,
                plan,
                campaign_id="c1",
                roster_files=[roster],
                actor=OPS,
                person_key_secret=SECRET,
            )
            await drive(ts_env, "c1", approve_all(ts_env.client, engine, "c1"))
    finally:
        logging.getLogger().handlers.clear()
    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    sent = [e for e in lines if e.get("event") == "notification_sent"]
    assert [e["kind"] for e in sent].count("gate_opened") == 5  # one per phase
    assert all(
        e["workflow_id"] == "campaign:c1"
        and e["activity_type"] in ("notify.send", "followup.sweep")
        for e in sent
    )
    ids = [row.split(",")[2] for row in roster.read_text(encoding="utf-8-sig").splitlines()[1:]]
    text = "\n".join(json.dumps(e, ensure_ascii=False) for e in lines)
    assert not [i for i in ids if i in text]
