"""``warmth roster``: check a file, import it into a campaign, compare with another list."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from warmth import roster_service
from warmth.cli.common import (
    JSON_OPT,
    client,
    current_user,
    engine,
    print_json,
    run,
    secret,
    sync,
)
from warmth.roster import RowError

roster_app = typer.Typer(
    help="Roster files (花名册): check, import, compare (数据共享比对).", no_args_is_help=True
)
ENCODING = typer.Option(None, "--encoding", help="CSV encoding (default: detected)")


def _echo_rejections(rejected: list[RowError], limit: int = 20) -> None:
    for e in rejected[:limit]:
        typer.echo(f"  row {e.row} {e.field}: {e.reason}")
    if len(rejected) > limit:
        typer.echo(f"  … {len(rejected) - limit} more")


@roster_app.command("check")
def check(
    file: Path = typer.Argument(..., help="roster file (.xlsx or .csv)"),
    plan: Path = typer.Option(..., "--plan", help="the campaign plan (categories, jurisdiction)"),
    jurisdiction: Path | None = typer.Option(
        None, "--jurisdiction", help="CSV/XLSX with 区,街道,社区 replacing the plan's tree"
    ),
    errors: Path | None = typer.Option(None, "--errors", help="write rejected rows to this .xlsx"),
    encoding: str | None = ENCODING,
    json_out: bool = JSON_OPT,
) -> None:
    """Check a roster file without a campaign or a server."""
    result = sync(
        lambda: roster_service.check_roster(
            file, plan, jurisdiction=jurisdiction, encoding=encoding, errors_out=errors
        )
    )
    if json_out:
        print_json(
            {
                "rows": result.rows,
                "accepted": result.accepted,
                "rejected": [e.model_dump() for e in result.rejected],
                "merged": result.merged,
                "people": result.people,
            }
        )
        return
    typer.echo(
        f"{file.name}: {result.rows} rows, {result.accepted} accepted,"
        f" {result.rejected_rows} rejected, {result.merged} merged, {result.people} people"
    )
    _echo_rejections(result.rejected)
    if errors is not None:
        typer.echo(f"error report: {errors}")


@roster_app.command("import")
def import_(
    campaign_id: str,
    file: Path = typer.Argument(..., help="roster file (.xlsx or .csv)"),
    unit: str = typer.Option(..., "--unit", help="the reporting unit (报送单位)"),
    encoding: str | None = ENCODING,
    json_out: bool = JSON_OPT,
) -> None:
    """Submit a unit's roster to a running campaign (until the survey deadline)."""

    async def go() -> Any:
        bar: Any = None
        progress = None
        if sys.stderr.isatty() and not json_out:
            from rich.progress import Progress

            bar = Progress(transient=True)
            task = bar.add_task(f"checking {file.name}", total=None)
            bar.start()

            def progress(n: int) -> None:
                bar.update(task, completed=n, description=f"checking {file.name}: {n} rows")

        try:
            actor = current_user()
            return await roster_service.import_roster(
                await client(actor),
                engine(),
                secret(),
                campaign_id,
                file,
                unit=unit,
                actor=actor,
                encoding=encoding,
                progress=progress,
            )
        finally:
            if bar is not None:
                bar.stop()

    report = run(go)
    if json_out:
        print_json(report)
        return
    note = " (this file was imported before; nothing changed)" if report.already_imported else ""
    typer.echo(
        f"{report.file_name} from {report.unit}: {report.rows} rows, {report.accepted} accepted,"
        f" {report.rejected_rows} rejected, {report.duplicates} already reported (merged),"
        f" {report.people} people — {report.status}{note}"
    )
    _echo_rejections(report.rejected)


@roster_app.command("compare")
def compare(
    campaign_id: str,
    reference: Path = typer.Argument(
        ..., help="another department's list (e.g. the 低保 register)"
    ),
    out: Path | None = typer.Option(None, "--out", help="write the differences to this .xlsx"),
    encoding: str | None = ENCODING,
    json_out: bool = JSON_OPT,
) -> None:
    """Who is in the reference list but not in the roster (遗漏), and the reverse, by community."""
    result = sync(
        lambda: roster_service.compare_roster(
            engine(),
            secret(),
            campaign_id,
            reference,
            out=out,
            actor=current_user().id,
            encoding=encoding,
        )
    )
    if json_out:
        print_json(result)
        return
    typer.echo(
        f"{result.reference_file}: {result.reference_people} people; roster {result.roster_people};"
        f" possibly missed {result.missing}, not in the reference {result.extra}"
    )
    for c in result.by_community:
        typer.echo(f"  {c.district}/{c.street}/{c.community}: missed {c.missing}, extra {c.extra}")
    if out is not None:
        typer.echo(f"differences: {out}")


@roster_app.command("template")
def template(
    out: Path = typer.Argument(Path("roster-template.xlsx"), help="where to write it"),
) -> None:
    """Write the blank roster template (.xlsx, Chinese headers, one sample row)."""
    roster_service.write_template(out)
    typer.echo(str(out))
