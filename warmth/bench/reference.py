"""A reference workload, timed beside every benchmark: how fast is the machine right now?

This shared two-core machine changes speed by up to 3.5× within minutes (the same
pure-Python check of 100,000 rows took 1.75 s in one run and 6.16 s in another, with
CPU time equal to wall time). A benchmark figure alone cannot tell slow code from a
slow moment, so each benchmark also times a workload whose speed on this machine the
project guide quotes: python-calamine reading a 100,000-row xlsx, "1.0 s" there. Runs
are compared by it (the bench's own roster file, always the same); the ratio to the
guide's figure is a hint only, as the guide's file is not known.
"""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel
from python_calamine import CalamineWorkbook

from warmth.bench.rosters import cached_roster
from warmth.store.sql import paused_gc

GUIDE_ROWS = 100_000
GUIDE_SECONDS = 1.0
"""The guide: "A 100,000-row xlsx reads in 1.0 s with python-calamine"."""


class Reference(BaseModel):
    seconds: float  # best of the runs

    @property
    def speed(self) -> float:
        """The guide's time over this one: below 1, slower than the guide's measurement."""
        return GUIDE_SECONDS / self.seconds if self.seconds > 0 else float("inf")

    def line(self) -> str:
        return (
            f"machine reference: python-calamine read the bench's {GUIDE_ROWS:,}-row roster xlsx"
            f" in {self.seconds:.2f} s; the guide quotes {GUIDE_SECONDS:.1f} s for a"
            f" {GUIDE_ROWS:,}-row xlsx here (ratio {self.speed:.2f}; its file may differ)"
        )


def measure_reference(cache_dir: Path, runs: int = 2) -> Reference:
    """Read the cached synthetic 100,000-row xlsx (generated once) ``runs`` times; the best."""
    path, _generated = cached_roster(cache_dir, GUIDE_ROWS, "xlsx")
    best = float("inf")
    with paused_gc():  # as in a fresh process: the collector would walk a benchmark's heap
        for _ in range(runs):
            began = time.perf_counter()
            CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
            best = min(best, time.perf_counter() - began)
    return Reference(seconds=round(best, 3))
