"""Histories replay without non-determinism: fresh ones from a run, and the saved ones.

Each set in ``histories/<name>/`` was saved from one version of the workflows
(``v1``: before follow-up work; ``v2``: with it; ``v3``: with cadre notices). After a
deliberate, patched change, save a new set with ``WARMTH_SAVE_HISTORIES=<name>``; keep
the old ones.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from tests.conftest import KEYRING, SECRET, worker_for
from tests.support import OPS, USERS, drive
from tests.workflows.test_campaign import season
from warmth import service
from warmth.contracts import OpenGate
from warmth.demo import write_demo_roster
from warmth.domain.phases import PHASE_ORDER, Phase
from warmth.temporal import data_converter
from workers.registry import WORKFLOWS, sandbox_runner

HISTORIES = Path(__file__).parent / "histories"


def replayer() -> Replayer:
    return Replayer(
        workflows=list(WORKFLOWS),
        data_converter=data_converter(KEYRING),
        workflow_runner=sandbox_runner(),
    )


async def test_histories_of_a_campaign_with_a_rework_round_replay(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 40)
    rejected: list[Phase] = []

    async def decide(gate: OpenGate) -> None:
        reject = gate.phase == Phase.DISTRIBUTE and not rejected
        if reject:
            rejected.append(gate.phase)
        await service.decide(
            ts_env.client,
            engine,
            "c1",
            gate.phase,
            USERS["chen.city"],
            approve=not reject,
            comment="重新核对",
        )

    async with worker_for(ts_env, task_queue, engine):
        await service.start_campaign(
            ts_env.client,
            engine,
            task_queue,
            plan,
            campaign_id="c1",
            roster_files=[roster],
            batch_size=10,
            max_batches_per_run=2,
            actor=OPS,
            person_key_secret=SECRET,
        )
        await drive(ts_env, "c1", decide)
        await service.result(ts_env.client, "c1")  # the whole history, to its completion
    ids = ["campaign:c1"] + [f"campaign:c1:{p.value}:1" for p in PHASE_ORDER]
    ids.append("campaign:c1:distribute:2")
    histories = [await ts_env.client.get_workflow_handle(i).fetch_history() for i in ids]

    failures = [
        (await replayer().replay_workflow(h, raise_on_replay_failure=False)).replay_failure
        for h in histories
    ]
    assert failures == [None] * 7

    if save := os.environ.get("WARMTH_SAVE_HISTORIES"):
        folder = HISTORIES / save
        folder.mkdir(parents=True, exist_ok=True)
        for h in histories:
            name = h.workflow_id.replace(":", "_") + ".json"
            (folder / name).write_text(h.to_json(), encoding="utf-8")


async def test_saved_histories_still_replay() -> None:
    """Histories saved from earlier versions: a change that breaks them needs workflow.patched."""
    files = sorted(HISTORIES.rglob("*.json"))
    assert {f.parent.name for f in files} >= {"v1", "v2"}, "a saved set is missing"
    histories = [
        WorkflowHistory.from_json(f.stem, json.loads(f.read_text(encoding="utf-8"))) for f in files
    ]
    for history in histories:
        await replayer().replay_workflow(history)  # raises on non-determinism
