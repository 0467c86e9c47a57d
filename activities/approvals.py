"""Recording gate decisions (审批记录) in the ledger."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext
from warmth.contracts import (
    Activities,
    DecisionRecord,
    RecordBudgetDecision,
    RecordDeadlineMove,
)
from warmth.domain.events import EventType, LedgerEvent, campaign_stream
from warmth.store import ledger


class ApprovalActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name=Activities.RECORD_DECISION)
    def record_decision(self, inp: DecisionRecord) -> None:
        o = inp.outcome
        events = [
            LedgerEvent(
                campaign_id=inp.campaign_id,
                stream=campaign_stream(inp.campaign_id),
                type=EventType.GATE_APPROVED if o.approved else EventType.GATE_REJECTED,
                payload={
                    "gate": o.gate.value,
                    "round": o.round,
                    "district": district,
                    "comment": o.comment,
                    # closed with verification cases still open, listed by the approver
                    **({"open_cases": o.open_cases} if o.open_cases else {}),
                },
                actor=o.decided_by,
                at=o.decided_at,
                idempotency_key=f"{inp.campaign_id}:gate:{o.gate.value}:{o.round}:{district}",
            )
            for district in o.districts
        ]
        with self._ctx.engine.begin() as conn:
            ledger.append(conn, events)

    @activity.defn(name=Activities.RECORD_DEADLINE_MOVE)
    def record_deadline_move(self, inp: RecordDeadlineMove) -> None:
        m = inp.moved
        ledger.record(
            self._ctx.engine,
            inp.campaign_id,
            EventType.DEADLINE_MOVED,
            {
                "phase": m.phase.value,
                "previous": m.previous.isoformat(),
                "to": m.to.isoformat(),
                "reason": m.reason,
            },
            m.user,
            m.at,
            f"{inp.campaign_id}:deadline:{m.phase.value}:{m.at.isoformat()}",
        )

    @activity.defn(name=Activities.RECORD_BUDGET_DECISION)
    def record_budget_decision(self, inp: RecordBudgetDecision) -> None:
        o = inp.outcome
        ledger.record(
            self._ctx.engine,
            inp.campaign_id,
            EventType.BUDGET_APPROVED if o.approved else EventType.BUDGET_REJECTED,
            {"round": o.round, "comment": o.comment, "shortfall": inp.shortfall},
            o.decided_by,
            o.decided_at,
            f"{inp.campaign_id}:budget:{o.round}",
        )
