"""Urgent cases (临时救助 / 一事一议) inside the campaign workflow.

The campaign's update handlers ``open_urgent_case`` and ``decide_urgent_case``
delegate here. The workflow keeps one small :class:`UrgentCaseState` per case (ids,
amounts, decisions; never a name, ID number or phone); the case itself is written to
the store by activities. Decisions on one case run one at a time: a handler waits
until the previous one on the same case has recorded its decision (and payment), then
checks again, so a repeated or concurrent approval pays once. The payment's ledger key
``{campaign}:urgent:{case_id}:issued`` makes a retried activity pay once too.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from warmth.auth.claims import verified_claims
    from warmth.auth.rules import Role
    from warmth.contracts import (
        Activities,
        CampaignInput,
        OpenUrgentCaseInput,
        PayUrgentCaseInput,
        RecordUrgentDecisionInput,
        UrgentCaseDecision,
        UrgentCaseRequest,
    )
    from warmth.domain.jurisdiction import scope_covers
    from warmth.domain.urgent import (
        OPEN_STATUSES,
        DecisionRefused,
        UrgentCaseState,
        UrgentLevel,
        apply_decision,
        check_decision,
        is_repeat,
        level_of,
    )

from workflows.gate import require_identity
from workflows.options import QUICK

RAISERS = frozenset({Role.OPS, Role.SUPERVISOR, Role.CADRE})


class UrgentCases:
    """The urgent cases of one campaign run: checks, state and the activities they call."""

    def __init__(self, inp: CampaignInput) -> None:
        self._inp = inp
        self._supervisors = {s.id: s for s in inp.supervisors}
        self._cases: dict[str, UrgentCaseState] = {}
        self._recorded: set[str] = set()  # cases whose opening is in the store
        self._busy: set[str] = set()  # cases with a decision or payment under way

    def states(self) -> list[UrgentCaseState]:
        return list(self._cases.values())

    def settled(self) -> bool:
        """No case awaits a decision or a payment (the campaign may close)."""
        return not self._busy and all(c.status not in OPEN_STATUSES for c in self._cases.values())

    # ---- opening -------------------------------------------------------------------------

    def validate_open(self, req: UrgentCaseRequest, completed: bool) -> None:
        self.check_open(req, completed)
        require_identity(req.user, "change", [f"{req.district}/{req.street}/{req.community}"])
        claims = verified_claims()
        if claims is not None and not RAISERS & set(claims.roles):
            raise ApplicationError(
                f"{req.user} ({', '.join(claims.roles)}) may not raise an urgent case:"
                " it needs ops, supervisor or cadre",
                type="Forbidden",
            )

    def check_open(self, req: UrgentCaseRequest, completed: bool) -> None:
        terms = self._inp.urgent
        if completed:
            raise ApplicationError(
                f"campaign {self._inp.campaign_id} has completed: urgent cases can no longer"
                " be raised in it",
                type="CampaignCompleted",
            )
        if terms is None:
            raise ApplicationError(
                f"the plan of campaign {self._inp.campaign_id} takes no urgent cases"
                " (no `urgent` section)",
                type="UrgentNotEnabled",
            )
        if req.case_id in self._cases:
            return  # a repeated request: the handler returns the case as it is
        if req.asked_fen <= 0:
            raise ApplicationError("the amount asked must be greater than 0", type="BadAmount")
        if req.category not in terms.categories:
            raise ApplicationError(
                f"{req.category!r} is not a category of the plan ({'、'.join(terms.categories)})",
                type="UnknownCategory",
            )
        if req.district not in self._inp.districts:
            raise ApplicationError(
                f"{req.district} is not a district of campaign {self._inp.campaign_id}",
                type="OutsideCampaign",
            )
        if not req.reason.strip():
            raise ApplicationError("an urgent case needs a reason", type="ReasonRequired")

    async def raise_case(self, req: UrgentCaseRequest, completed: bool) -> UrgentCaseState:
        self.check_open(req, completed)
        if req.case_id in self._cases:
            await workflow.wait_condition(lambda: req.case_id in self._recorded)
            return self._cases[req.case_id]
        self._cases[req.case_id] = UrgentCaseState(
            case_id=req.case_id,
            district=req.district,
            raised_by=req.user,
            asked_fen=req.asked_fen,
            status="awaiting_district",
        )
        try:
            await workflow.execute_activity(
                Activities.OPEN_URGENT_CASE,
                OpenUrgentCaseInput(
                    campaign_id=self._inp.campaign_id, request=req, at=workflow.now()
                ),
                **QUICK,
            )
        except ActivityError:
            del self._cases[req.case_id]  # not in the store: as if never raised
            raise
        self._recorded.add(req.case_id)
        return self._cases[req.case_id]

    # ---- decisions -----------------------------------------------------------------------

    def validate_decision(self, d: UrgentCaseDecision) -> None:
        self.check_decision(d)
        require_identity(d.user, "approve", [self._cases[d.case_id].district])

    def check_decision(self, d: UrgentCaseDecision) -> UrgentLevel | None:
        """The level ``d`` decides at; None for a repeat of a decision already taken."""
        state = self._cases.get(d.case_id)
        if state is None:
            raise ApplicationError(
                f"no urgent case {d.case_id} in campaign {self._inp.campaign_id}",
                type="UnknownCase",
            )
        if level_of(state) is None and is_repeat(state, d.user, d.approve):
            return None
        sup = self._supervisors.get(d.user)
        try:
            return check_decision(
                state,
                d.user,
                d.approve,
                d.amount_fen,
                d.comment,
                user_scope=None if sup is None else sup.scope,
                covers_district=sup is not None and scope_covers(sup.scope, state.district),
                covers_all=sup is not None
                and all(scope_covers(sup.scope, x) for x in self._inp.districts),
            )
        except DecisionRefused as exc:
            raise ApplicationError(str(exc), type=exc.kind) from None

    async def decide(self, d: UrgentCaseDecision) -> UrgentCaseState:
        await workflow.wait_condition(
            lambda: (
                d.case_id not in self._busy
                and (d.case_id in self._recorded or d.case_id not in self._cases)
            )
        )
        level = self.check_decision(d)  # again: an earlier decision may have settled it
        terms = self._inp.urgent
        assert terms is not None  # no case is opened without them
        state = self._cases[d.case_id]
        self._busy.add(d.case_id)
        try:
            if level is not None:
                state = apply_decision(
                    state, level, d.user, d.approve, d.amount_fen, d.comment.strip(),
                    workflow.now(), terms.city_threshold_fen,
                )  # fmt: skip
                self._cases[d.case_id] = state
                await workflow.execute_activity(
                    Activities.RECORD_URGENT_DECISION,
                    RecordUrgentDecisionInput(
                        campaign_id=self._inp.campaign_id,
                        case_id=d.case_id,
                        approval=state.approvals[-1],
                        status=state.status,
                    ),
                    **QUICK,
                )
            if state.status == "approved":  # final approval, or a repeat after a failed payment
                await workflow.execute_activity(
                    Activities.PAY_URGENT_CASE,
                    PayUrgentCaseInput(
                        campaign_id=self._inp.campaign_id,
                        case_id=d.case_id,
                        fund_source=terms.fund_source,
                    ),
                    result_type=str,
                    **QUICK,
                )
                state = state.model_copy(update={"status": "paid"})
                self._cases[d.case_id] = state
        finally:
            self._busy.discard(d.case_id)
        return state
