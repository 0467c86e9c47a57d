"""The follow-up gate (回访核查关口): no district closes with verification cases open,

unless its supervisor approves closing with those cases listed by id (``--accept-open``).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import Activities, DistrictsAt, GateDecision

from workflows.options import QUICK


async def open_cases_allowed(
    campaign_id: str, districts: list[str], decision: GateDecision
) -> dict[str, list[str]]:
    """District -> the open cases the decision closes it with; refuses unlisted ones."""
    found: dict[str, list[str]] = await workflow.execute_activity(
        Activities.OPEN_VERIFICATION,
        DistrictsAt(campaign_id=campaign_id, districts=districts, at=workflow.now()),
        result_type=dict[str, list[str]],
        **QUICK,
    )
    accepted = set(decision.accept_open_cases)
    unlisted = {d: [c for c in cases if c not in accepted] for d, cases in found.items()}
    unlisted = {d: cases for d, cases in unlisted.items() if cases}
    if unlisted:
        named = "；".join(f"{d}: {', '.join(cases)}" for d, cases in sorted(unlisted.items()))
        raise ApplicationError(
            f"verification cases are still open ({named}); resolve them, or approve closing"
            " with them listed (--accept-open CASE_ID,...) / 尚有核实个案未办结",
            type="OpenCases",
            non_retryable=True,
        )
    return found
