"""Reminders, escalations, deadline moves, weekly dispatches and failing channels."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.conftest import CLAIMS, SECRET, worker_for
from tests.skipping import skip
from tests.support import USERS, approve_all, drive, start
from tests.workflows.test_campaign import season
from warmth import service
from warmth.contracts import OpenGate
from warmth.demo import write_demo_roster
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.domain.phases import Phase
from warmth.notify.channels import ChannelError
from warmth.notify.recipients import Recipient
from warmth.store.ledger import events_of
from warmth.store.outbox import sent_messages
from workers.registry import build_worker


async def test_a_moved_deadline_reschedules_reminders_and_escalations(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)  # reminders 7.5 d and 3 d before each deadline
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 20)
    old = plan.phases[Phase.MOBILIZE].deadline
    new = old + timedelta(days=10)
    moved: list[bool] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.MOBILIZE and not moved:
            moved.append(True)
            for user, reason, to, why in [
                ("li.east", "x", new, "li.east may not change the whole city"),  # a district head
                ("chen.city", " ", new, "needs a reason"),
                ("chen.city", "x", old - timedelta(days=60), "has already passed"),
            ]:
                with pytest.raises(Rejected, match=why):
                    await service.move_deadline(
                        ts_env.client, engine, "c1", gate.phase, to, USERS[user], reason
                    )
            result = await service.move_deadline(
                ts_env.client, engine, "c1", gate.phase, new, USERS["chen.city"], "春节前统一调度"
            )
            assert (result.previous, result.to) == (old, new)
            # Nobody decides until the new deadline and one escalation have passed.
            gap = new - await ts_env.get_current_time() + timedelta(hours=1)
            await skip(ts_env, gap)
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        final = await drive(ts_env, "c1", decide)

    mobilize = [m for m in sent_messages(engine, "c1") if ":mobilize:" in str(m["idempotency_key"])]
    assert [m["kind"] for m in mobilize] == [
        "gate_opened", "gate_reminder", "gate_reminder", "gate_escalation",
    ]  # fmt: skip
    # The reminders are the new deadline's, none the old one's.
    assert all(new.isoformat() in str(m["idempotency_key"]) for m in mobilize[1:3])
    assert final.phases[1].deadline == new
    with engine.connect() as conn:
        moves = list(events_of(conn, "c1", [EventType.DEADLINE_MOVED]))
    assert [(e.actor, e.payload["reason"], e.payload["to"]) for e in moves] == [
        ("chen.city", "春节前统一调度", new.isoformat())
    ]


async def test_each_supervisor_gets_a_weekly_dispatch_of_their_jurisdiction(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 40)
    first = plan.first_weekly_dispatch()
    assert first is not None and first.weekday() == 0 and (first.hour, first.minute) == (9, 0)
    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        await drive(ts_env, "c1", approve_all(ts_env.client, engine, "c1"))
        completed_at = await ts_env.get_current_time()
    weeks = (completed_at - first) // timedelta(days=7) + 1
    weekly = [m for m in sent_messages(engine, "c1") if m["kind"] == "weekly_dispatch"]
    assert len(weekly) == 3 * weeks  # three supervisors, every week
    east = [m for m in weekly if m["recipients"] == ["li.east"]]
    assert len(east) == weeks
    assert all("西山区" not in str(m["data"]["summary"]) for m in east)  # type: ignore[index]
    city = [m for m in weekly if m["recipients"] == ["chen.city"]]
    assert "西山区" in str(city[-1]["data"]["summary"])  # type: ignore[index]


class FlakyChannel:
    """Fails ``failures`` sends, delivers one, and so on (the campaign notifies one at a time)."""

    name = "flaky"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.delivered: list[str] = []

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        self.calls += 1
        if self.calls % (self.failures + 1) != 0:
            raise ChannelError("gateway unavailable", channel=self.name, retryable=True)
        self.delivered.append(text)


@pytest.mark.parametrize(("failures", "delivered_once"), [(2, True), (99, False)])
async def test_a_failing_channel_is_retried_and_never_fails_the_campaign(
    ts_env: WorkflowEnvironment,
    engine: Engine,
    task_queue: str,
    tmp_path: Path,
    failures: int,
    delivered_once: bool,
) -> None:
    plan = (await season(ts_env)).model_copy(
        update={"notification_retry": timedelta(milliseconds=50), "weekly_dispatch": None}
    )
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 20)
    channel = FlakyChannel(failures)
    async with build_worker(
        ts_env.client, task_queue, engine, SECRET, claims_secret=CLAIMS, channel=channel
    ):
        await start(ts_env, engine, task_queue, plan, roster)
        final = await drive(ts_env, "c1", approve_all(ts_env.client, engine, "c1"))
    messages = sent_messages(engine, "c1")
    assert final.status == "completed"
    if delivered_once:
        assert len(channel.delivered) == len(messages)  # each message delivered once
        assert {m["state"] for m in messages} == {"sent"}
        # Each message sent on its own took three attempts; the follow-up sweep's
        # messages share their activity's attempts, and each is still delivered once.
        assert all(
            m["attempts"] == 3 for m in messages if ":followup:" not in str(m["idempotency_key"])
        )
        assert final.failed_notifications == 0
    else:
        assert channel.delivered == []
        assert {m["state"] for m in messages} == {"failed"}
        assert all(m["attempts"] == 5 for m in messages)
        assert final.failed_notifications == len(messages)
