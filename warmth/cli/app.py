"""The ``warmth`` command. Each command parses, calls ``warmth.service`` and prints.

A user's mistake (unknown campaign, server not running, bad plan) is one clear line
on stderr and a non-zero exit, never a traceback. Every command takes ``--json``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import SecretStr

from warmth import service
from warmth.auth.rules import Action, authorize
from warmth.cli.bench import bench_app
from warmth.cli.callbacks import callback, callbacks_app, verify_app
from warmth.cli.cases import case_app
from warmth.cli.common import (
    JSON_OPT,
    State,
    client,
    current_user,
    engine,
    fail,
    print_json,
    run,
    secret,
    sync,
)
from warmth.cli.deliver import deliver_app
from warmth.cli.hazards import hazard_app
from warmth.cli.roster import roster_app
from warmth.cli.staff import charity_app, staff_app
from warmth.cli.users import user_app
from warmth.domain.phases import Phase
from warmth.logging import configure
from warmth.planfile import load_plan
from warmth.reports import WrittenReport
from warmth.settings import Settings

app = typer.Typer(
    name="warmth",
    help="Warmth: winter relief campaigns (送温暖) on Temporal.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
campaign_app = typer.Typer(
    help="Start, follow and list campaigns (专项行动).", no_args_is_help=True
)
app.add_typer(campaign_app, name="campaign")
app.add_typer(roster_app, name="roster")
app.add_typer(bench_app, name="bench")
app.add_typer(user_app, name="user")
app.add_typer(staff_app, name="staff")
app.add_typer(charity_app, name="charity")
app.add_typer(deliver_app, name="deliver")
app.command("callback")(callback)
app.add_typer(callbacks_app, name="callbacks")
app.add_typer(verify_app, name="verify")
app.add_typer(hazard_app, name="hazard")
app.add_typer(case_app, name="case")


@app.callback()
def _options(
    address: str | None = typer.Option(None, help="Temporal host:port (WARMTH_TEMPORAL_ADDRESS)"),
    namespace: str | None = typer.Option(None, help="Temporal namespace"),
    task_queue: str | None = typer.Option(None, help="task queue of the workers"),
    store: str | None = typer.Option(None, help="store URL (WARMTH_STORE_URL)"),
    data_dir: Path | None = typer.Option(None, help="local state directory (default .warmth)"),
    token: str | None = typer.Option(None, help="your user token (WARMTH_TOKEN)"),
) -> None:
    updates: dict[str, Any] = {
        "token": SecretStr(token) if token else None,
        "temporal_address": address,
        "temporal_namespace": namespace,
        "task_queue": task_queue,
        "store_url": store,
        "data_dir": data_dir,
    }
    State.settings = Settings().model_copy(update={k: v for k, v in updates.items() if v})
    configure(State.settings.log_level, State.settings.log_json)


# ---- server and worker -----------------------------------------------------------------------


@app.command()
def server(json_out: bool = JSON_OPT) -> None:
    """Run the embedded Temporal dev server (SQLite file under .warmth/, Web UI)."""
    from warmth.devserver import server_command

    s = State.settings
    s.data_dir.mkdir(parents=True, exist_ok=True)
    info = {"address": s.temporal_address, "ui": s.ui_url, "db": str(s.temporal_db_file)}
    if json_out:
        print_json(info)
    else:
        typer.echo(f"Temporal dev server on {s.temporal_address}, Web UI at {s.ui_url}")
        typer.echo(f"state kept in {s.temporal_db_file}; Ctrl-C to stop")
    try:
        raise typer.Exit(subprocess.call(server_command(s)))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command("codec-server")
def codec_server(
    port: int = typer.Option(8234, help="port on 127.0.0.1"),
) -> None:
    """Decode payloads for authorized people (auditors and ops) — `temporal workflow show
    --codec-endpoint http://127.0.0.1:PORT --codec-auth "Bearer TOKEN"`."""
    from warmth.auth.rules import Role
    from warmth.codec_server import serve
    from warmth.store.users import list_tokens, list_users
    from warmth.temporal import load_keyring

    db = engine()
    allowed = {
        u.id for u in list_users(db) if not u.disabled and ({Role.AUDITOR, Role.OPS} & set(u.roles))
    }
    hashes = [t.token_hash for t in list_tokens(db) if t.user_id in allowed and not t.revoked_at]
    if not hashes:
        fail("no auditor or ops user has a token: create one with `warmth user add`")
    typer.echo(f"codec server on http://127.0.0.1:{port} for {len(allowed)} user(s); Ctrl-C stops")
    serve(load_keyring(State.settings), "127.0.0.1", port, hashes)


@app.command()
def worker() -> None:
    """Run a worker for every workflow and activity (stops cleanly on SIGTERM/SIGINT)."""
    from workers.main import run_worker

    run(lambda: run_worker(State.settings))


# ---- campaigns ----------------------------------------------------------------------------------


@campaign_app.command("start")
def campaign_start(
    plan_file: Path = typer.Argument(..., help="the campaign plan (YAML)"),
    roster: list[Path] = typer.Option([], "--roster", help="roster file(s) to import"),
    campaign_id: str | None = typer.Option(None, "--id", help="campaign id (default: plan code)"),
    json_out: bool = JSON_OPT,
) -> None:
    """Start a campaign from its plan (as the user of WARMTH_TOKEN / --token)."""
    plan = sync(lambda: load_plan(plan_file))

    async def go() -> str:
        actor = current_user()
        return await service.start_campaign(
            await client(actor),
            engine(),
            State.settings.task_queue,
            plan,
            actor=actor,
            campaign_id=campaign_id,
            roster_files=roster,
            batch_size=State.settings.batch_size,
            person_key_secret=secret(),
        )

    cid = run(go)
    if json_out:
        print_json({"campaign_id": cid, "workflow_id": f"campaign:{cid}"})
    else:
        typer.echo(f"campaign {cid} started; follow it with `warmth campaign status {cid}`")


@campaign_app.command("status")
def campaign_status(campaign_id: str, json_out: bool = JSON_OPT) -> None:
    """Where a campaign is: phase, open gate, deadlines and counts per district."""

    async def go() -> Any:
        return await service.progress(await client(current_user()), campaign_id)

    p = run(go)
    if json_out:
        print_json(p)
        return
    typer.echo(f"{p.name} ({p.campaign_id}) — {p.status}")
    for s in p.phases:
        mark = "→" if s.phase == p.phase else " "
        totals = ", ".join(f"{k}={v}" for k, v in s.totals.items())
        typer.echo(
            f" {mark} {s.phase.label_zh:<4} {s.phase:<10} {s.state:<17} round {s.rounds}"
            f"  deadline {s.deadline:%Y-%m-%d %H:%M}  {totals}"
        )
    if p.open_gate:
        g = p.open_gate
        typer.echo(
            f"open gate: {g.phase} (round {g.round}) awaiting {'、'.join(g.pending)};"
            f" approvers {', '.join(g.approvers)}; deadline {g.deadline:%Y-%m-%d %H:%M}"
        )
    if p.waiting_until:
        typer.echo(f"waiting until {p.waiting_until:%Y-%m-%d %H:%M:%S}")
    for district, counts in p.counts.items():
        typer.echo(f"   {district}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    if p.open_verification:
        typer.echo(
            "open verification cases (核实中): "
            + ", ".join(f"{d} {n}" for d, n in sorted(p.open_verification.items()))
        )
    if p.failed_notifications:
        typer.echo(f"failed notifications (发送失败): {p.failed_notifications}")
    if p.reports:
        typer.echo(f"latest report (最新报表): {p.reports[-1]}")


@campaign_app.command("list")
def campaign_list(json_out: bool = JSON_OPT) -> None:
    """Every campaign in the store, with its workflow status."""

    async def go() -> list[dict[str, object]]:
        return await service.list_campaigns(await client(current_user()), engine())

    rows = run(go)
    if json_out:
        print_json(rows)
        return
    for r in rows:
        typer.echo(f"{r['id']:<28} {r['status']:<10} {r['created_at']:%Y-%m-%d %H:%M}  {r['name']}")


@app.command()
def approve(
    campaign_id: str,
    gate: Phase = typer.Argument(..., help="the phase whose gate to decide"),
    reject: bool = typer.Option(False, "--reject", help="send the phase back for rework"),
    comment: str = typer.Option("", "--comment", help="why (required when rejecting)"),
    district: list[str] = typer.Option(
        [], "--district", help="decide only these districts (default: all yours still open)"
    ),
    accept_open: str = typer.Option(
        "",
        "--accept-open",
        help="follow-up gate: close with these open verification cases, comma-separated ids",
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Approve (or --reject) a phase gate for your districts, as a supervisor."""

    async def go() -> Any:
        actor = current_user()
        return await service.decide(
            await client(actor),
            engine(),
            campaign_id,
            gate,
            actor,
            approve=not reject,
            comment=comment,
            districts=district,
            accept_open_cases=[c.strip() for c in accept_open.split(",") if c.strip()],
            task_queue=State.settings.task_queue,
        )

    outcome = run(go)
    if json_out:
        print_json(outcome)
    else:
        verb = "approved" if outcome.approved else "rejected"
        typer.echo(
            f"{gate} gate of {campaign_id} {verb} by {outcome.decided_by} for"
            f" {'、'.join(outcome.districts)} (round {outcome.round})"
        )


