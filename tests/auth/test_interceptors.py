"""Claims through Temporal: a signed update is accepted and sees its user; a bare or
wrongly signed one is refused before it reaches the workflow."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from tests.auth.flows import GuardedFlow
from tests.conftest import KEYRING
from warmth.auth.interceptors import (
    UNAUTHENTICATED,
    ClaimsInterceptor,
    ClaimsWorkerInterceptor,
    acting_as,
)
from warmth.auth.rules import Unauthorized, User
from warmth.temporal import data_converter
from workers.registry import PASSTHROUGH, sandbox_runner

SECRET = b"claims-secret-for-tests-0123456789"
AT = datetime(2026, 12, 1, tzinfo=UTC)
WANG = User(id="wang.dh", name="王明", roles=["supervisor"], scope="东湖区", created_at=AT)
LI = User(id="li.city", name="李", roles=["supervisor", "ops"], scope="", created_at=AT)


def client_with(env: WorkflowEnvironment, interceptor: ClaimsInterceptor | None) -> Client:
    config = env.client.config()
    config["interceptors"] = [interceptor] if interceptor else []
    return Client(**config)


def auth_passed_through() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            *PASSTHROUGH, "warmth.auth"
        )
    )


@pytest.fixture(params=["project-sandbox", "auth-passed-through"])
async def worker(
    ts_env: WorkflowEnvironment, task_queue: str, request: pytest.FixtureRequest
) -> AsyncIterator[Worker]:
    """Workers whose sandbox re-imports warmth.auth, and whose sandbox passes it through."""
    runner = sandbox_runner() if request.param == "project-sandbox" else auth_passed_through()
    async with Worker(
        ts_env.client,
        task_queue=task_queue,
        workflows=[GuardedFlow],
        workflow_runner=runner,
        interceptors=[ClaimsWorkerInterceptor(SECRET)],
    ) as w:
        yield w


async def start(client: Client, task_queue: str) -> WorkflowHandle[Any, Any]:
    return await client.start_workflow(
        GuardedFlow.run, id=f"guarded-{uuid.uuid4()}", task_queue=task_queue
    )


def refusal(exc: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> ApplicationError:
    cause = exc.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def test_a_signed_update_is_accepted_and_sees_its_user(
    ts_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    signed = client_with(ts_env, ClaimsInterceptor(SECRET, WANG))
    handle = await start(signed, task_queue)
    result = await handle.execute_update(GuardedFlow.approve, "东湖区/梅园街道")
    assert result == "东湖区/梅园街道 approved by wang.dh (东湖区)"
    assert await handle.execute_update(GuardedFlow.note, "ok") == "ok"
    # the validator's own rules still apply to a verified user
    with pytest.raises(WorkflowUpdateFailedError) as exc:
        await handle.execute_update(GuardedFlow.approve, "西湖区")
    assert refusal(exc).type == "Forbidden"
    await handle.signal(GuardedFlow.finish)
    assert await handle.result() == [
        "started by wang.dh",
        "wang.dh approved 东湖区/梅园街道",
        "wang.dh noted ok",
        "finished by wang.dh",
    ]


async def test_an_update_without_claims_is_refused_as_unauthenticated(
    ts_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    bare = client_with(ts_env, None)
    handle = await start(bare, task_queue)
    for update, arg in ((GuardedFlow.approve, "东湖区"), (GuardedFlow.note, "sneaky")):
        with pytest.raises(WorkflowUpdateFailedError) as exc:
            await handle.execute_update(update, arg)
        cause = refusal(exc)
        assert cause.type == UNAUTHENTICATED
        assert "warmth-claims header missing" in cause.message
    await handle.signal(GuardedFlow.finish)  # signals are not refused, just unverified
    assert await handle.result() == ["started by nobody verified", "finished by nobody verified"]


async def test_a_wrongly_signed_or_expired_update_is_refused(
    ts_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    forged = client_with(ts_env, ClaimsInterceptor(b"not-the-shared-secret-0000", LI))
    stale = client_with(
        ts_env,
        ClaimsInterceptor(SECRET, LI, clock=lambda: datetime.now(UTC) - timedelta(minutes=10)),
    )
    handle = await start(client_with(ts_env, None), task_queue)
    for client, reason in ((forged, "signature does not match"), (stale, "expired")):
        with pytest.raises(WorkflowUpdateFailedError) as exc:
            await client.get_workflow_handle(handle.id).execute_update(
                GuardedFlow.approve, "东湖区"
            )
        cause = refusal(exc)
        assert cause.type == UNAUTHENTICATED and reason in cause.message
    await handle.signal(GuardedFlow.finish)
    assert await handle.result() == ["started by nobody verified", "finished by nobody verified"]


async def test_acting_as_overrides_the_default_user_per_task(
    ts_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    shared = client_with(ts_env, ClaimsInterceptor(SECRET))  # one client, many users (an API)
    handle = await start(shared, task_queue)
    with pytest.raises(WorkflowUpdateFailedError) as exc:
        await handle.execute_update(GuardedFlow.note, "no one acting")
    assert refusal(exc).type == UNAUTHENTICATED
    with acting_as(LI):
        assert "by li.city" in await handle.execute_update(GuardedFlow.approve, "西湖区")
    with acting_as(WANG):
        await handle.signal(GuardedFlow.finish)
    assert (await handle.result())[-1] == "finished by wang.dh"
    gone = LI.model_copy(update={"disabled": True})
    with pytest.raises(Unauthorized, match="disabled"), acting_as(gone):
        pass


async def test_update_with_start_carries_claims_to_both(
    ts_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    signed = client_with(ts_env, ClaimsInterceptor(SECRET, WANG))
    start_op = WithStartWorkflowOperation(
        GuardedFlow.run,
        id=f"guarded-{uuid.uuid4()}",
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
    result = await signed.execute_update_with_start_workflow(
        GuardedFlow.approve, "东湖区", start_workflow_operation=start_op
    )
    assert result == "东湖区 approved by wang.dh (东湖区)"
    handle = await start_op.workflow_handle()
    await handle.signal(GuardedFlow.finish)
    # the update runs before the workflow's main body in the first activation
    assert set(await handle.result()) == {
        "wang.dh approved 东湖区",
        "started by wang.dh",
        "finished by wang.dh",
    }


async def test_a_guarded_history_replays_deterministically_also_after_rotation(
    ts_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    signed = client_with(ts_env, ClaimsInterceptor(SECRET, WANG))
    handle = await start(signed, task_queue)
    await handle.execute_update(GuardedFlow.approve, "东湖区")
    await handle.execute_update(GuardedFlow.note, "ok")
    await handle.signal(GuardedFlow.finish)
    await handle.result()
    history = await handle.fetch_history()
    # Validators do not run on replay; handlers re-verify against the history's own time.
    for secrets in (SECRET, [b"the-next-secret-after-rotation-01", SECRET]):
        replayer = Replayer(
            workflows=[GuardedFlow],
            data_converter=data_converter(KEYRING),
            workflow_runner=sandbox_runner(),
            interceptors=[ClaimsWorkerInterceptor(secrets)],
        )
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None
