"""Fan-out per district in keyset batches, with continue-as-new for long runs."""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import (
        Activities,
        BatchInput,
        BatchResult,
        Counts,
        DistrictInput,
        PhaseCarry,
        PhaseInput,
        PhaseResult,
    )

from workflows.options import BATCH, MAX_PARALLEL_DISTRICTS, QUICK


async def run_district_batches(inp: PhaseInput, activity: str) -> PhaseCarry | None:
    """Run ``activity`` over every district's households, batch by batch.

    Districts run in parallel (bounded). Returns None when every district is done,
    or the cursors to carry into a continued run when Temporal suggests
    continue-as-new (or the test hook ``max_batches_per_run`` is reached).
    """
    cursors = dict(inp.carry.cursors)
    finished = list(inp.carry.finished)
    batches = 0
    stop = False
    gate = asyncio.Semaphore(MAX_PARALLEL_DISTRICTS)

    async def district_loop(district: str) -> None:
        nonlocal batches, stop
        async with gate:
            while not stop:
                result = await workflow.execute_activity(
                    activity,
                    BatchInput(
                        campaign_id=inp.campaign_id,
                        district=district,
                        after=cursors.get(district),
                        limit=inp.batch_size,
                        round=inp.round,
                    ),
                    result_type=BatchResult,
                    **BATCH,
                )
                cursors[district] = result.next_after
                if result.done:
                    finished.append(district)
                    return
                batches += 1
                limit = inp.max_batches_per_run
                if workflow.info().is_continue_as_new_suggested() or (limit and batches >= limit):
                    stop = True

    await asyncio.gather(*(district_loop(d) for d in inp.districts if d not in finished))
    if all(d in finished for d in inp.districts):
        return None
    return PhaseCarry(cursors=cursors, finished=finished)


async def count_districts(inp: PhaseInput) -> dict[str, Counts]:
    """Progress counters per district, read back from the store."""
    results = await asyncio.gather(
        *(
            workflow.execute_activity(
                Activities.COUNT_DISTRICT,
                DistrictInput(campaign_id=inp.campaign_id, district=d, phase=inp.phase),
                result_type=dict[str, int],
                **QUICK,
            )
            for d in inp.districts
        )
    )
    return dict(zip(inp.districts, results, strict=True))


def phase_result(inp: PhaseInput, counts: dict[str, Counts]) -> PhaseResult:
    totals: Counts = {}
    for district_counts in counts.values():
        for name, value in district_counts.items():
            totals[name] = totals.get(name, 0) + value
    return PhaseResult(phase=inp.phase, round=inp.round, counts=counts, totals=totals)


async def batched_phase(inp: PhaseInput, activity: str) -> PhaseResult:
    """A whole batched phase: batches (continuing as new when long), then counts."""
    carry = await run_district_batches(inp, activity)
    if carry is not None:
        workflow.continue_as_new(inp.model_copy(update={"carry": carry}))
    return phase_result(inp, await count_districts(inp))
