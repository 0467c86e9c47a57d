"""Survey activities: settle roster imports, find who has not submitted, register households.

Files themselves are checked and staged by the client (``warmth roster import``),
so workers never need to see a user's file path.
"""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext, utcnow
from warmth import intake
from warmth.contracts import (
    Activities,
    BatchInput,
    BatchResult,
    CampaignRef,
    SettleImportInput,
)
from warmth.store import survey
from warmth.store.campaigns import get_plan


class RosterActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

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
