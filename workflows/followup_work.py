"""Follow-up work across the campaign: the reminder sweep, survey hazards, reports.

Kept out of the campaign workflow class, which holds one :class:`FollowupWork` and
delegates to it. The store holds the work (verification cases, rectification tasks);
the workflow carries only the next instant something falls due and a few counts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import (
        Activities,
        CampaignInput,
        DistrictsAt,
        ReportRequest,
        ReportWritten,
        SweepInput,
        SweepResult,
    )

from workflows.gate import decided_by
from workflows.options import LONG, notify_options

# Follow-up work (issue 5): the reminder sweep, the follow-up gate's open cases, weekly
# progress reports and the final report. Histories from before it replay without them.
FOLLOWUP_WORK = "followup-work"


class FollowupWork:
    def __init__(self, inp: CampaignInput) -> None:
        self._inp = inp
        self.recorded = 0  # bumped by the work_recorded signal: sweep again now
        self.failed = 0  # sweep notifications whose channel failed after every retry
        self.open_verification: dict[str, int] = {}
        self.reports: list[str] = []

    def work_recorded(self) -> None:
        self.recorded += 1

    async def sweeps(self, completed: Callable[[], bool]) -> None:
        """Remind and escalate open follow-up work, sweeping when something falls due.

        The sweep returns the next instant anything falls due; the ``work_recorded``
        signal (or the weekly dispatch) wakes it early. With no open work it sleeps
        until signalled, so the history grows with the work, not with time.
        """
        since = workflow.now()
        while not completed():
            until, seen = workflow.now(), self.recorded
            next_at: datetime | None = None
            try:
                result: SweepResult = await workflow.execute_activity(
                    Activities.FOLLOWUP_SWEEP,
                    SweepInput(campaign_id=self._inp.campaign_id, since=since, until=until),
                    result_type=SweepResult,
                    **notify_options(self._inp.notification_retry),
                )
                self.failed += result.failed
                self.open_verification = result.open_verification
                next_at = result.next_at
            except ActivityError:
                self.failed += 1
                workflow.logger.warning("follow-up sweep failed", extra={"until": str(until)})
            since = until

            def woken(seen: int = seen) -> bool:
                return self.recorded != seen or completed()

            if next_at is None:
                await workflow.wait_condition(woken)
            else:
                await decided_by(next_at, woken)

    async def open_rectifications(self) -> None:
        """Cadres are assigned: the survey's hazards become their tasks (隐患整改)."""
        await workflow.execute_activity(
            Activities.OPEN_RECTIFICATIONS,
            DistrictsAt(
                campaign_id=self._inp.campaign_id,
                districts=self._inp.districts,
                at=workflow.now(),
            ),
            result_type=int,
            **LONG,
        )
        self.recorded += 1

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
                **LONG,
            )
        except ActivityError:
            workflow.logger.warning("report not written", extra={"kind": kind, "week": week})
            return None
        self.reports.append(written.directory)
        return written.directory
