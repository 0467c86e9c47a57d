"""Running the demo campaign end to end on the embedded server, as a supervisor would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from temporalio.client import Client

from warmth import service
from warmth.auth.rules import User
from warmth.contracts import CampaignProgress, OpenGate, SummaryTotals
from warmth.demo import demo_plan, demo_users, write_demo_roster, write_demo_staff
from warmth.demo_followup import do_followup, raise_urgent_cases
from warmth.devserver import DevServer
from warmth.payments import confirm_delivery
from warmth.planfile import dump_plan
from warmth.settings import Settings
from warmth.staff import import_staff
from warmth.store.engine import open_store_engine
from warmth.store.outbox import sent_messages
from warmth.store.schema import deliveries
from warmth.temporal import connect

Say = Callable[[str], None]
Advance = Callable[[int], None]


async def run_demo(
    settings: Settings,
    households: int,
    say: Say,
    *,
    start_worker: bool = True,
    step_seconds: float = 10.0,
    reject_once: bool = True,
    advance: Advance | None = None,
) -> tuple[str, SummaryTotals, CampaignProgress]:
    """Generate a city, start a campaign, approve every gate, return its summary.

    The demo rejects the mobilize gate once (with a comment) to show a rework round.
    """
    from workers.registry import build_worker  # the demo is a composition root too

    demo_dir = settings.data_dir / "demo"
    async with DevServer(settings) as server:
        if server.started_here:
            say(
                f"Temporal dev server started: {settings.temporal_address}"
                f"  Web UI {settings.ui_url}"
            )
        engine = open_store_engine(settings.resolved_store_url())
        client = await connect(settings)
        now = datetime.now(UTC)
        campaign_id = f"demo-{now:%Y%m%d-%H%M%S}"
        plan = demo_plan(now + timedelta(seconds=2), timedelta(seconds=step_seconds))
        plan = plan.model_copy(update={"code": campaign_id})
        users = demo_users(plan, now)
        roster = demo_dir / f"{campaign_id}-roster.csv"
        write_demo_roster(roster, plan.jurisdiction, households)
        (demo_dir / f"{campaign_id}-plan.yaml").write_text(dump_plan(plan), encoding="utf-8")
        say(f"roster: {roster} ({households} households, with duplicates and bad rows)")
        worker_cm = (
            build_worker(
                client,
                settings.task_queue,
                engine,
                settings.person_key_secret.get_secret_value().encode(),
                claims_secret=settings.claims_secret.get_secret_value().encode(),
                language=settings.language,
            )
            if start_worker
            else contextlib.nullcontext()
        )
        async with worker_cm:
            await service.start_campaign(
                client,
                engine,
                settings.task_queue,
                plan,
                campaign_id=campaign_id,
                roster_files=[roster],
                actor=users["ops.demo"],
                batch_size=settings.batch_size,
                person_key_secret=settings.person_key_secret.get_secret_value().encode(),
            )
            say(f"campaign {campaign_id} started: {plan.name}")
            staff_file = demo_dir / f"{campaign_id}-staff.csv"
            write_demo_staff(staff_file, plan.jurisdiction)
            staff = import_staff(
                engine,
                settings.person_key_secret.get_secret_value().encode(),
                campaign_id,
                staff_file,
                actor=users["ops.demo"],
            )
            say(f"staff: {staff_file} ({staff.accepted} cadres and callers)")
            final = await _drive(
                client,
                engine,
                users,
                settings,
                campaign_id,
                say,
                reject_once,
                advance or (lambda _n: None),
            )
            await service.result(client, campaign_id)
        totals = service.summary(engine, campaign_id)
        engine.dispose()
    return campaign_id, totals, final


async def _drive(
    client: Client,
    engine: Engine,
    users: dict[str, User],
    settings: Settings,
    campaign_id: str,
    say: Say,
    reject_once: bool,
    advance: Advance,
) -> CampaignProgress:
    """Poll the campaign and decide each gate as its supervisor would."""
    rejected = False
    confirmed = False
    urgent = False
    followed_up = False
    secret = settings.person_key_secret.get_secret_value().encode()
    last = ""
    while True:
        p = await service.progress(client, campaign_id)
        advance(sum(s.state == "approved" for s in p.phases))
        line = _describe(p)
        if line != last:
            say(line)
            last = line
        if p.status == "completed":
            return p
        gate = p.open_gate
        if gate is not None and gate.phase == "distribute" and not confirmed:
            told = sum(
                1
                for m in sent_messages(engine, campaign_id)
                if m["kind"] == "cadre_assignment" and m["state"] == "sent"
            )
            say(f"  ✓ {told} cadres told their households after the mobilize gate (包保责任告知)")
            n = await asyncio.to_thread(_confirm_most, engine, campaign_id)
            say(f"  ✓ cadres confirmed {n} deliveries (about 9 in 10 households)")
            confirmed = True
        if gate is not None and gate.phase == "mobilize" and not urgent:
            urgent = True
            await raise_urgent_cases(
                client, engine, secret, users, _DISTRICT_HEADS, campaign_id,
                settings.task_queue, say,
            )  # fmt: skip
        if gate is not None and gate.phase == "followup" and not followed_up:
            followed_up = True
            await asyncio.to_thread(do_followup, engine, users, campaign_id, say)
        may_reject = reject_once and not rejected
        if gate is not None and await _decide(
            client, engine, users, settings, campaign_id, gate, say, may_reject
        ):
            rejected = True
        await asyncio.sleep(0.3)


def _confirm_most(engine: Engine, campaign_id: str) -> int:
    """As cadres would after handing out aid: confirm every item of ~90 % of households."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(deliveries.c.person_key, deliveries.c.item).where(
                deliveries.c.campaign_id == campaign_id
            )
        ).all()
    at = datetime.now(UTC)
    done = 0
    for key, item in rows:
        if int(str(key)[:2], 16) < 230:  # a stable ~90 % of households
            confirm_delivery(engine, campaign_id, str(key), str(item), "ops.demo", "签收单", at)
            done += 1
    return done


