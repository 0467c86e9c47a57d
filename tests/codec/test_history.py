"""A real workflow under the encrypting converter: its stored history holds no clear text."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload, Payloads, WorkflowExecution
from temporalio.api.history.v1 import History
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from tests.codec.conftest import ID_NUMBER, MOBILE, NAME
from tests.codec.test_codec import campaign
from warmth.codec import ENCODING, KEY_ID_METADATA, KeyRing, converter
from warmth.codec_server import hash_token, make_server
from warmth.contracts import CampaignInput, GateDecision, Notification
from warmth.domain.phases import Phase
from warmth.temporal import find_binary

GREETING = "您好"


@activity.defn(name="codec_test.greet")
async def greet(note: Notification) -> str:
    return f"{GREETING}，{note.data['name']}（{note.data['mobile']}）"


@workflow.defn(name="CodecTestWorkflow")
class GreetWorkflow:
    """Echoes its input's supervisor through an activity; fails on request, quoting them."""

    @workflow.run
    async def run(self, campaign: CampaignInput) -> GateDecision:
        supervisor = campaign.supervisors[0]
        greeting = await workflow.execute_activity(
            greet,
            Notification(
                campaign_id=campaign.campaign_id,
                kind="greeting",
                recipients=[supervisor.id],
                data={"name": supervisor.name, "mobile": MOBILE},
                idempotency_key=f"{campaign.campaign_id}:greeting",
            ),
            start_to_close_timeout=timedelta(seconds=30),
        )
        if campaign.scope == "fail":
            raise ApplicationError(f"拒绝：{campaign.name}", non_retryable=True)
        return GateDecision(
            gate=Phase.SURVEY,
            user=supervisor.id,
            approve=True,
            comment=f"{greeting} {campaign.name}",
        )


@pytest.fixture
async def env(keyring: KeyRing) -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server"),
        data_converter=converter(keyring),
    )
    try:
        yield env
    finally:
        await env.shutdown()


def worker(client: Client, task_queue: str) -> Worker:
    # The test is about the data converter, not determinism: no sandbox for a test module.
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[GreetWorkflow],
        activities=[greet],
        workflow_runner=UnsandboxedWorkflowRunner(),
    )


async def raw_history(client: Client, workflow_id: str) -> History:
    """The history exactly as the server stores it: straight from the service, no codec."""
    history = History()
    token = b""
    while True:
        response = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id),
                next_page_token=token,
            )
        )
        history.events.extend(response.history.events)
        token = response.next_page_token
        if not token:
            return history


def all_payloads(history: History) -> list[Payload]:
    """Every payload in the history, wherever it sits."""
    found: list[Payload] = []

    def walk(message: Message) -> None:
        if isinstance(message, Payload):
            found.append(message)
            return
        for field, value in message.ListFields():
            if field.message_type is None:
                continue
            if isinstance(value, Message):
                walk(value)
            else:  # a repeated field or a map (e.g. memo fields, headers)
                for item in value.values() if hasattr(value, "values") else value:
                    walk(item)

    walk(history)
    return found


def assert_no_clear_text(history: History) -> None:
    wire = history.SerializeToString()
    for text in (NAME, ID_NUMBER, MOBILE, GREETING, "拒绝", "test_history.py"):
        assert text.encode("utf-8") not in wire, f"{text!r} in clear in the history"
    payloads = all_payloads(history)
    assert payloads, "the history should carry payloads"
    for payload in payloads:
        assert payload.metadata["encoding"] == ENCODING
        assert payload.metadata[KEY_ID_METADATA] == b"k1"


async def test_history_and_memo_hold_no_clear_text(env: WorkflowEnvironment) -> None:
    task_queue = f"tq-{uuid.uuid4()}"
    workflow_id = f"codec-{uuid.uuid4()}"
    async with worker(env.client, task_queue):
        result = await env.client.execute_workflow(
            GreetWorkflow.run,
            campaign(),
            id=workflow_id,
            task_queue=task_queue,
            memo={"applicant": NAME},
            static_summary=f"{NAME} {ID_NUMBER}",
        )
    assert result.comment.startswith(f"{GREETING}，{NAME}（{MOBILE}）")
    assert ID_NUMBER in result.comment  # round-tripped in clear for the codec's holder

    history = await raw_history(env.client, workflow_id)
    assert_no_clear_text(history)
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.input.payloads[0].metadata["encoding"] == ENCODING
    assert started.memo.fields["applicant"].metadata["encoding"] == ENCODING

    # The holder of the keys reads them back (as the Web UI does through the codec server).
    description = await env.client.get_workflow_handle(workflow_id).describe()
    assert await description.memo_value("applicant") == NAME

    # The codec server turns the stored input back into clear JSON for the Web UI.
    token = "t-" + uuid.uuid4().hex
    server = make_server(
        env.client.data_converter.payload_codec.keyring,  # type: ignore[union-attr]
        "127.0.0.1",
        0,
        [hash_token(token)],
    )
    server.start_background()
    try:
        decoded = await _post_decode(server.url, token, started.input)
    finally:
        server.close()
    [clear] = decoded.payloads
    assert clear.metadata["encoding"] == b"json/plain"
    body = json.loads(clear.data)
    assert body["supervisors"][0]["name"] == NAME
    assert ID_NUMBER in body["name"]


async def test_failure_message_is_encrypted_in_history(env: WorkflowEnvironment) -> None:
    task_queue = f"tq-{uuid.uuid4()}"
    workflow_id = f"codec-{uuid.uuid4()}"
    failing = campaign().model_copy(update={"scope": "fail"})
    async with worker(env.client, task_queue):
        with pytest.raises(WorkflowFailureError) as info:
            await env.client.execute_workflow(
                GreetWorkflow.run, failing, id=workflow_id, task_queue=task_queue
            )
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message == f"拒绝：{failing.name}"  # decoded for the client holding the key

    history = await raw_history(env.client, workflow_id)
    assert_no_clear_text(history)
    failed = history.events[-1].workflow_execution_failed_event_attributes
    assert failed.failure.message == "Encoded failure"
    assert failed.failure.encoded_attributes.metadata["encoding"] == ENCODING


async def _post_decode(base_url: str, token: str, payloads: Payloads) -> Payloads:
    def call() -> bytes:
        request = urllib.request.Request(
            f"{base_url}/decode",
            data=json_format.MessageToJson(payloads).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            data: bytes = response.read()
            return data

    return json_format.Parse(await asyncio.to_thread(call), Payloads())
