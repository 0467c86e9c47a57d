"""Mobilize phase (动员部署): make each household's community responsible for it."""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import (
        Activities,
        CadreNotices,
        CampaignInput,
        DistrictInput,
        PhaseInput,
        PhaseResult,
    )
    from warmth.domain.phases import Phase

from workflows.batches import batched_phase
from workflows.options import bulk_notify_options

# Cadres told their households once the mobilize gate is approved. Histories from
# before it replay without the notices.
CADRE_NOTICES = "cadre-notices"


@workflow.defn(name="MobilizePhase")
class MobilizeWorkflow:
    @workflow.run
    async def run(self, inp: PhaseInput) -> PhaseResult:
        return await batched_phase(inp, Activities.ASSIGN_RESPONSIBILITY)


async def notify_cadres(inp: CampaignInput) -> int:
    """Tell every district's cadres their households (包保责任告知); how many failed.

    Run by the campaign in the background once mobilization is approved: a slow or
    failing channel holds up nothing. Messages still failing after the last attempt are
    counted in the campaign's failed notifications (the outbox has each one, with its
    error); a district whose activity failed outright counts once.
    """

    async def district(name: str) -> int:
        try:
            result: CadreNotices = await workflow.execute_activity(
                Activities.NOTIFY_CADRES,
                DistrictInput(campaign_id=inp.campaign_id, district=name, phase=Phase.MOBILIZE),
                result_type=CadreNotices,
                **bulk_notify_options(inp.notification_retry),
            )
        except ActivityError:  # not even an attempt came back: count the district once
            workflow.logger.warning("cadre notices failed", extra={"district": name})
            return 1
        return result.failed  # messages still failing after the last attempt

    return sum(await asyncio.gather(*(district(d) for d in inp.districts)))
