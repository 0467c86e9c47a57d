"""Survey activities: stage roster files, settle imports, register households per batch."""

from __future__ import annotations

from pathlib import Path

from temporalio import activity

from activities.context import ActivityContext, utcnow
from warmth import intake
from warmth.contracts import (
    Activities,
    BatchInput,
    BatchResult,
    CampaignRef,
    SettleImportInput,
    StageRosterInput,
    StageRosterResult,
)
from warmth.store import survey
from warmth.store.campaigns import get_plan


class RosterActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name=Activities.STAGE_ROSTER)
    def stage_roster(self, inp: StageRosterInput) -> StageRosterResult:
        """Check and stage the files given when the campaign started, and accept them."""
        engine = self._ctx.engine
        plan = get_plan(engine, inp.campaign_id)
        rows = accepted = rejected = 0
        for file in inp.files:

            def beat(rows_read: int, name: str = file) -> None:
                activity.heartbeat(name, rows_read)

            report = intake.stage_file(
                engine,
                self._ctx.person_key_secret,
                inp.campaign_id,
                plan,
                Path(file),
                unit=inp.actor,
                actor=inp.actor,
                at=utcnow(),
                progress=beat,
            )
            intake.settle_import(
                engine, inp.campaign_id, report.import_id, True, inp.actor, utcnow()
            )
            rows += report.rows
            accepted += report.accepted
            rejected += report.rejected_rows
        return StageRosterResult(
            rows=rows,
            accepted=accepted,
            rejected=rejected,
            staged_by_district=survey.staged_by_district(engine, inp.campaign_id),
        )

    @activity.defn(name=Activities.SETTLE_IMPORT)
    def settle_import(self, inp: SettleImportInput) -> str:
        return intake.settle_import(
            self._ctx.engine, inp.campaign_id, inp.import_id, inp.accept, inp.actor, utcnow()
        )

    @activity.defn(name=Activities.MISSING_SUBMISSIONS)
    def missing_submissions(self, inp: CampaignRef) -> dict[str, list[str]]:
        plan = get_plan(self._ctx.engine, inp.campaign_id)
        return intake.missing_communities(self._ctx.engine, inp.campaign_id, plan)

    @activity.defn(name=Activities.REGISTER_HOUSEHOLDS)
    def register_households(self, inp: BatchInput) -> BatchResult:
        cursor, households, done = survey.register_batch(
            self._ctx.engine,
            inp.campaign_id,
            inp.district,
            inp.after,
            inp.limit,
            actor="system:survey",
            at=utcnow(),
        )
        return BatchResult(next_after=cursor, households=households, done=done)