@app.command()
def deadline(
    campaign_id: str,
    phase: Phase = typer.Argument(..., help="the phase whose deadline moves"),
    to: datetime = typer.Option(..., "--to", help="new deadline, e.g. 2026-12-10T18:00"),
    reason: str = typer.Option(..., "--reason", help="why (kept in the ledger)"),
    json_out: bool = JSON_OPT,
) -> None:
    """Move a phase's deadline; reminders and escalations are rescheduled."""

    async def go() -> Any:
        actor = current_user()
        return await service.move_deadline(
            await client(actor), engine(), campaign_id, phase, to, actor, reason
        )

    moved = run(go)
    if json_out:
        print_json(moved)
    else:
        typer.echo(
            f"{phase} deadline of {campaign_id}: {moved.previous:%Y-%m-%d %H:%M}"
            f" → {moved.to:%Y-%m-%d %H:%M} ({moved.user}: {reason})"
        )


@app.command("budget")
def budget(
    campaign_id: str,
    reject: bool = typer.Option(False, "--reject", help="send the overrun back"),
    comment: str = typer.Option("", "--comment", help="why (required when rejecting)"),
    json_out: bool = JSON_OPT,
) -> None:
    """Accept (or --reject) an overrun budget, as the city supervisor (预算超支审批)."""

    async def go() -> Any:
        actor = current_user()
        return await service.decide_budget(
            await client(actor), engine(), campaign_id, actor, approve=not reject, comment=comment
        )

    outcome = run(go)
    if json_out:
        print_json(outcome)
    else:
        verb = "accepted" if outcome.approved else "sent back"
        typer.echo(f"budget of {campaign_id} {verb} by {outcome.decided_by}")


