"""Helpers for driving campaigns in tests as supervisors would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SECRET
from tests.skipping import settle, skip
from warmth import service
from warmth.auth.rules import Role, User
from warmth.contracts import CampaignProgress, OpenGate
from warmth.demo import demo_plan, demo_users
from warmth.domain.entitlements import entitlements
from warmth.domain.events import EventType
from warmth.domain.plan import CampaignPlan
from warmth.roster import RosterRecord, RosterValidator, merge_records, read_rows
from warmth.store.ledger import events_of
from warmth.store.schema import households
from warmth.temporal import campaign_workflow_id

Decide = Callable[[OpenGate], Awaitable[None]]


# The demo plan's people (each supervisor, ops.demo) and two more for refusals.
_AT = datetime(2026, 1, 1, tzinfo=UTC)
USERS: dict[str, User] = {
    **demo_users(demo_plan(_AT, timedelta(days=15)), _AT),
    "nobody": User(id="nobody", name="无关人员", roles=(Role.SUPERVISOR,), created_at=_AT),
    "auditor": User(id="auditor", name="审计", roles=(Role.AUDITOR,), created_at=_AT),
}
OPS = USERS["ops.demo"]


def approve_all(
    client: Client, engine: Engine, campaign_id: str, user: str = "chen.city"
) -> Decide:
    """Every gate approved at once by a city-level supervisor."""

    async def decide(gate: OpenGate) -> None:
        await service.decide(client, engine, campaign_id, gate.phase, USERS[user], approve=True)

    return decide


async def drive(
    env: WorkflowEnvironment,
    campaign_id: str,
    decide: Decide,
    *,
    max_steps: int = 2000,
) -> CampaignProgress:
    """Run a campaign to its end on the time-skipping server.

    Time is skipped by hand, only to the next instant the campaign waits for (a phase
    start), so a gate is decided as soon as it opens — as a prompt supervisor would —
    and no reminder fires that a real person would not have caused.
    """
    client = env.client
    for _ in range(max_steps):
        p = await service.progress(client, campaign_id)
        if p.status == "completed":
            return p
        if p.open_gate is not None:
            await settle(env, campaign_workflow_id(campaign_id))
            await decide(p.open_gate)
            continue
        if p.waiting_until is not None:
            gap = p.waiting_until - await env.get_current_time()
            if gap > timedelta(0):
                await skip(env, gap + timedelta(seconds=1), campaign_workflow_id(campaign_id))
                continue
        await asyncio.sleep(0.02)
    raise AssertionError(f"campaign {campaign_id} did not complete in {max_steps} steps")


def expected_from_roster(plan: CampaignPlan, roster: Path) -> tuple[int, set[tuple[str, str]]]:
    """Independently of the store: (people, {(id_number, item)}) the roster entitles."""
    validator = RosterValidator(plan.categories, list(plan.jurisdiction.communities()))
    records = [
        r
        for n, raw in read_rows(roster)
        if isinstance(r := validator.validate(n, raw), RosterRecord)
    ]
    people = merge_records(records)
    owed = {
        (id_number, e.item)
        for id_number, person in people.items()
        for e in entitlements(person.categories, plan.items)
    }
    return len(people), owed


def issued_pairs(engine: Engine, campaign_id: str) -> list[tuple[str, str]]:
    """(id_number, item) of every AidIssued event in the ledger, duplicates kept."""
    with engine.connect() as conn:
        ids = dict(
            conn.execute(
                select(households.c.person_key, households.c.id_number).where(
                    households.c.campaign_id == campaign_id
                )
            ).all()
        )
        return [
            (ids[e.stream.rsplit(":", 1)[1]], e.payload["item"])
            for e in events_of(conn, campaign_id, [EventType.AID_ISSUED])
        ]


async def start(
    env: WorkflowEnvironment,
    engine: Engine,
    task_queue: str,
    plan: CampaignPlan,
    roster: Path,
    **kwargs: int,
) -> str:
    """Campaign "c1" started by ops with one roster file."""
    return await service.start_campaign(
        env.client,
        engine,
        task_queue,
        plan,
        campaign_id="c1",
        roster_files=[roster],
        actor=OPS,
        **kwargs,
        person_key_secret=SECRET,
    )
