"""Gates (审批关口): supervisors' decisions raced against a deadline, with reminders.

A gate is decided district by district: a district supervisor decides their own
district, a city supervisor any or all of them. Deadlines are absolute instants;
every wait recomputes ``deadline - workflow.now()`` so a moved deadline only
reschedules. A timeout is an outcome to act on, never an error: after each one the
decisions are checked again before reminding or escalating.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from warmth.auth.claims import verified_claims
    from warmth.auth.rules import allowed
    from warmth.contracts import Approver, GateDecision, OpenGate, PhaseSchedule
    from warmth.domain.jurisdiction import scope_covers


async def decided_by(at: datetime, decided: Callable[[], bool]) -> bool:
    """Wait until ``decided()`` or the instant ``at``; whether it was decided."""
    delay = at - workflow.now()
    if delay.total_seconds() > 0:
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(decided, timeout=delay)
    return decided()


def gate_deadline(schedule: PhaseSchedule, opened_at: datetime) -> datetime:
    """The phase deadline, or — for a gate opening at or after it — the approval window."""
    if opened_at < schedule.deadline:
        return schedule.deadline
    return opened_at + schedule.approval_window


def outstanding_approvers(gate: OpenGate, supervisors: dict[str, Approver]) -> list[str]:
    """Approvers who still have an undecided district in their jurisdiction."""
    return [
        a
        for a in gate.approvers
        if a in supervisors and any(scope_covers(supervisors[a].scope, d) for d in gate.pending)
    ]


def escalation_recipients(
    supervisors: list[Approver], pending: list[str], fallback: list[str]
) -> list[str]:
    """Who hears of a missed deadline: the supervisors one level above the late districts.

    When no one is above (a single-district campaign), ``fallback`` (the late
    approvers) are told again.
    """
    above = [
        s.id for s in supervisors if any(scope_covers(s.scope, d) and s.scope != d for d in pending)
    ]
    return above or list(fallback)


def targets(
    decision: GateDecision,
    gate: OpenGate | None,
    supervisors: dict[str, Approver],
) -> list[str]:
    """The districts ``decision`` decides, or an ApplicationError naming why it may not."""
    if gate is None:
        raise ApplicationError(
            f"no gate is open; {decision.gate} cannot be decided now", type="GateNotOpen"
        )
    if gate.phase != decision.gate:
        raise ApplicationError(
            f"the open gate is {gate.phase}, not {decision.gate}", type="GateNotOpen"
        )
    if decision.user not in gate.approvers or decision.user not in supervisors:
        raise ApplicationError(
            f"{decision.user} is not an approver of the {gate.phase} gate"
            f" (approvers: {', '.join(gate.approvers)})",
            type="NotAnApprover",
        )
    scope = supervisors[decision.user].scope
    if not decision.approve and not decision.comment.strip():
        raise ApplicationError("a rejection needs a comment for the rework", type="CommentRequired")
    if decision.districts:
        for d in decision.districts:
            if not scope_covers(scope, d):
                raise ApplicationError(
                    f"{d} is outside {decision.user}'s jurisdiction ({scope or 'the city'})",
                    type="OutsideJurisdiction",
                )
            if d not in gate.pending:
                raise ApplicationError(
                    f"{d} is not awaiting a decision at the {gate.phase} gate", type="GateNotOpen"
                )
        return list(dict.fromkeys(decision.districts))
    mine = [d for d in gate.pending if scope_covers(scope, d)]
    if not mine:
        raise ApplicationError(
            f"no district in {decision.user}'s jurisdiction awaits a decision at the"
            f" {gate.phase} gate",
            type="OutsideJurisdiction",
        )
    return mine


def require_identity(user: str, action: str, scopes: list[str]) -> None:
    """The signed claims verified for this update must name ``user`` and allow ``action``.

    Called from update validators only: the claims are checked when a request arrives;
    replaying an accepted update does not check them again.
    """
    claims = verified_claims()
    if claims is None:
        raise ApplicationError("the request carries no verified identity", type="Unauthenticated")
    if claims.user_id != user:
        raise ApplicationError(
            f"signed in as {claims.user_id}, but the request names {user}", type="IdentityMismatch"
        )
    for scope in scopes:
        if not allowed(claims, action, scope):
            raise ApplicationError(
                f"{user} ({', '.join(claims.roles) or 'no role'}, {claims.scope or 'city'})"
                f" may not {action} for {scope or 'the whole city'}",
                type="Forbidden",
            )
