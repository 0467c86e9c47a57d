"""``warmth verify extend`` and ``warmth hazard extend``: move one case's or task's deadline."""

from __future__ import annotations

import asyncio
from datetime import datetime

import typer

from warmth import followup_deadlines, service
from warmth.auth.rules import User
from warmth.cli.common import State, client, current_user, engine, print_json, sync
from warmth.store.campaigns import get_plan
from warmth.store.work_deadlines import WorkKind
from warmth.temporal import TemporalUnavailable

TO_HELP = "new deadline, e.g. 2027-01-20T18:00 (in the plan's time zone)"
REASON_HELP = "why (kept in the ledger)"


def extend(
    kind: WorkKind, campaign_id: str, ident: str, to: datetime, reason: str, json_out: bool
) -> None:
    """Move the deadline and say what changed (the plan's time zone)."""
    user = sync(current_user)
    moved = sync(
        lambda: followup_deadlines.move_work_deadline(
            engine(), campaign_id, kind, ident, to, reason, by=user
        )
    )
    told = moved.moved and asyncio.run(_wake(campaign_id, user))
    if json_out:
        print_json({**moved.model_dump(mode="json"), "campaign_told": told})
        return
    zone = sync(lambda: get_plan(engine(), campaign_id)).zone
    old = f"{moved.previous.astimezone(zone):%Y-%m-%d %H:%M}"
    new = f"{moved.to.astimezone(zone):%Y-%m-%d %H:%M}"
    en = State.settings.language == "en"
    if not moved.moved:
        typer.echo(f"{ident} is due {new} already" if en else f"{ident} 的期限已是 {new}，未改动")
        return
    typer.echo(f"{ident} due {old} → {new}" if en else f"{ident} 期限 {old} → {new}")
    if not told:
        typer.echo(
            "the campaign could not be told now; its daily sweep picks the new deadline up"
            if en
            else "暂未能通知专项行动流程，每日巡检时将按新期限提醒"
        )


async def _wake(campaign_id: str, user: User) -> bool:
    """Ask the campaign to sweep now, so reminders are planned by the new deadline."""
    try:
        handle = await asyncio.wait_for(client(user), timeout=10)
    except (TemporalUnavailable, RuntimeError, OSError, TimeoutError):
        return False
    return await service.work_recorded(handle, campaign_id)
