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
    # CallbackDrawn {district, community, stratum}; household stream,
    #   key {campaign}:{person}:callback-drawn (stratum: the category it was drawn for)
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
    CALLBACK_LIST_EXPORTED = "CallbackListExported"  # callers' lists in full (回访清单)
    STAFF_IMPORTED = "StaffImported"
    STAFF_REGISTERED = "StaffRegistered"
    STAFF_DEACTIVATED = "StaffDeactivated"
    STAFF_REACTIVATED = "StaffReactivated"
    CADRE_ASSIGNED = "CadreAssigned"
    CADRE_UNASSIGNED = "CadreUnassigned"
    CHARITY_PLEDGED = "CharityPledged"
    CHARITY_RECEIVED = "CharityReceived"
    # Follow-up (issue 5). Payload shapes, which the statistics read:
    # CallbackAssigned {caller_id, district, community}; household stream,
    #   key {campaign}:{person}:callback-assigned:{caller_id}
    CALLBACK_ASSIGNED = "CallbackAssigned"
    # CallbackAttempted {day, result, note?, district, community}; household stream,
    #   key {campaign}:{person}:callback:{day}:{result}
    CALLBACK_ATTEMPTED = "CallbackAttempted"
    # CallbackConcluded {outcome: reached|unreachable|not_received|complaint, district,
    #   community}; key {campaign}:{person}:callback-concluded
    CALLBACK_CONCLUDED = "CallbackConcluded"
    # CallbacksImported {file, file_name, rows, recorded, rejected_rows}; campaign stream,
    #   key {campaign}:callback-file:{file sha256[:16]} — a results file; its time dates
    #   the rows without a date, so importing the file again records nothing new
    CALLBACKS_IMPORTED = "CallbacksImported"
    # VerificationCaseOpened {case_id, reason, district, street, community, deadline};
    #   household stream, key {campaign}:verification:{case_id}:opened
    VERIFICATION_OPENED = "VerificationCaseOpened"
    # VerificationCaseResolved {case_id, district, finding}; key …:{case_id}:resolved
    VERIFICATION_RESOLVED = "VerificationCaseResolved"
    # HazardRecorded {task_id, hazard, source: survey|visit, district, street, community,
    #   cadre_id, deadline}; key {campaign}:hazard:{task_id}:recorded
    HAZARD_RECORDED = "HazardRecorded"
    # HazardFixed {task_id, hazard, district, community, note}; key …:{task_id}:fixed
    HAZARD_FIXED = "HazardFixed"
    # UrgentCaseOpened {case_id, category, asked_fen, district, street, community};
    #   key {campaign}:urgent:{case_id}:opened
    URGENT_OPENED = "UrgentCaseOpened"
    # UrgentCaseDecided {case_id, level: district|city, approve, amount_fen, comment};
    #   key {campaign}:urgent:{case_id}:{level}
    URGENT_DECIDED = "UrgentCaseDecided"
    # UrgentAidIssued {case_id, fund_source, amount_fen, district, community};
    #   key {campaign}:urgent:{case_id}:issued — the exactly-once payment
    URGENT_ISSUED = "UrgentAidIssued"
    # ReportWritten {kind: progress|final, week?, files: {name: sha256}}; campaign stream
    REPORT_WRITTEN = "ReportWritten"


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
