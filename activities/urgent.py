"""Urgent cases (临时救助): recording what the campaign workflow decided, and the payment."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.context import ActivityContext, utcnow
from warmth.contracts import (
    Activities,
    OpenUrgentCaseInput,
    PayUrgentCaseInput,
    RecordUrgentDecisionInput,
)
from warmth.domain.errors import Rejected
from warmth.store import urgent


class UrgentActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name=Activities.OPEN_URGENT_CASE)
    def open_case(self, inp: OpenUrgentCaseInput) -> str:
        r = inp.request
        case = urgent.NewCase(
            case_id=r.case_id,
            person_key=r.person_key,
            name=r.person.name,
            id_number=r.person.id_number,
            phone=r.person.phone,
            district=r.district,
            street=r.street,
            community=r.community,
            category=r.category,
            asked_fen=r.asked_fen,
            reason=r.reason,
            raised_by=r.user,
        )
        return urgent.open_case(self._ctx.engine, inp.campaign_id, case, inp.at)

    @activity.defn(name=Activities.RECORD_URGENT_DECISION)
    def record_decision(self, inp: RecordUrgentDecisionInput) -> str:
        a = inp.approval
        return urgent.record_decision(
            self._ctx.engine,
            inp.campaign_id,
            inp.case_id,
            level=a.level,
            approve=a.approve,
            amount_fen=a.amount_fen,
            comment=a.comment,
            by=a.user,
            at=a.at,
            status_after=inp.status,
        )

    @activity.defn(name=Activities.PAY_URGENT_CASE)
    def pay(self, inp: PayUrgentCaseInput) -> str:
        """``UrgentAidIssued`` once per case, however often this runs."""
        try:
            return urgent.pay_case(
                self._ctx.engine, inp.campaign_id, inp.case_id, inp.fund_source, utcnow()
            )
        except Rejected as exc:
            raise ApplicationError(str(exc), type="Rejected", non_retryable=True) from None