@app.command()
def objection(
    campaign_id: str,
    id_number: str = typer.Argument(..., help="the household's ID number"),
    reason: str = typer.Option(..., "--reason", help="the objection (异议)"),
    json_out: bool = JSON_OPT,
) -> None:
    """Lodge an objection during the public notice: the household is held (异议)."""

    async def go() -> Any:
        actor = current_user()
        return await service.lodge_objection(
            await client(actor), engine(), secret(), campaign_id, id_number, actor, reason
        )

    district = run(go)
    if json_out:
        print_json({"held": True, "district": district})
    else:
        typer.echo(
            f"objection recorded; the household is held until {district}'s supervisor decides"
        )


@app.command("resolve-objection")
def resolve_objection(
    campaign_id: str,
    id_number: str = typer.Argument(..., help="the household's ID number"),
    uphold: bool = typer.Option(
        ..., "--uphold/--dismiss", help="uphold: removed from payment; dismiss: released"
    ),
    reason: str = typer.Option(..., "--reason", help="the resolution"),
    json_out: bool = JSON_OPT,
) -> None:
    """Resolve an objection as the district supervisor."""

    async def go() -> Any:
        actor = current_user()
        return await service.resolve_objection(
            await client(actor),
            engine(),
            secret(),
            campaign_id,
            id_number,
            actor,
            uphold=uphold,
            resolution=reason,
        )

    status = run(go)
    if json_out:
        print_json({"status": status})
    else:
        typer.echo(f"objection {status}")


