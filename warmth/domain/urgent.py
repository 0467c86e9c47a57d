"""Urgent cases (临时救助 / 一事一议): who may decide them and what a decision does. Pure.

A case is raised for one person with an amount asked. The district supervisor
(分管领导 of the case's district) approves an amount (> 0, at most the amount asked)
or rejects it. When the approved amount is above the plan's city threshold, a city
supervisor (whose scope covers every district of the campaign) must approve too,
after the district, before anything is paid; the city may lower the amount again.
A rejection at either level ends the case. Nobody decides a case they raised, and
one person never gives both approvals (四眼原则).

The workflow keeps one :class:`UrgentCaseState` per case: ids, amounts and decisions
only, never a name, ID number or phone. Deterministic: safe inside the sandbox.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

UrgentLevel = Literal["district", "city"]
UrgentStatus = Literal["awaiting_district", "awaiting_city", "approved", "paid", "rejected"]

OPEN_STATUSES: tuple[UrgentStatus, ...] = ("awaiting_district", "awaiting_city", "approved")
"""A case in one of these is not settled yet: the campaign does not complete before it is."""


class UrgentApproval(BaseModel):
    """One decision on a case, at one level."""

    model_config = ConfigDict(frozen=True)

    level: UrgentLevel
    user: str
    approve: bool
    amount_fen: int  # approved amount; 0 for a rejection
    comment: str
    at: datetime


class UrgentCaseState(BaseModel):
    """What the campaign workflow keeps about a case (no personal data)."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    district: str
    raised_by: str
    asked_fen: int
    status: UrgentStatus
    approvals: list[UrgentApproval] = []

    @property
    def approved_fen(self) -> int | None:
        """The amount last approved (the one paid), or None before any approval."""
        approved = [a.amount_fen for a in self.approvals if a.approve]
        return approved[-1] if approved else None


class DecisionRefused(ValueError):
    """A decision that may not be taken; ``kind`` names why (the ApplicationError type)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def to_fen(yuan: Decimal) -> int:
    """Yuan to fen; refuses fractions of a fen."""
    fen = yuan * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{yuan} yuan is not a whole number of fen")
    return int(fen)


def case_id(campaign_id: str, person_key: str, request_id: str) -> str:
    """The case's id: the same (campaign, person, request) always names the same case."""
    digest = hashlib.sha256(f"{campaign_id}:{person_key}:{request_id}".encode()).hexdigest()
    return digest[:20]


def default_request_id(category: str, asked_fen: int, reason: str) -> str:
    """A request id from what was asked, so a repeated command opens no second case."""
    text = f"{category}\x1f{asked_fen}\x1f{' '.join(reason.split())}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def needs_city(approved_fen: int, city_threshold_fen: int) -> bool:
    """Whether an amount approved by the district also needs the city's approval."""
    return approved_fen > city_threshold_fen


def level_of(state: UrgentCaseState) -> UrgentLevel | None:
    """The level whose decision the case awaits, or None when it awaits none."""
    if state.status == "awaiting_district":
        return "district"
    if state.status == "awaiting_city":
        return "city"
    return None


def is_repeat(state: UrgentCaseState, user: str, approve: bool) -> bool:
    """``user`` already took this very decision on the case (a repeated command)."""
    return any(a.user == user and a.approve == approve for a in state.approvals)


def check_decision(
    state: UrgentCaseState,
    user: str,
    approve: bool,
    amount_fen: int,
    comment: str,
    *,
    user_scope: str | None,
    covers_district: bool,
    covers_all: bool,
) -> UrgentLevel:
    """The level ``user`` decides the case at, or :class:`DecisionRefused` naming why not.

    ``user_scope`` is the user's scope as a plan supervisor (None: not one);
    ``covers_district`` / ``covers_all`` say whether that scope covers the case's
    district / every district of the campaign.
    """
    level = level_of(state)
    if level is None:
        raise DecisionRefused(
            f"urgent case {state.case_id} awaits no decision (it is {state.status})",
            "CaseNotOpen",
        )
    if user_scope is None:
        raise DecisionRefused(
            f"{user} is not a supervisor of this campaign's plan", "NotAnApprover"
        )
    if user == state.raised_by:
        raise DecisionRefused(
            f"{user} raised urgent case {state.case_id} and may not decide it (no self-approval)",
            "SelfApproval",
        )
    if level == "district" and not covers_district:
        raise DecisionRefused(
            f"urgent case {state.case_id} is in {state.district}, outside {user}'s"
            f" jurisdiction ({user_scope or 'the city'})",
            "OutsideJurisdiction",
        )
    if level == "city":
        if not covers_all:
            raise DecisionRefused(
                f"urgent case {state.case_id} was approved by the district for more than the"
                " city threshold: a city supervisor (scope covering every district) decides it,"
                f" not {user} ({user_scope or 'the city'})",
                "CityApprovalRequired",
            )
        if any(a.user == user for a in state.approvals):
            raise DecisionRefused(
                f"{user} already approved urgent case {state.case_id} at the district level;"
                " another city supervisor gives the second approval",
                "SecondApproverRequired",
            )
    if not comment.strip() and not approve:
        raise DecisionRefused("a rejection needs a comment", "CommentRequired")
    if approve:
        ceiling = state.asked_fen if level == "district" else (state.approved_fen or 0)
        if amount_fen <= 0:
            raise DecisionRefused("the approved amount must be greater than 0", "BadAmount")
        if amount_fen > ceiling:
            what = "asked" if level == "district" else "approved by the district"
            raise DecisionRefused(
                f"the approved amount {amount_fen / 100:.2f} yuan is more than the"
                f" {ceiling / 100:.2f} yuan {what}",
                "BadAmount",
            )
    return level


def apply_decision(
    state: UrgentCaseState,
    level: UrgentLevel,
    user: str,
    approve: bool,
    amount_fen: int,
    comment: str,
    at: datetime,
    city_threshold_fen: int,
) -> UrgentCaseState:
    """The case after a decision already checked by :func:`check_decision`."""
    approval = UrgentApproval(
        level=level,
        user=user,
        approve=approve,
        amount_fen=amount_fen if approve else 0,
        comment=comment,
        at=at,
    )
    status: UrgentStatus
    if not approve:
        status = "rejected"
    elif level == "district" and needs_city(amount_fen, city_threshold_fen):
        status = "awaiting_city"
    else:
        status = "approved"
    return state.model_copy(update={"status": status, "approvals": [*state.approvals, approval]})
