"""Follow-up work and reports: the reminder sweep, the gate's open cases, report files."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError, CancelledError

from activities.context import ActivityContext, utcnow
from warmth.cadre_notices import notify_cadres
from warmth.contracts import (
    Activities,
    CadreNotices,
    DistrictInput,
    DistrictsAt,
    ReportRequest,
    ReportWritten,
    SweepInput,
    SweepResult,
)
from warmth.domain.events import EventType
from warmth.followup_sweep import sweep
from warmth.notify.channels import Channel, LogChannel
from warmth.reports import write_campaign_report
from warmth.store import ledger
from warmth.store.campaigns import get_plan
from warmth.store.casework import open_verification_by_district
from warmth.store.hazards import open_survey_rectifications


class FollowupActivities:
    def __init__(self, ctx: ActivityContext, channel: Channel | None = None) -> None:
        self._ctx = ctx
        self._channel = channel or LogChannel()

    @activity.defn(name=Activities.FOLLOWUP_SWEEP)
    def sweep(self, inp: SweepInput) -> SweepResult:
        """Remind and escalate open follow-up work; a failing channel is retried, then counted."""
        engine = self._ctx.engine
        plan = get_plan(engine, inp.campaign_id)
        for district in inp.open_survey_hazards:  # idempotent: a retry opens nothing twice
            open_survey_rectifications(engine, inp.campaign_id, district, "system", inp.until)
        out = sweep(
            engine, self._channel, plan, inp.campaign_id, inp.since, inp.until, utcnow, beat=_beat
        )
        info = activity.info()
        if out.failed and info.attempt < 5:
            # Sent messages are in the outbox as sent; a retry only resends the failed.
            raise ApplicationError(
                f"{len(out.failed)} follow-up reminder(s) failed: {', '.join(out.failed)}",
                type="ChannelError",
            )
        return SweepResult(
            next_at=out.next_at,
            sent=out.sent,
            failed=len(out.failed),
            open_verification=out.open_by_district,
            hazards_opened=bool(inp.open_survey_hazards),
        )

    @activity.defn(name=Activities.NOTIFY_CADRES)
    def notify_cadres(self, inp: DistrictInput) -> CadreNotices:
        """Tell each cadre of the district their households (包保责任告知), once per list."""
        engine = self._ctx.engine
        plan = get_plan(engine, inp.campaign_id)
        out = notify_cadres(
            engine, self._channel, plan, inp.campaign_id, inp.district, utcnow, beat=_beat
        )
        if out.failed and activity.info().attempt < 5:
            # Sent messages are in the outbox as sent; a retry only resends the failed.
            raise ApplicationError(
                f"{len(out.failed)} cadre notice(s) failed: {', '.join(out.failed)}",
                type="ChannelError",
            )
        return CadreNotices(cadres=out.cadres, sent=out.sent, failed=len(out.failed))

    @activity.defn(name=Activities.OPEN_VERIFICATION)
    def open_verification(self, inp: DistrictsAt) -> dict[str, list[str]]:
        """District -> its open verification cases (核实), for the follow-up gate."""
        return open_verification_by_district(self._ctx.engine, inp.campaign_id, inp.districts)

    @activity.defn(name=Activities.WRITE_REPORT)
    def write_report(self, inp: ReportRequest) -> ReportWritten:
        """Write a progress (weekly) or final report and keep its files' hashes in the ledger."""
        engine = self._ctx.engine
        name = "final" if inp.kind == "final" else f"week-{inp.week:02d}"
        key = f"{inp.campaign_id}:report:{name}"
        kept = ledger.event_by_key(engine, key)
        if kept is not None:  # written before this retry: keep those files and hashes
            return ReportWritten(directory=kept.payload["directory"], files=kept.payload["files"])
        out_dir = self._ctx.output_dir / inp.campaign_id / "reports" / name
        files = write_campaign_report(
            engine,
            inp.campaign_id,
            out_dir,
            self._ctx.language,
            final=inp.kind == "final",
            as_of=inp.as_of,
            charts=inp.kind == "final",
        ).digests
        ledger.record(
            engine,
            inp.campaign_id,
            EventType.REPORT_WRITTEN,
            {"kind": inp.kind, "week": inp.week, "directory": str(out_dir), "files": files},
            "system",
            utcnow(),
            key,
        )
        return ReportWritten(directory=str(out_dir), files=files)


def _beat() -> None:
    """Heartbeat; stop (before the next message) once this attempt is cancelled or timed out,
    so that a retry does not send the same messages alongside it."""
    activity.heartbeat()
    if activity.is_cancelled():
        raise CancelledError("attempt cancelled: the rest is sent by the next one")
