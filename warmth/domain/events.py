"""Ledger events (台账事件): past-tense facts with who, when and an idempotency key.

The idempotency key names the fact itself — (campaign, person, item) for an aid
issue — never the attempt, so a retried activity or a repeated command that states
the same fact again is recognised and recorded once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class EventType:
    CAMPAIGN_CREATED = "CampaignCreated"
    ROSTER_CHECKED = "RosterChecked"
    ROSTER_ACCEPTED = "RosterAccepted"
    ROSTER_REFUSED = "RosterRefused"
    ROSTER_COMPARED = "RosterCompared"
    HOUSEHOLD_REGISTERED = "HouseholdRegistered"
    HOUSEHOLD_MERGED = "HouseholdMerged"
    RESPONSIBILITY_ASSIGNED = "ResponsibilityAssigned"
    AID_ISSUED = "AidIssued"
    CALLBACK_DRAWN = "CallbackDrawn"
    GATE_APPROVED = "GateApproved"
    GATE_REJECTED = "GateRejected"
    DEADLINE_MOVED = "DeadlineMoved"
    ACCESS_REFUSED = "AccessRefused"
    BUDGET_CHECKED = "BudgetChecked"
    BUDGET_APPROVED = "BudgetApproved"
    BUDGET_REJECTED = "BudgetRejected"
    NOTICE_POSTED = "PublicNoticePosted"
    OBJECTION_LODGED = "ObjectionLodged"
    OBJECTION_UPHELD = "ObjectionUpheld"
    OBJECTION_DISMISSED = "ObjectionDismissed"
    SUMMARY_COMPUTED = "SummaryComputed"
    DELIVERY_CONFIRMED = "DeliveryConfirmed"
    BANK_FILES_WRITTEN = "BankFilesWritten"
    STAFF_IMPORTED = "StaffImported"
    STAFF_REGISTERED = "StaffRegistered"
    STAFF_DEACTIVATED = "StaffDeactivated"
    STAFF_REACTIVATED = "StaffReactivated"
    CADRE_ASSIGNED = "CadreAssigned"
    CADRE_UNASSIGNED = "CadreUnassigned"
    CHARITY_PLEDGED = "CharityPledged"
    CHARITY_RECEIVED = "CharityReceived"


class LedgerEvent(BaseModel):
    """One fact to append. ``stream`` groups the facts about one thing (a household)."""

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    stream: str
    type: str
    payload: dict[str, Any]
    actor: str
    at: datetime
    idempotency_key: str


def campaign_stream(campaign_id: str) -> str:
    return f"campaign:{campaign_id}"


def household_stream(campaign_id: str, person_key: str) -> str:
    return f"household:{campaign_id}:{person_key}"
