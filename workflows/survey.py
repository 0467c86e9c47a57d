"""Survey phase (排摸准备): stage the roster files, then register households per district."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import (
        Activities,
        PhaseInput,
        PhaseResult,
        StageRosterInput,
        StageRosterResult,
    )

from workflows.batches import batched_phase
from workflows.options import BATCH


@workflow.defn(name="SurveyPhase")
class SurveyWorkflow:
    @workflow.run
    async def run(self, inp: PhaseInput) -> PhaseResult:
        if inp.roster_files and not inp.carry.staged:
            await workflow.execute_activity(
                Activities.STAGE_ROSTER,
                StageRosterInput(
                    campaign_id=inp.campaign_id, files=inp.roster_files, actor="system:survey"
                ),
                result_type=StageRosterResult,
                **BATCH,
            )
            inp = inp.model_copy(update={"carry": inp.carry.model_copy(update={"staged": True})})
        return await batched_phase(inp, Activities.REGISTER_HOUSEHOLDS)
