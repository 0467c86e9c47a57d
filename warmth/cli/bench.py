"""``warmth bench``: benchmarks that print their figures (never timed tests)."""

from __future__ import annotations

import typer

from warmth.cli.common import JSON_OPT, State

bench_app = typer.Typer(help="Benchmarks on this machine.", no_args_is_help=True)

REFERENCE_OPT = typer.Option(
    True,
    "--reference/--no-reference",
    help="also time a workload the project guide measured here (python-calamine reading"
    " 100,000 xlsx rows: 1.0 s), to tell how fast the machine is at the moment",
)


def _reference(wanted: bool) -> str | None:
    """The machine reference line, measured now: after the timed work, whose peak memory
    it must not raise (it runs with the GC paused, as on a fresh heap)."""
    if not wanted:
        return None
    from warmth.bench.reference import measure_reference

    return measure_reference(State.settings.data_dir / "bench").line()


def _say(line: str | None, json_out: bool) -> None:
    if line is not None:
        typer.echo(line, err=json_out)


@bench_app.command("import")
def import_(
    rows: int = typer.Option(
        100_000, "--rows", min=1, max=50_000_000, help="data rows of the synthetic roster"
    ),
    xlsx: bool = typer.Option(False, "--xlsx", help="an .xlsx roster instead of .csv"),
    check_only: bool = typer.Option(
        False, "--check-only", help="time the check stage alone (no store)"
    ),
    seed: int = typer.Option(2026, "--seed", help="seed of the synthetic roster"),
    reference: bool = REFERENCE_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Time roster check, import and registration (de-duplication) on N synthetic rows.

    The roster (about 2 % re-reports by another unit, 0.5 % bad rows, four
    districts) is generated once under <data_dir>/bench/; the store is a fresh
    temporary SQLite file. Prints a table of rows/s per stage, then one JSON line
    {"rows", "format", "seconds", "peak_rss_mb"} where seconds = import + register.
    With --json the table goes to stderr and stdout holds the JSON line alone.
    """
    from warmth.bench.import_bench import run_import_bench

    def echo(message: str) -> None:
        typer.echo(message, err=True)

    result = run_import_bench(
        rows,
        fmt="xlsx" if xlsx else "csv",
        cache_dir=State.settings.data_dir / "bench",
        check_only=check_only,
        seed=seed,
        echo=echo,
    )
    typer.echo(result.table(), err=json_out)
    _say(_reference(reference), json_out)
    typer.echo(result.summary_line())


@bench_app.command("distribute")
def distribute(
    households: int = typer.Option(100_000, "--households", min=10, help="synthetic households"),
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, help="households per activity (default: WARMTH_BATCH_SIZE)"
    ),
    reference: bool = REFERENCE_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """N households through entitlement, issue (DistributePhase on the embedded server) and
    bank files; ends with {"households", "seconds", "duplicates", "missing"} counted from
    the ledger afterwards."""
    import asyncio
    import json

    from warmth.bench.distribute_bench import run_distribute_bench

    def echo(message: str) -> None:
        typer.echo(message, err=True)

    result = asyncio.run(
        run_distribute_bench(
            households,
            cache_dir=State.settings.data_dir / "bench",
            batch_size=batch_size or State.settings.batch_size,
            echo=echo,
        )
    )
    rate = result.households / result.seconds if result.seconds else 0.0
    typer.echo(
        f"{result.households} households, {result.issued} issues: issue {result.issue_seconds} s,"
        f" bank files {result.bank_files_seconds} s, {rate:,.0f} households/s,"
        f" peak RSS {result.peak_rss_mb:.0f} MB",
        err=json_out,
    )
    _say(_reference(reference), json_out)
    typer.echo(
        json.dumps(
            {
                "households": result.households,
                "seconds": result.seconds,
                "duplicates": result.duplicates,
                "missing": result.missing,
            }
        )
    )


@bench_app.command("report")
def report(
    households: int = typer.Option(100_000, "--households", min=10, help="synthetic households"),
    reference: bool = REFERENCE_OPT,
    json_out: bool = JSON_OPT,
) -> None:
    """Time the campaign report of an N-household campaign; ends with {"households", "seconds"}."""
    import json

    from warmth.reports.bench import bench_report

    seconds = bench_report(households)
    machine = _reference(reference)
    if not json_out:
        typer.echo(f"report of {households} households in {seconds:.2f} s", err=True)
    _say(machine, json_out)
    typer.echo(json.dumps({"households": households, "seconds": round(seconds, 3)}))
