"""``warmth deliver``: bank files, sign sheets, confirmations and what is still outstanding.

Every command acts as the authenticated user (``WARMTH_TOKEN`` / ``--token``): files
are written for the districts and communities within their jurisdiction, and a
confirmation is recorded with them as its recorder.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from warmth.auth.rules import Action, Role, authorize
from warmth.cli.common import JSON_OPT, current_user, engine, fail, print_json, secret, sync
from warmth.domain.ids import check_id, mask_id, normalize_id
from warmth.domain.people import person_key
from warmth.payments import (
    ChecklistReport,
    ConfirmResult,
    confirm_delivery,
    confirm_from_checklist,
    delivery_status,
    unconfirmed_by_community,
    write_bank_files,
    write_checklists,
)
from warmth.store.campaigns import get_plan

deliver_app = typer.Typer(
    help="Distribute (发放): bank files, sign sheets, confirmations (签收).", no_args_is_help=True
)
OUT = typer.Option(..., "--out", help="directory to write into (created if missing)")


def _when(text: str | None, zone: str) -> datetime:
    now = datetime.now(UTC)
    if text is None:
        return now
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at {text!r} is not a date-time like 2026-01-05T10:30")
    value = value.replace(tzinfo=ZoneInfo(zone)) if value.tzinfo is None else value
    if value > now + timedelta(minutes=5):
        fail(f"--at {text} is in the future")
    return value


@deliver_app.command("confirm")
def confirm(
    campaign_id: str,
    id_number: str = typer.Argument(..., help="the recipient's ID number (公民身份号码)"),
    item: str = typer.Argument(..., help="the aid item's code in the plan (e.g. package)"),
    proof: str = typer.Option(..., "--proof", help="凭证: receipt number, photo id, bank return"),
    signed_by: str | None = typer.Option(None, "--signed-by", help="who signed for it (签收人)"),
    at: str | None = typer.Option(
        None, "--at", help="when delivered, ISO (plan time zone if none given); default now"
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Confirm one delivery (签收) or payment (到账) of an issued item, as yourself."""
    canonical = normalize_id(id_number)
    if check_id(canonical) is not None:
        fail(f"{mask_id(canonical)} is not a valid ID number (公民身份号码)")
    shown = mask_id(canonical)

    def go() -> ConfirmResult:
        user = current_user()
        store = engine()
        plan = get_plan(store, campaign_id)
        return confirm_delivery(
            store,
            campaign_id,
            person_key(secret(), canonical),
            item,
            user.id,
            proof,
            _when(at, plan.time_zone),
            signed_by=signed_by,
            principal=user,
            label=shown,
        )

    result = sync(go)
    if json_out:
        print_json(result)
        return
    when = result.confirmed_at.isoformat()
    if result.recorded:
        typer.echo(f"confirmed {result.item} for {shown} at {when} (proof {result.proof})")
    else:
        typer.echo(
            f"already confirmed: {result.item} for {shown} at {when} by {result.confirmed_by}"
            f" (proof {result.proof}); nothing new recorded"
        )


@deliver_app.command("checklist")
def checklist(
    campaign_id: str,
    file: Path = typer.Argument(..., help="a filled sign sheet from `warmth deliver checklists`"),
    json_out: bool = JSON_OPT,
) -> None:
    """Confirm every signed row (签收人 filled) of a returned sign sheet; again: nothing new."""

    def go() -> ChecklistReport:
        user = current_user()
        return confirm_from_checklist(engine(), campaign_id, file, user.id, principal=user)

    r = sync(go)
    if json_out:
        print_json(r)
        return
    typer.echo(
        f"{r.file_name}: {r.rows} rows, {r.signed_rows} signed, {r.unsigned_rows} not signed;"
        f" {r.confirmed} confirmed now, {r.already_confirmed} confirmed before,"
        f" {len(r.problems)} row(s) refused"
    )
    for p in r.problems[:50]:
        typer.echo(f"  row {p.row} {p.reference}: {p.reason}")
    if len(r.problems) > 50:
        typer.echo(f"  … {len(r.problems) - 50} more (use --json)")


@deliver_app.command("bank-files")
def bank_files(
    campaign_id: str,
    out: Path = OUT,
    full: bool = typer.Option(
        False, "--full", help="ID numbers, names and accounts in clear (the copy for the bank)"
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Write the bank batch files (银行代发): one CSV per fund source and district, a summary."""

    def go() -> list[Path]:
        user = current_user()
        store = engine()
        plan = get_plan(store, campaign_id)
        return write_bank_files(
            store, campaign_id, plan, out, full=full, principal=user, actor=user.id
        )

    paths = sync(go)
    if json_out:
        print_json({"files": [str(p) for p in paths[:-1]], "summary": str(paths[-1])})
        return
    for p in paths:
        typer.echo(str(p))
    if full:
        typer.echo("note: these files carry ID numbers in clear; the export is in the ledger")


@deliver_app.command("checklists")
def checklists(
    campaign_id: str,
    out: Path = OUT,
    outstanding: bool = typer.Option(
        False, "--outstanding", help="only households with an item not yet confirmed"
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Write a sign sheet (签收表, .xlsx) per community for the in-kind items."""

    def go() -> list[Path]:
        user = current_user()
        store = engine()
        plan = get_plan(store, campaign_id)
        scope = "" if user.has(Role.AUDITOR) else user.scope  # an auditor reads everything
        return write_checklists(
            store, campaign_id, plan, out, scope=scope, outstanding_only=outstanding
        )

    paths = sync(go)
    if json_out:
        print_json({"files": [str(p) for p in paths]})
        return
    for p in paths:
        typer.echo(str(p))
    if not paths:
        typer.echo("no in-kind item issued within your jurisdiction")


@deliver_app.command("status")
def status(
    campaign_id: str,
    district: str | None = typer.Option(None, "--district", help="one district only"),
    json_out: bool = JSON_OPT,
) -> None:
    """Issued, confirmed and outstanding deliveries per district; communities still to confirm."""

    def go() -> dict[str, Any]:
        user = current_user()
        store = engine()
        plan = get_plan(store, campaign_id)
        names = [district] if district else plan.jurisdiction.district_names()
        for d in names:
            authorize(user, Action.READ, d)
        waiting = unconfirmed_by_community(store, campaign_id)
        return {
            "districts": {d: delivery_status(store, campaign_id, d) for d in names},
            "unconfirmed_by_community": {
                path: n for path, n in waiting.items() if path.split("/", 1)[0] in names
            },
        }

    result = sync(go)
    if json_out:
        print_json(result)
        return
    for d, s in result["districts"].items():
        money = ", ".join(f"{k} {v}" for k, v in s["amount_by_source"].items()) or "-"
        typer.echo(
            f"{d}: issued {s['issued']}, confirmed {s['confirmed']},"
            f" outstanding {s['outstanding']}; yuan by source: {money}"
        )
    for path, n in result["unconfirmed_by_community"].items():
        typer.echo(f"  {path}: {n} to confirm")
