"""Summarize phase (总结): the campaign's totals, computed from the ledger."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import Activities, CampaignRef, PhaseInput, PhaseResult, SummaryTotals

from workflows.batches import count_districts, phase_result
from workflows.options import LONG


@workflow.defn(name="SummarizePhase")
class SummarizeWorkflow:
    @workflow.run
    async def run(self, inp: PhaseInput) -> PhaseResult:
        summary = await workflow.execute_activity(
            Activities.SUMMARIZE,
            CampaignRef(campaign_id=inp.campaign_id),
            result_type=SummaryTotals,
            **LONG,
        )
        result = phase_result(inp, await count_districts(inp))
        return result.model_copy(update={"summary": summary})
