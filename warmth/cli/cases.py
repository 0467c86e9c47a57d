"""``warmth case``: urgent cases (临时救助 / 一事一议) — raise, approve, reject, list, pay.

A case is raised while the campaign runs and decided by the district supervisor; above
the plan's city threshold a city supervisor approves too; then it is paid once
(``UrgentAidIssued``). Every command acts as the user of ``WARMTH_TOKEN`` / ``--token``.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from warmth import urgent_service
from warmth.cli.common import (
    JSON_OPT,
    State,
    client,
    current_user,
    engine,
    print_json,
    run,
    secret,
    sync,
)
from warmth.domain.urgent import UrgentCaseState

case_app = typer.Typer(
    help="Urgent cases (临时救助 / 一事一议): raise, approve, reject, list, payments.",
    no_args_is_help=True,
)


def _yuan(fen: int | None) -> str:
    return "-" if fen is None else f"{fen / 100:.2f}"


def _show(s: UrgentCaseState, json_out: bool) -> None:
    if json_out:
        print_json(s.model_dump(mode="json"))
        return
    typer.echo(
        f"urgent case {s.case_id} ({s.district}): {s.status}; asked {_yuan(s.asked_fen)} yuan,"
        f" approved {_yuan(s.approved_fen)} yuan"
    )
    for a in s.approvals:
        verb = f"approved {_yuan(a.amount_fen)}" if a.approve else "rejected"
        typer.echo(f"  {a.level}: {verb} by {a.user} — {a.comment}")


@case_app.command("open")
def open_(
    campaign_id: str,
    id_number: str = typer.Option(..., "--id-number", help="the person's ID number"),
    category: str = typer.Option(..., "--category", help="a target category of the plan"),
    amount: Decimal = typer.Option(..., "--amount", help="yuan asked"),
    reason: str = typer.Option(..., "--reason", help="why (事由)"),
    name: str | None = typer.Option(None, "--name", help="needed when not in the roster"),
    phone: str | None = typer.Option(None, "--phone"),
    community: str | None = typer.Option(
        None, "--community", help="区/街道/社区; needed when not in the roster"
    ),
    request_id: str | None = typer.Option(
        None, "--request-id", help="tells two cases for one person apart (default: from the ask)"
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Raise an urgent case; repeating the same command returns the same case."""

    async def go() -> UrgentCaseState:
        actor = current_user()
        return await urgent_service.open_case(
            await client(actor), engine(), secret(), campaign_id, actor,
            id_number=id_number, category=category, amount=amount, reason=reason, name=name,
            phone=phone, community=community, request_id=request_id,
            task_queue=State.settings.task_queue,
        )  # fmt: skip

    _show(run(go), json_out)


def _decide(
    campaign_id: str, case_id: str, approve: bool, amount: Decimal | None, comment: str
) -> UrgentCaseState:
    async def go() -> UrgentCaseState:
        actor = current_user()
        return await urgent_service.decide_case(
            await client(actor), engine(), campaign_id, case_id, actor,
            approve=approve, amount=amount, comment=comment, task_queue=State.settings.task_queue,
        )  # fmt: skip

    return run(go)


@case_app.command("approve")
def approve(
    campaign_id: str,
    case_id: str,
    amount: Decimal | None = typer.Option(
        None, "--amount", help="yuan approved (default: as asked, or as the district approved)"
    ),
    comment: str = typer.Option("", "--comment"),
    json_out: bool = JSON_OPT,
) -> None:
    """Approve a case as its district supervisor, or as the city above the threshold."""
    _show(_decide(campaign_id, case_id, True, amount, comment), json_out)


@case_app.command("reject")
def reject(
    campaign_id: str,
    case_id: str,
    comment: str = typer.Option(..., "--comment", help="why (required)"),
    json_out: bool = JSON_OPT,
) -> None:
    """Reject a case: it ends."""
    _show(_decide(campaign_id, case_id, False, None, comment), json_out)


@case_app.command("list")
def list_(campaign_id: str, json_out: bool = JSON_OPT) -> None:
    """Urgent cases within your jurisdiction (masked)."""
    rows = sync(lambda: urgent_service.list_cases(engine(), campaign_id, current_user()))
    if json_out:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    for r in rows:
        typer.echo(
            f"{r.case_id}  {r.status:<8} {r.district}/{r.street}/{r.community}  {r.name}"
            f" {r.id_number}  {r.category}  asked {_yuan(r.asked_fen)}"
            f" approved {_yuan(r.approved_fen)}  raised by {r.raised_by}"
        )
    if not rows:
        typer.echo("no urgent case")


@case_app.command("payments")
def payments(
    campaign_id: str,
    out: Path = typer.Option(..., "--out", help="directory to write into (created if missing)"),
    full: bool = typer.Option(False, "--full", help="names, ID numbers, accounts in clear"),
    json_out: bool = JSON_OPT,
) -> None:
    """Bank files of the urgent payments (docs/bank-file.md layout), then a summary."""

    def go() -> list[Path]:
        return urgent_service.write_payments(engine(), campaign_id, out, current_user(), full=full)

    paths = sync(go)
    if json_out:
        out_json: dict[str, Any] = {
            "files": [str(p) for p in paths[:-1]],
            "summary": str(paths[-1]),
        }
        print_json(out_json)
        return
    for p in paths:
        typer.echo(str(p))
