"""Follow-up phase (回访核查): draw each district's callback sample."""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import Activities, DistrictInput, PhaseInput, PhaseResult

from workflows.batches import count_districts, phase_result
from workflows.options import LONG


@workflow.defn(name="FollowupPhase")
class FollowupWorkflow:
    @workflow.run
    async def run(self, inp: PhaseInput) -> PhaseResult:
        await asyncio.gather(
            *(
                workflow.execute_activity(
                    Activities.DRAW_CALLBACKS,
                    DistrictInput(campaign_id=inp.campaign_id, district=d, phase=inp.phase),
                    result_type=int,
                    **LONG,
                )
                for d in inp.districts
            )
        )
        return phase_result(inp, await count_districts(inp))
