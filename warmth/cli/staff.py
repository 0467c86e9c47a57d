"""``warmth staff`` (工作人员名单) and ``warmth charity`` (慈善募集): the mobilize phase's lists.

Every command acts as the user of ``WARMTH_TOKEN`` / ``--token``. Phones are shown
masked; amounts are yuan with two decimals.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from sqlalchemy import Engine

from warmth import staff as service
from warmth.cli.common import JSON_OPT, current_user, engine, print_json, secret, sync
from warmth.roster import RowError
from warmth.store.charity import CHARITY_SOURCE, Pledge, Receipt
from warmth.store.staff import StaffMember, StaffRole

T = TypeVar("T")

staff_app = typer.Typer(
    help="Staff lists (工作人员名单): cadres 包保人, callers 回访员, ops 经办.",
    no_args_is_help=True,
)
charity_app = typer.Typer(
    help="Charity drives (慈善募集): pledges 认捐 and receipts 到账.", no_args_is_help=True
)
ROLE_HELP = "role: " + ", ".join(f"{r.value} ({r.label_zh})" for r in StaffRole)
FUND_OPT = typer.Option(
    CHARITY_SOURCE, "--fund-source", help="the plan's fund source code (default: charity)"
)
KEY_OPT = typer.Option(
    None,
    "--key",
    help="idempotency key (幂等键); default: derived from the fields, so a repeat records once",
)


def _with_store(fn: Callable[[Engine], T]) -> T:
    def go() -> T:
        eng = engine()
        try:
            return fn(eng)
        finally:
            eng.dispose()

    return sync(go)


def _echo_rejections(rejected: list[RowError], limit: int = 20) -> None:
    for e in rejected[:limit]:
        typer.echo(f"  row {e.row} {e.field}: {e.reason}")
    if len(rejected) > limit:
        typer.echo(f"  … {len(rejected) - limit} more")


def _describe(m: StaffMember) -> str:
    shown = m.masked()
    state = "" if m.active else " [inactive]"
    return (
        f"{m.staff_id}  {m.role.label_zh}({m.role.value})  {shown['name']}  {shown['phone']}"
        f"  {m.unit}{state}"
    )


# ---- staff -------------------------------------------------------------------------------------


@staff_app.command("import")
def import_(
    campaign_id: str,
    file: Path = typer.Argument(
        ..., help="staff file (.xlsx or .csv): 姓名, 联系电话, 单位 (区/街道/社区), 角色"
    ),
    encoding: str | None = typer.Option(None, "--encoding", help="CSV encoding"),
    json_out: bool = JSON_OPT,
) -> None:
    """Import units' staff lists (ops only); bad rows are listed, good rows imported."""
    report = _with_store(
        lambda eng: service.import_staff(
            eng, secret(), campaign_id, file, actor=current_user(), encoding=encoding
        )
    )
    if json_out:
        print_json(
            {**report.model_dump(mode="json"), "changed": report.changed},
        )
        return
    note = "" if report.changed else " (nothing new)"
    typer.echo(
        f"{report.file_name}: {report.rows} rows, {report.accepted} accepted,"
        f" {report.rejected_rows} rejected, {report.duplicates} repeated;"
        f" {report.registered} registered, {report.reactivated} back on duty,"
        f" {report.unchanged} unchanged{note}"
    )
    _echo_rejections(report.rejected)


@staff_app.command("list")
def list_(
    campaign_id: str,
    role: StaffRole | None = typer.Option(None, "--role", help=ROLE_HELP),
    active: bool = typer.Option(False, "--active", help="only staff on duty"),
    json_out: bool = JSON_OPT,
) -> None:
    """The campaign's staff in your jurisdiction (names and phones masked)."""
    members = _with_store(
        lambda eng: service.list_staff(
            eng, campaign_id, actor=current_user(), role=role, active_only=active
        )
    )
    if json_out:
        print_json([m.masked() for m in members])
        return
    if not members:
        typer.echo(f"no staff in {campaign_id} yet; import a list with `warmth staff import`")
    for m in members:
        typer.echo(_describe(m))


