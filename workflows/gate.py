"""Gates (审批关口): a supervisor's decision raced against a deadline, with reminders.

Deadlines are absolute instants; every wait recomputes ``deadline - workflow.now()``
so a moved deadline only reschedules. A timeout is an outcome to act on, never an
error: after each one the decision is checked again before reminding or escalating.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import Approver, GateDecision, OpenGate, PhaseSchedule
    from warmth.domain.jurisdiction import CITY_SCOPE, scope_covers


async def decided_by(at: datetime, decided: Callable[[], bool]) -> bool:
    """Wait until ``decided()`` or the instant ``at``; whether a decision came."""
    delay = at - workflow.now()
    if delay.total_seconds() > 0:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(decided, timeout=delay)
    return decided()


def reminder_times(schedule: PhaseSchedule, opened_at: datetime) -> list[datetime]:
    """Reminder instants still ahead when the gate opens, earliest first."""
    times = sorted({schedule.deadline - offset for offset in schedule.reminders})
    return [t for t in times if opened_at < t < schedule.deadline]


def escalation_recipients(supervisors: list[Approver], approvers: list[str]) -> list[str]:
    """Who hears of a missed deadline: city-level supervisors besides the approvers."""
    above = [s.id for s in supervisors if s.scope == CITY_SCOPE and s.id not in approvers]
    return above or list(approvers)


def check_decision(
    decision: GateDecision,
    gate: OpenGate | None,
    supervisors: dict[str, Approver],
    gate_scope: str = CITY_SCOPE,
) -> None:
    """Raise an ApplicationError naming why ``decision`` may not be taken (else nothing)."""
    if gate is None:
        raise ApplicationError(
            f"no gate is open; {decision.gate} cannot be decided now", type="GateNotOpen"
        )
    if gate.phase != decision.gate:
        raise ApplicationError(
            f"the open gate is {gate.phase}, not {decision.gate}", type="GateNotOpen"
        )
    if decision.user not in gate.approvers:
        raise ApplicationError(
            f"{decision.user} is not an approver of the {gate.phase} gate"
            f" (approvers: {', '.join(gate.approvers)})",
            type="NotAnApprover",
        )
    approver = supervisors.get(decision.user)
    if approver is None or not scope_covers(approver.scope, gate_scope):
        raise ApplicationError(
            f"{decision.user}'s jurisdiction does not cover this gate", type="OutsideJurisdiction"
        )
    if not decision.approve and not decision.comment.strip():
        raise ApplicationError("a rejection needs a comment for the rework", type="CommentRequired")


__all__ = [
    "check_decision",
    "decided_by",
    "escalation_recipients",
    "reminder_times",
]
