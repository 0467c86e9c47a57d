"""Survey phase (排摸准备): register households from the accepted roster imports, per district.

Files are checked and staged before this runs (at survey start for the files given
with the campaign, and by each unit's ``warmth roster import`` during the survey);
this child folds the staged rows of accepted imports into one household per person.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import Activities, PhaseInput, PhaseResult

from workflows.batches import batched_phase


@workflow.defn(name="SurveyPhase")
class SurveyWorkflow:
    @workflow.run
    async def run(self, inp: PhaseInput) -> PhaseResult:
        return await batched_phase(inp, Activities.REGISTER_HOUSEHOLDS)
