"""``warmth hazard``: hazards found (隐患), their rectification (整改) and what is still open.

Survey hazards (the roster's 隐患 column) are opened by the campaign after
mobilization; these commands add hazards found on visits, confirm fixes and list tasks.
"""

from __future__ import annotations

from datetime import datetime

import typer

from warmth import urgent_service
from warmth.cli import work_deadlines
from warmth.cli.common import (
    JSON_OPT,
    current_user,
    engine,
    print_json,
    secret,
    sync,
)
from warmth.roster.normalize import HAZARD_KINDS
from warmth.store.hazards import HazardTask, TaskResult

hazard_app = typer.Typer(
    help="Hazard rectification (隐患整改): record, confirm fixed, list.", no_args_is_help=True
)


def _line(t: HazardTask) -> str:
    fixed = f"  fixed {t.fixed_at:%Y-%m-%d} by {t.fixed_by}: {t.fix_note}" if t.fixed_at else ""
    return (
        f"{t.task_id}  {t.hazard:<4} {t.status:<5} {t.source:<6} due {t.deadline:%Y-%m-%d %H:%M}"
        f"  {t.district}/{t.street}/{t.community}  {t.name} {t.id_number}"
        f"  cadre {t.cadre_id or '-'}{fixed}"
    )


def _show(r: TaskResult, json_out: bool, new: str, old: str) -> None:
    if json_out:
        print_json(r)
    else:
        typer.echo(f"{new if r.recorded else old}: {_line(r.task)}")


@hazard_app.command("add")
def add(
    campaign_id: str,
    id_number: str = typer.Argument(..., help="the household's ID number (公民身份号码)"),
    kind: str = typer.Option(..., "--kind", help=f"hazard kind: {'/'.join(HAZARD_KINDS)}"),
    note: str = typer.Option(..., "--note", help="what was found"),
    json_out: bool = JSON_OPT,
) -> None:
    """Record a hazard found on a visit (边查边改); an open task of that kind is returned."""
    user = sync(current_user)
    r = sync(
        lambda: urgent_service.add_hazard(
            engine(), secret(), campaign_id, id_number, kind, note, user
        )
    )
    _show(r, json_out, "task opened", "already open (nothing new)")


@hazard_app.command("fixed")
def fixed(
    campaign_id: str,
    task_id: str = typer.Argument(..., help="the task id (from `warmth hazard list`)"),
    note: str = typer.Option(..., "--note", help="what was done"),
    json_out: bool = JSON_OPT,
) -> None:
    """Confirm a hazard fixed, as the responsible cadre or ops (整改完成)."""
    r = sync(
        lambda: urgent_service.fix_hazard(engine(), campaign_id, task_id, note, current_user())
    )
    _show(r, json_out, "fixed", "fixed before (nothing new)")


@hazard_app.command("extend")
def extend(
    campaign_id: str,
    task_id: str = typer.Argument(..., help="the task id (from `warmth hazard list`)"),
    to: datetime = typer.Option(..., "--to", help=work_deadlines.TO_HELP),
    reason: str = typer.Option(..., "--reason", help=work_deadlines.REASON_HELP),
    json_out: bool = JSON_OPT,
) -> None:
    """Move an open task's deadline (ops or a supervisor of its district); reminders follow."""
    work_deadlines.extend("rectification", campaign_id, task_id, to, reason, json_out)


@hazard_app.command("list")
def list_(
    campaign_id: str,
    open_only: bool = typer.Option(False, "--open", help="only tasks not fixed yet"),
    scope: str | None = typer.Option(
        None, "--scope", help="区, 区/街道 or 区/街道/社区 (default: your jurisdiction)"
    ),
    cadre: str | None = typer.Option(None, "--cadre", help="one cadre's tasks (staff id)"),
    json_out: bool = JSON_OPT,
) -> None:
    """Rectification tasks within your jurisdiction, earliest deadline first (masked)."""
    tasks = sync(
        lambda: urgent_service.list_hazards(
            engine(), campaign_id, current_user(), open_only=open_only, scope=scope, cadre_id=cadre
        )
    )
    if json_out:
        print_json([t.model_dump(mode="json") for t in tasks])
        return
    for t in tasks:
        typer.echo(_line(t))
    if not tasks:
        typer.echo("no rectification task" + (" open" if open_only else ""))
