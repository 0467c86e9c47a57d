"""Progress counts and the campaign summary, read from the store."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext
from warmth.contracts import Activities, CampaignRef, Counts, DistrictInput, SummaryTotals
from warmth.store import stats


class ReportActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name=Activities.COUNT_DISTRICT)
    def count_district(self, inp: DistrictInput) -> Counts:
        return stats.district_counts(self._ctx.engine, inp.campaign_id, inp.district)

    @activity.defn(name=Activities.SUMMARIZE)
    def summarize(self, inp: CampaignRef) -> SummaryTotals:
        return stats.summarize(self._ctx.engine, inp.campaign_id)
