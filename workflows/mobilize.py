"""Mobilize phase (动员部署): make each household's community responsible for it."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import Activities, PhaseInput, PhaseResult

from workflows.batches import batched_phase


@workflow.defn(name="MobilizePhase")
class MobilizeWorkflow:
    @workflow.run
    async def run(self, inp: PhaseInput) -> PhaseResult:
        return await batched_phase(inp, Activities.ASSIGN_RESPONSIBILITY)
