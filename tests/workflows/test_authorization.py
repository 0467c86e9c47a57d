"""Only the right person approves: signed claims, roles and jurisdiction (issue 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.conftest import worker_for
from tests.support import USERS, approve_all, drive, start
from tests.workflows.test_campaign import season
from warmth import service
from warmth.auth.interceptors import ClaimsInterceptor, acting_as
from warmth.contracts import GateDecision, OpenGate
from warmth.demo import write_demo_roster
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.domain.phases import Phase
from warmth.store.ledger import events_of


def client_with(env: WorkflowEnvironment, *interceptors: object) -> Client:
    """A client on the same server with other interceptors (or none: a bare client)."""
    config = env.client.config()
    config["interceptors"] = list(interceptors)  # type: ignore[typeddict-item]
    return Client(**config)


async def test_forged_and_unauthorized_decisions_are_refused_and_recorded(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 20)
    refusals: list[str] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.SURVEY and not refusals:
            forged = GateDecision(gate=gate.phase, user="chen.city", approve=True)
            handle_id = "campaign:c1"
            # 1. Straight to Temporal, without claims: the validator's interceptor refuses.
            bare = client_with(ts_env)
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await bare.get_workflow_handle(handle_id).execute_update("decide_gate", forged)
            refusals.append(str(info.value.cause))
            # 2. Claims signed with another secret.
            wrong = client_with(ts_env, ClaimsInterceptor(b"not-the-claims-secret-at-all"))
            with pytest.raises(WorkflowUpdateFailedError) as info, acting_as(USERS["chen.city"]):
                await wrong.get_workflow_handle(handle_id).execute_update("decide_gate", forged)
            refusals.append(str(info.value.cause))
            # 3. Validly signed as li.east, but the payload claims to be chen.city.
            with pytest.raises(WorkflowUpdateFailedError) as info, acting_as(USERS["li.east"]):
                await ts_env.client.get_workflow_handle(handle_id).execute_update(
                    "decide_gate", forged
                )
            refusals.append(str(info.value.cause))
            # 4. Through the service: an auditor, and an ops user, may not approve.
            for who in ("auditor", "ops.demo"):
                with pytest.raises(Rejected) as refused:
                    await service.decide(
                        ts_env.client, engine, "c1", gate.phase, USERS[who], approve=True
                    )
                refusals.append(str(refused.value))
            assert (await service.progress(ts_env.client, "c1")).open_gate is not None
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        final = await drive(ts_env, "c1", decide)

    assert "no signed claims" in refusals[0]
    assert "claims signature does not match" in refusals[1]
    assert "signed in as li.east, but the request names chen.city" in refusals[2]
    assert "auditor may not approve" in refusals[3]
    assert "ops.demo may not approve" in refusals[4]
    assert [d.decided_by for d in final.phases[0].decisions] == ["chen.city"]
    with engine.connect() as conn:
        recorded = [(e.actor, e.payload["action"]) for e in events_of(
            conn, "c1", [EventType.ACCESS_REFUSED])]  # fmt: skip
    assert recorded == [("auditor", "approve survey gate"), ("ops.demo", "approve survey gate")]
