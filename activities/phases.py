"""Mobilize, distribute and follow-up activities: one batch or district per call."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext, utcnow
from warmth.contracts import Activities, BatchInput, BatchResult, DistrictInput
from warmth.store import distribution, followup, mobilize
from warmth.store.campaigns import get_plan


class PhaseActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name=Activities.ASSIGN_RESPONSIBILITY)
    def assign_responsibility(self, inp: BatchInput) -> BatchResult:
        cursor, n, done = mobilize.assign_batch(
            self._ctx.engine,
            inp.campaign_id,
            inp.district,
            inp.after,
            inp.limit,
            actor="system:mobilize",
            at=utcnow(),
        )
        return BatchResult(next_after=cursor, households=n, done=done)

    @activity.defn(name=Activities.ISSUE_AID)
    def issue_aid(self, inp: BatchInput) -> BatchResult:
        plan = get_plan(self._ctx.engine, inp.campaign_id)
        cursor, n, done = distribution.issue_batch(
            self._ctx.engine,
            inp.campaign_id,
            plan.items,
            inp.district,
            inp.after,
            inp.limit,
            actor="system:distribute",
            at=utcnow(),
        )
        return BatchResult(next_after=cursor, households=n, done=done)

    @activity.defn(name=Activities.DRAW_CALLBACKS)
    def draw_callbacks(self, inp: DistrictInput) -> int:
        plan = get_plan(self._ctx.engine, inp.campaign_id)
        return followup.draw_district_callbacks(
            self._ctx.engine,
            inp.campaign_id,
            inp.district,
            plan.callback.rate,
            plan.callback.minimum,
            actor="system:followup",
            at=utcnow(),
        )
