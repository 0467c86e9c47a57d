"""The roster import benchmark (``warmth bench import``).

On a synthetic roster (see :mod:`warmth.bench.rosters`; generated once and cached,
never timed) and a fresh temporary SQLite store, three stages are timed apart:

1. **check** — :func:`warmth.roster.check_file`, what ``warmth roster check`` does;
2. **import** — :func:`warmth.intake.stage_file` (which validates every row again)
   and :func:`warmth.intake.settle_import` accepting the file;
3. **register** — de-duplication into households: :func:`warmth.store.survey.register_batch`
   over every district in batches of 1,000 until done, as the survey workflow does.

``seconds`` is what a user waits for a file to become households: import + register.
The check is reported separately, because the import checks each row again.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Engine, func, select

from warmth import intake
from warmth.bench.rosters import Format, bench_plan, cached_roster
from warmth.domain.plan import CampaignPlan
from warmth.roster import CheckResult, check_file
from warmth.store import survey
from warmth.store.campaigns import create_campaign
from warmth.store.engine import open_store_engine
from warmth.store.schema import households

CAMPAIGN: str = "bench"
ACTOR: str = "bench"
SECRET: bytes = b"warmth-bench-secret"
BATCH_SIZE: int = 1000

Echo = Callable[[str], None]


class Stage(BaseModel):
    """One timed stage: how many rows went through it and how long it took."""

    name: str
    rows: int
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time: a check on a busy, shared machine

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


class BenchResult(BaseModel):
    """Figures of one run. :meth:`summary` is the JSON line the command ends with."""

    rows: int
    format: Format
    file: str
    seconds: float  # import + register (or check alone with check_only)
    peak_rss_mb: float
    stages: list[Stage]
    accepted: int
    rejected_rows: int
    merged: int  # valid rows of a person already seen (check_file's count)
    people: int  # distinct valid people (check_file's count)
    households: int | None = None  # registered in the store; None with check_only
    batches: int = 0

    def summary(self) -> dict[str, object]:
        return {
            "rows": self.rows,
            "format": self.format,
            "seconds": round(self.seconds, 3),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
        }

    def summary_line(self) -> str:
        return json.dumps(self.summary())

    def table(self) -> str:
        """The stages as an aligned, human-readable table."""
        head = f"{'stage':<16} {'rows':>10} {'seconds':>8} {'rows/s':>8} {'cpu s':>7}"
        lines = [head, "-" * len(head)]
        for s in self.stages:
            lines.append(
                f"{s.name:<16} {s.rows:>10,} {s.seconds:>8.2f} {s.rows_per_second:>8,.0f}"
                f" {s.cpu_seconds:>7.2f}"
            )
        if len(self.stages) > 1:
            work = self.stages[1:]
            cpu = sum(s.cpu_seconds for s in work)
            rate = self.rows / self.seconds if self.seconds > 0 else float("inf")
            lines.append(
                f"{'import+register':<16} {self.rows:>10,} {self.seconds:>8.2f} {rate:>8,.0f}"
                f" {cpu:>7.2f}"
            )
        lines.append(
            f"{self.rows:,} rows ({self.format}): {self.accepted:,} accepted,"
            f" {self.rejected_rows:,} rejected, {self.merged:,} re-reported,"
            f" {self.people:,} people"
            + (f", {self.households:,} households" if self.households is not None else "")
            + f"; peak RSS {self.peak_rss_mb:.0f} MB"
        )
        return "\n".join(lines)


class _Clock:
    """Wall and CPU time since it was made."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def stage(self, name: str, rows: int) -> Stage:
        return Stage(
            name=name,
            rows=rows,
            seconds=time.perf_counter() - self.wall,
            cpu_seconds=time.process_time() - self.cpu,
        )


def peak_rss_mb() -> float:
    """The process's peak resident set size in MiB (``ru_maxrss``: KiB on Linux, B on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _quiet(_message: str) -> None:
    pass


def run_import_bench(
    rows: int,
    *,
    fmt: Format = "csv",
    cache_dir: Path,
    check_only: bool = False,
    seed: int = 2026,
    batch_size: int = BATCH_SIZE,
    store_dir: Path | None = None,
    echo: Echo = _quiet,
) -> BenchResult:
    """Generate (or reuse) the roster, then time check, import and registration.

    ``store_dir`` holds the temporary store (default: a new temporary directory,
    deleted afterwards). ``echo`` receives progress lines (never the figures).
    """
    path, generated = cached_roster(cache_dir, rows, fmt, seed)
    echo(f"{'generated' if generated else 'using cached'} {path}")
    at = datetime.now(UTC)
    plan = bench_plan(at)
    stages: list[Stage] = []

    clock = _Clock()
    checked = check_file(path, plan.categories, list(plan.jurisdiction.communities()))
    stages.append(clock.stage("check", checked.rows))
    echo(f"check: {stages[-1].seconds:.2f} s")
    if checked.rows != rows:
        raise RuntimeError(f"{path} has {checked.rows} rows, expected {rows}")
    if check_only:
        return _result(rows, fmt, path, stages[0].seconds, stages, checked)

    with tempfile.TemporaryDirectory(prefix="warmth-bench-", dir=store_dir) as tmp:
        engine = open_store_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        try:
            create_campaign(engine, CAMPAIGN, plan, ACTOR, at)
            import_stage = _import(engine, plan, path, at)
            stages.append(import_stage)
            echo(f"import: {import_stage.seconds:.2f} s")
            register_stage, batches = _register(engine, plan, at, batch_size)
            stages.append(register_stage)
            echo(f"register: {register_stage.seconds:.2f} s in {batches} batches")
            with engine.connect() as conn:
                registered = conn.execute(
                    select(func.count())
                    .select_from(households)
                    .where(households.c.campaign_id == CAMPAIGN)
                ).scalar_one()
        finally:
            engine.dispose()
    result = _result(
        rows, fmt, path, import_stage.seconds + register_stage.seconds, stages, checked
    )
    return result.model_copy(update={"households": int(registered), "batches": batches})


def _import(engine: Engine, plan: CampaignPlan, path: Path, at: datetime) -> Stage:
    clock = _Clock()
    report = intake.stage_file(
        engine, SECRET, CAMPAIGN, plan, path, unit="民政科", actor=ACTOR, at=at
    )
    intake.settle_import(engine, CAMPAIGN, report.import_id, True, ACTOR, at)
    return clock.stage("import", report.rows)


def _register(
    engine: Engine, plan: CampaignPlan, at: datetime, batch_size: int
) -> tuple[Stage, int]:
    staged = sum(survey.staged_by_district(engine, CAMPAIGN).values())
    batches = 0
    clock = _Clock()
    for district in plan.jurisdiction.district_names():
        cursor: str | None = None
        done = False
        while not done:
            cursor, _count, done = survey.register_batch(
                engine, CAMPAIGN, district, cursor, batch_size, ACTOR, at
            )
            batches += 1
    return clock.stage("register", staged), batches


def _result(
    rows: int,
    fmt: Format,
    path: Path,
    seconds: float,
    stages: list[Stage],
    checked: CheckResult,
) -> BenchResult:
    return BenchResult(
        rows=rows,
        format=fmt,
        file=str(path),
        seconds=seconds,
        peak_rss_mb=peak_rss_mb(),
        stages=stages,
        accepted=checked.accepted,
        rejected_rows=checked.rejected_rows,
        merged=checked.merged,
        people=checked.people,
    )
