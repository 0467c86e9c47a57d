"""Follow-up work across the campaign: the reminder sweep, survey hazards, reports.

Kept out of the campaign workflow class, which holds one :class:`FollowupWork` and
delegates to it. The store holds the work (verification cases, rectification tasks);
the workflow carries only the next instant something falls due and a few counts.

History stays bounded by time, not by the amount of work: the sweep runs every
``sweep_every`` (a day by default) to find new work, and at reminder instants rounded
up to ``sweep_grid`` (an hour), so many cases due close together share one sweep.
Recording work does not signal the campaign (that would cost history per
household); ``work_recorded`` exists for tests and operators.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import (
        Activities,
        CampaignInput,
        ReportRequest,
        ReportWritten,
        SweepInput,
        SweepResult,
    )

from workflows.gate import decided_by
from workflows.options import REPORT, bulk_notify_options

# Follow-up work (issue 5): the reminder sweep, the follow-up gate's open cases, weekly
# progress reports and the final report. Histories from before it replay without them.
# The id is checked in several places (run, decide_gate, weekly dispatch, the
# mobilize gate, the final report): retire it everywhere in one release.
FOLLOWUP_WORK = "followup-work"

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def on_grid(at: datetime, grid: timedelta) -> datetime:
    """``at`` rounded up to the next multiple of ``grid`` (counted from 2000-01-01 UTC)."""
    steps = math.ceil((at - _EPOCH) / grid)
    return _EPOCH + grid * steps


class FollowupWork:
    def __init__(self, inp: CampaignInput) -> None:
        self._inp = inp
        self.recorded = 0  # bumped by the work_recorded signal: sweep again now
        self.failed = 0  # sweeps or messages that failed after every retry
        self.open_verification: dict[str, int] = {}
        self.reports: list[str] = []
        self._hazards_due = False  # survey hazards to open as tasks (after mobilize)

    def work_recorded(self) -> None:
        self.recorded += 1

    def open_survey_hazards(self) -> None:
        """Cadres are assigned: the next sweep opens the survey's hazards as their tasks."""
        self._hazards_due = True
        self.recorded += 1

    async def sweeps(self, stop: Callable[[], bool]) -> None:
        """Remind and escalate open follow-up work until ``stop()``.

        A failed sweep keeps its window: the next one, ``sweep_every`` later, sends
        what fell due in both.
        """
        every = self._inp.sweep_every
        since = workflow.now()
        while not stop():
            until, seen = workflow.now(), self.recorded
            next_at: datetime | None = None
            try:
                result: SweepResult = await workflow.execute_activity(
                    Activities.FOLLOWUP_SWEEP,
                    SweepInput(
                        campaign_id=self._inp.campaign_id,
                        since=since,
                        until=until,
                        open_survey_hazards=self._inp.districts if self._hazards_due else [],
                    ),
                    result_type=SweepResult,
                    **bulk_notify_options(self._inp.notification_retry),
                )
                self.failed += result.failed
                self.open_verification = result.open_verification
                self._hazards_due = self._hazards_due and not result.hazards_opened
                next_at = result.next_at
                since = until
            except ActivityError:
                self.failed += 1
                workflow.logger.warning("follow-up sweep failed", extra={"until": str(until)})
            wake = until + every
            if next_at is not None:
                wake = min(wake, on_grid(next_at, self._inp.sweep_grid))

            def woken(seen: int = seen) -> bool:
                return self.recorded != seen or stop()

            await decided_by(wake, woken)

    async def write_report(self, kind: str, week: int = 0) -> str | None:
        """Write a progress or the final report (files in the worker's output directory)."""
        try:
            written: ReportWritten = await workflow.execute_activity(
                Activities.WRITE_REPORT,
                ReportRequest(
                    campaign_id=self._inp.campaign_id,
                    kind="final" if kind == "final" else "progress",
                    week=week,
                    as_of=workflow.now(),
                ),
                result_type=ReportWritten,
                **REPORT,
            )
        except ActivityError:
            self.failed += 1  # shown in progress; the campaign goes on
            workflow.logger.warning("report not written", extra={"kind": kind, "week": week})
            return None
        self.reports.append(written.directory)
        return written.directory
