"""``warmth verify extend`` and ``warmth hazard extend``: move one case's or task's deadline."""

from __future__ import annotations

from datetime import datetime

import typer

from warmth import followup_deadlines
from warmth.cli.common import State, current_user, engine, print_json, sync
from warmth.store.campaigns import get_plan
from warmth.store.work_deadlines import WorkKind

TO_HELP = "new deadline, e.g. 2027-01-20T18:00 (in the plan's time zone)"
REASON_HELP = "why (kept in the ledger)"


def extend(
    kind: WorkKind, campaign_id: str, ident: str, to: datetime, reason: str, json_out: bool
) -> None:
    """Move the deadline and say what changed (the plan's time zone)."""
    moved = sync(
        lambda: followup_deadlines.move_work_deadline(
            engine(), campaign_id, kind, ident, to, reason, by=current_user()
        )
    )
    if json_out:
        print_json(moved)
        return
    zone = sync(lambda: get_plan(engine(), campaign_id)).zone
    old = f"{moved.previous.astimezone(zone):%Y-%m-%d %H:%M}"
    new = f"{moved.to.astimezone(zone):%Y-%m-%d %H:%M}"
    en = State.settings.language == "en"
    if not moved.moved:
        typer.echo(f"{ident} is due {new} already" if en else f"{ident} 的期限已是 {new}，未改动")
    else:
        typer.echo(f"{ident} due {old} → {new}" if en else f"{ident} 期限 {old} → {new}")
