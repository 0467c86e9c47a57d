"""Before anything is paid (发放前): the budget gate, the public notice and objections.

State and rules of the distribute phase's preliminaries, kept out of the campaign
workflow class; its update handlers delegate here. The steps wait through the
callbacks the campaign passes in (its notification sender, its sleep that shows
``waiting_until`` in progress), so the commands they issue are the campaign's own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import (
        Activities,
        BudgetDecision,
        BudgetOutcome,
        BudgetReport,
        CampaignInput,
        CampaignRef,
        LodgeObjectionInput,
        Objection,
        ObjectionResolution,
        PhaseSchedule,
        RecordBudgetDecision,
        ResolveObjectionInput,
    )
    from warmth.domain.jurisdiction import scope_covers

from workflows.gate import require_identity
from workflows.options import LONG, QUICK

Notify = Callable[..., Awaitable[None]]
SleepUntil = Callable[[datetime], Awaitable[None]]


class PaymentGate:
    def __init__(self, inp: CampaignInput) -> None:
        self._inp = inp
        self.budget: BudgetReport | None = None
        self.budget_round = 0
        self.budget_decision: BudgetOutcome | None = None
        self.notice_until: datetime | None = None
        self.objections: dict[str, str] = {}  # person key -> pending | upheld | dismissed
        self._objection_district: dict[str, str] = {}

    @property
    def budget_gate_open(self) -> bool:
        return self.budget_round > 0 and self.budget_decision is None

    # ---- steps -----------------------------------------------------------------------------

    async def budget_gate(
        self, schedule: PhaseSchedule, notify: Notify, sleep_until: SleepUntil
    ) -> None:
        """Nothing is paid until the money fits the budget or the city supervisor accepts it."""
        while True:
            self.budget = await workflow.execute_activity(
                Activities.BUDGET_CHECK,
                CampaignRef(campaign_id=self._inp.campaign_id),
                result_type=BudgetReport,
                **LONG,
            )
            if not self.budget.overrun:
                return
            self.budget_round += 1
            self.budget_decision = None
            city = [s.id for s in self._inp.supervisors if scope_covers(s.scope, self._inp.scope)]
            await notify(
                "budget_overrun",
                city,
                f"{self._inp.campaign_id}:budget:{self.budget_round}",
                schedule,
                shortfall="；".join(
                    f"{s.source} 缺口 {s.shortfall} 元（"
                    + "、".join(f"{d} {v}" for d, v in s.by_district.items())
                    + "）"
                    for s in self.budget.overrun
                ),
            )
            await workflow.wait_condition(lambda: self.budget_decision is not None)
            await workflow.wait_condition(workflow.all_handlers_finished)
            if self.budget_decision is not None and self.budget_decision.approved:
                return
            # Sent back: corrections (objections upheld, a revised budget) in the window.
            await sleep_until(workflow.now() + schedule.approval_window)

    async def public_notice(self, sleep_until: SleepUntil) -> None:
        """Post the list (公示) for the notice period; objections hold households meanwhile."""
        await workflow.execute_activity(
            Activities.POST_NOTICE,
            CampaignRef(campaign_id=self._inp.campaign_id),
            result_type=list[str],
            **LONG,
        )
        self.notice_until = workflow.now() + self._inp.notice_period
        await sleep_until(self.notice_until)
        self.notice_until = None
        await workflow.wait_condition(workflow.all_handlers_finished)

    def objections_settled(self) -> bool:
        return "pending" not in self.objections.values()

    def any_released(self) -> bool:
        return "dismissed" in self.objections.values()

    # ---- the budget decision ---------------------------------------------------------------

    async def decide_budget(self, decision: BudgetDecision) -> BudgetOutcome:
        self._check_budget_open(decision)
        outcome = BudgetOutcome(
            round=self.budget_round,
            approved=decision.approve,
            decided_by=decision.user,
            decided_at=workflow.now(),
            comment=decision.comment,
        )
        self.budget_decision = outcome
        overrun = self.budget.overrun if self.budget else []
        await workflow.execute_activity(
            Activities.RECORD_BUDGET_DECISION,
            RecordBudgetDecision(
                campaign_id=self._inp.campaign_id,
                outcome=outcome,
                shortfall={s.source: str(s.shortfall) for s in overrun},
            ),
            **QUICK,
        )
        return outcome

    def validate_budget(self, decision: BudgetDecision) -> None:
        self._check_budget_open(decision)
        require_identity(decision.user, "approve", [self._inp.scope])

    def _check_budget_open(self, decision: BudgetDecision) -> None:
        if self.budget_round == 0 or self.budget_decision is not None:
            raise ApplicationError("no budget decision is awaited", type="GateNotOpen")
        if not decision.approve and not decision.comment.strip():
            raise ApplicationError("a rejection needs a comment", type="CommentRequired")

    # ---- objections (异议) -------------------------------------------------------------------

    async def lodge_objection(self, objection: Objection) -> str:
        self._check_objection(objection)
        self.objections[objection.person_key] = "pending"
        self._objection_district[objection.person_key] = objection.district
        district: str = await workflow.execute_activity(
            Activities.LODGE_OBJECTION,
            LodgeObjectionInput(campaign_id=self._inp.campaign_id, objection=objection),
            result_type=str,
            **QUICK,
        )
        return district

    def validate_objection(self, objection: Objection) -> None:
        self._check_objection(objection)
        require_identity(objection.user, "change", [objection.district])

    def _check_objection(self, objection: Objection) -> None:
        if self.notice_until is None:
            raise ApplicationError("no public notice is open for objections", type="NoticeClosed")
        if objection.person_key in self.objections:
            raise ApplicationError(
                "an objection about this household is already on record",
                type="DuplicateObjection",
            )
        if not objection.reason.strip():
            raise ApplicationError("an objection needs a reason", type="ReasonRequired")

    async def resolve_objection(self, resolution: ObjectionResolution) -> str:
        self._check_resolution(resolution)
        self.objections[resolution.person_key] = "upheld" if resolution.uphold else "dismissed"
        status: str = await workflow.execute_activity(
            Activities.RESOLVE_OBJECTION,
            ResolveObjectionInput(campaign_id=self._inp.campaign_id, resolution=resolution),
            result_type=str,
            **QUICK,
        )
        return status

    def validate_resolution(self, resolution: ObjectionResolution) -> None:
        self._check_resolution(resolution)
        district = self._objection_district[resolution.person_key]
        require_identity(resolution.user, "approve", [district])

    def _check_resolution(self, resolution: ObjectionResolution) -> None:
        if self.objections.get(resolution.person_key) != "pending":
            raise ApplicationError(
                "no pending objection about this household", type="NoPendingObjection"
            )
        if not resolution.resolution.strip():
            raise ApplicationError("a resolution needs a reason", type="ReasonRequired")