@staff_app.command("deactivate")
def deactivate(
    campaign_id: str,
    staff_id: str = typer.Argument(..., metavar="STAFF_ID"),
    role: StaffRole | None = typer.Option(None, "--role", help=ROLE_HELP + " (default: all)"),
    json_out: bool = JSON_OPT,
) -> None:
    """Take a staff member off duty; their households go to other cadres at the next
    mobilize batch."""
    changed = _with_store(
        lambda eng: service.deactivate_staff(
            eng, campaign_id, staff_id, actor=current_user(), role=role
        )
    )
    if json_out:
        print_json([m.masked() for m in changed])
        return
    if not changed:
        typer.echo(f"{staff_id} is off duty already; nothing changed")
    for m in changed:
        typer.echo(f"off duty: {_describe(m)}")


# ---- charity -----------------------------------------------------------------------------------


def _pledge_json(p: Pledge, recorded: bool | None = None) -> dict[str, Any]:
    out: dict[str, Any] = p.model_dump(mode="json")
    if recorded is not None:
        out["recorded"] = recorded
    return out


def _receipt_json(r: Receipt, recorded: bool) -> dict[str, Any]:
    return {**r.model_dump(mode="json"), "recorded": recorded}


@charity_app.command("pledge")
def pledge(
    campaign_id: str,
    donor: str = typer.Option(..., "--donor", help="the donor (捐赠方): a person or a company"),
    amount: str = typer.Option(..., "--amount", help="yuan (元), e.g. 10000 or 2500.50"),
    note: str | None = typer.Option(None, "--note", help="what the pledge is for (备注)"),
    key: str | None = KEY_OPT,
    fund_source: str = FUND_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Record a pledge (认捐) to the charity fund source."""
    found, recorded = _with_store(
        lambda eng: service.pledge(
            eng,
            campaign_id,
            donor=donor,
            amount=amount,
            note=note,
            key=key,
            fund_source=fund_source,
            actor=current_user(),
        )
    )
    if json_out:
        print_json(_pledge_json(found, recorded))
        return
    again = "" if recorded else " (recorded before; nothing changed)"
    typer.echo(
        f"pledge {found.pledge_id}: {found.donor} {found.amount} yuan to {found.fund_source}{again}"
    )


@charity_app.command("receive")
def receive(
    campaign_id: str,
    pledge_id: str = typer.Argument(..., metavar="PLEDGE_ID"),
    amount: str = typer.Option(..., "--amount", help="yuan (元) received"),
    proof: str | None = typer.Option(None, "--proof", help="proof (凭证): bank slip, receipt no."),
    key: str | None = KEY_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Record money received (到账) against a pledge."""
    receipt, recorded = _with_store(
        lambda eng: service.receive(
            eng, campaign_id, pledge_id, amount=amount, proof=proof, key=key, actor=current_user()
        )
    )
    if json_out:
        print_json(_receipt_json(receipt, recorded))
        return
    again = "" if recorded else " (recorded before; nothing changed)"
    typer.echo(f"receipt {receipt.receipt_id}: {receipt.amount} yuan for {pledge_id}{again}")


@charity_app.command("totals")
def totals(
    campaign_id: str,
    fund_source: str = FUND_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Pledged and received against the fund source's goal (its budget)."""

    result = _with_store(
        lambda eng: service.totals(eng, campaign_id, actor=current_user(), fund_source=fund_source)
    )
    if json_out:
        print_json(result)
        return
    typer.echo(
        f"{fund_source}: pledged {result['pledged']}, received {result['received']}"
        f" of a goal of {result['goal']} yuan"
    )


@charity_app.command("list")
def list_pledges(
    campaign_id: str,
    fund_source: str | None = typer.Option(None, "--fund-source", help="one fund source only"),
    json_out: bool = JSON_OPT,
) -> None:
    """Every pledge with what has been received."""
    pledges = _with_store(
        lambda eng: service.list_pledges(
            eng, campaign_id, actor=current_user(), fund_source=fund_source
        )
    )
    if json_out:
        print_json([_pledge_json(p) for p in pledges])
        return
    if not pledges:
        typer.echo(f"no pledges in {campaign_id} yet")
    for p in pledges:
        typer.echo(
            f"{p.pledge_id}  {p.donor}  {p.amount} yuan, received {p.received}  ({p.fund_source})"
        )
