"""``warmth bench``: benchmarks that print their figures (never timed tests)."""

from __future__ import annotations

import typer

bench_app = typer.Typer(help="Benchmarks on this machine.", no_args_is_help=True)
