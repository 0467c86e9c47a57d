"""Distribute phase (组织发放): issue every entitled item to every household, once."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import Activities, PhaseInput, PhaseResult

from workflows.batches import batched_phase


@workflow.defn(name="DistributePhase")
class DistributeWorkflow:
    @workflow.run
    async def run(self, inp: PhaseInput) -> PhaseResult:
        return await batched_phase(inp, Activities.ISSUE_AID)