# Each district's head decides their own district, as in the plan's jurisdiction.
_DISTRICT_HEADS = {"东湖区": "li.east", "西山区": "zhao.west"}


async def _decide(
    client: Client,
    engine: Engine,
    users: dict[str, User],
    settings: Settings,
    campaign_id: str,
    gate: OpenGate,
    say: Say,
    may_reject: bool,
) -> bool:
    """Decide one pending district (the demo sends 西山区's mobilize back once); rejected?"""
    district = gate.pending[0]
    head = _DISTRICT_HEADS.get(district)
    user = head if head in gate.approvers else gate.approvers[-1]  # the summary: the city
    reject = may_reject and gate.phase == "mobilize" and district == "西山区"
    outcome = await service.decide(
        client,
        engine,
        campaign_id,
        gate.phase,
        users[user],
        approve=not reject,
        comment="请核实各社区责任单位后重新报送" if reject else "同意",
        districts=[district],
        task_queue=settings.task_queue,
    )
    mark, verb = ("✗", "sent back") if reject else ("✓", "approved")
    say(f"  {mark} {user} {verb} {gate.phase} for {district} (round {outcome.round})")
    return reject


def _describe(p: CampaignProgress) -> str:
    if p.status == "completed":
        return "campaign completed"
    if p.status == "closing":
        return "closing: urgent cases settled, final report being written"
    current = next((s for s in p.phases if s.phase == p.phase), None)
    if current is None:
        return "starting"
    text = f"[{current.phase.label_zh} {current.phase}] {current.state} round {current.rounds}"
    if current.totals:
        text += "  " + ", ".join(f"{k}={v}" for k, v in current.totals.items() if v)
    return text