@app.command()
def report(
    campaign_id: str,
    out: Path = typer.Option(Path("reports"), "--out", help="directory for the report files"),
    lang: str = typer.Option("", "--lang", help="zh (default) or en"),
    final: bool = typer.Option(False, "--final", help="label it the final report (最终统计)"),
    json_out: bool = JSON_OPT,
) -> None:
    """Write the campaign's report as of now (works during the campaign and at its end)."""

    def go() -> WrittenReport:
        user = current_user()
        authorize(user, Action.READ, user.scope)
        language = lang or State.settings.language
        return service.write_report(
            engine(), campaign_id, out, language, final=final, as_of=datetime.now(UTC)
        )

    written = sync(go)
    if json_out:
        print_json(
            {
                "files": [str(f.path) for f in written.files],
                "sha256": {str(f.path): f.sha256 for f in written.files},
            }
        )
    else:
        for p in written.paths:
            typer.echo(str(p))


@app.command()
def demo(
    households: int = typer.Option(2000, min=10, help="synthetic households to generate"),
    step: float = typer.Option(10.0, min=2.0, help="seconds between phases"),
    no_worker: bool = typer.Option(False, "--no-worker", help="use workers already running"),
    verbose: bool = typer.Option(False, "--verbose", help="show the worker's logs"),
    json_out: bool = JSON_OPT,
) -> None:
    """Run a whole sample campaign on the embedded server and print its summary."""
    from warmth.demo_runner import run_demo

    s = State.settings
    if not verbose:  # keep the demo's own lines readable; notifications are in the outbox
        configure("WARNING", s.log_json)
    say: Callable[[str], None] = (lambda _m: None) if json_out else typer.echo
    bar = None
    if sys.stdout.isatty() and not json_out:  # a progress bar only when someone watches
        from rich.progress import Progress

        bar = Progress()
        task = bar.add_task("campaign phases", total=5)
        say = bar.console.print

    async def go() -> Any:
        advance = None if bar is None else (lambda n: bar.update(task, completed=n))
        return await run_demo(
            s, households, say, start_worker=not no_worker, step_seconds=step, advance=advance
        )

    if bar is not None:
        with bar:
            campaign_id, totals, _final = run(go)
    else:
        campaign_id, totals, _final = run(go)
    if json_out:
        print_json(
            {
                "campaign_id": campaign_id,
                "summary": totals.model_dump(mode="json"),
                "web_ui": s.ui_url,
            }
        )
        return
    paths = service.write_report(
        engine(),
        campaign_id,
        s.data_dir / "reports",
        s.language,
        final=True,
        as_of=datetime.now(UTC),
    ).paths
    typer.echo("")
    typer.echo(next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8"))
    typer.echo(f"report: {paths[0].parent}")
    typer.echo(
        f"Web UI: run `warmth server`, then open {s.ui_url}/namespaces/"
        f"{s.temporal_namespace}/workflows/campaign:{campaign_id}"
    )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
