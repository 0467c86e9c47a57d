"""The messages that cross Temporal boundaries: workflow, update, query and activity I/O.

Only ids, counts and decisions travel here; households stay in the store. These
models are passed through the workflow sandbox, so this module must stay pure
(pydantic + stdlib) and never read a clock: callers pass ``workflow.now()`` in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from warmth.domain.budget import SourceTotal
from warmth.domain.phases import Phase
from warmth.domain.urgent import UrgentApproval

Counts = dict[str, int]
"""Named counters, e.g. {"households": 1200, "deliveries": 2400}."""


class _Msg(BaseModel):
    model_config = ConfigDict(frozen=True)


# ---- campaign workflow -----------------------------------------------------------------


class PhaseSchedule(_Msg):
    phase: Phase
    start: datetime
    deadline: datetime
    approvers: list[str]
    reminders: list[timedelta]
    approval_window: timedelta = timedelta(days=3)  # for a gate opening at/after the deadline


class Approver(_Msg):
    id: str
    name: str
    scope: str  # jurisdiction path; "" is the whole city


class UrgentTerms(_Msg):
    """The plan's terms for urgent cases (临时救助), carried in the campaign's input."""

    fund_source: str
    city_threshold_fen: int  # above it the city supervisor approves too
    categories: list[str]  # the categories a case may be raised under


class CampaignInput(_Msg):
    campaign_id: str
    name: str
    scope: str = ""  # the jurisdiction the campaign's gates cover
    districts: list[str]
    phases: list[PhaseSchedule]
    supervisors: list[Approver]
    escalation_interval: timedelta
    first_weekly_dispatch: datetime | None = None  # then every 7 days until the end
    notice_period: timedelta = timedelta(days=7)  # 公示期
    notification_retry: timedelta = timedelta(seconds=30)
    sweep_every: timedelta = timedelta(days=1)  # follow-up sweep: new work found within
    sweep_grid: timedelta = timedelta(hours=1)  # reminder instants rounded up to it
    batch_size: int = 1000
    max_batches_per_run: int | None = Field(
        default=None, description="continue-as-new after this many batches (tests force it)"
    )
    urgent: UrgentTerms | None = None  # None: the plan takes no urgent cases


class GateDecision(_Msg):
    """A supervisor's decision on a phase gate (审批), sent as a workflow update."""

    gate: Phase
    user: str
    approve: bool
    comment: str = ""
    districts: list[str] = Field(
        default_factory=list,
        description="districts decided; empty: every undecided district the user covers",
    )
    accept_open_cases: list[str] = Field(
        default_factory=list,
        description="follow-up gate: open verification cases the approver closes with, listed",
    )


class RosterSubmission(_Msg):
    """A unit's roster file, already checked and staged, offered to the survey (报送)."""

    import_id: str
    unit: str
    user: str
    accepted_rows: int
    districts: list[str] = Field(default_factory=list)  # where its accepted rows are


class SubmissionAck(_Msg):
    import_id: str
    status: str  # accepted (or accepted before)


class SettleImportInput(_Msg):
    campaign_id: str
    import_id: str
    accept: bool
    actor: str


class DeadlineMove(_Msg):
    """An ops user moves a phase's deadline (调整截止时间); reminders follow it."""

    phase: Phase
    to: datetime
    user: str
    reason: str


class DeadlineMoved(_Msg):
    phase: Phase
    previous: datetime
    to: datetime
    user: str
    reason: str
    at: datetime


class RecordDeadlineMove(_Msg):
    campaign_id: str
    moved: DeadlineMoved


class BudgetReport(_Msg):
    sources: list[SourceTotal]

    @property
    def overrun(self) -> list[SourceTotal]:
        return [s for s in self.sources if s.shortfall > 0]


class BudgetDecision(_Msg):
    """The city supervisor's decision on an overrun budget (预算超支审批)."""

    user: str
    approve: bool
    comment: str = ""


class BudgetOutcome(_Msg):
    round: int
    approved: bool
    decided_by: str
    decided_at: datetime
    comment: str


class RecordBudgetDecision(_Msg):
    campaign_id: str
    outcome: BudgetOutcome
    shortfall: dict[str, str]  # source -> yuan short


class Objection(_Msg):
    """An objection (异议) lodged during the public notice: the household is held."""

    person_key: str
    district: str
    user: str
    reason: str


class ObjectionResolution(_Msg):
    person_key: str
    user: str
    uphold: bool  # True: removed from payment; False: released
    resolution: str


class LodgeObjectionInput(_Msg):
    campaign_id: str
    objection: Objection


class ResolveObjectionInput(_Msg):
    campaign_id: str
    resolution: ObjectionResolution


class GateOutcome(_Msg):
    gate: Phase
    round: int
    districts: list[str]
    approved: bool
    decided_by: str
    decided_at: datetime
    comment: str
    open_cases: list[str] = Field(
        default_factory=list, description="verification cases still open when approved (listed)"
    )


class OpenGate(_Msg):
    """A phase gate awaiting decisions, district by district (each by its supervisor)."""

    phase: Phase
    round: int
    approvers: list[str]
    opened_at: datetime
    deadline: datetime
    pending: list[str]  # districts still undecided
    approved: list[str]
    rejected: list[str]
    reminders_sent: int
    escalations_sent: int


PhaseState = Literal[
    "pending",
    "waiting",
    "collecting",
    "budget_review",
    "public_notice",
    "working",
    "awaiting_objections",
    "awaiting_approval",
    "approved",
]


class PhaseStatus(_Msg):
    phase: Phase
    start: datetime
    deadline: datetime
    state: PhaseState
    rounds: int
    totals: Counts
    decisions: list[GateOutcome]


class CampaignProgress(_Msg):
    campaign_id: str
    name: str
    status: Literal["running", "closing", "completed"]  # closing: final report, urgent cases
    phase: Phase | None
    waiting_until: datetime | None
    open_gate: OpenGate | None
    phases: list[PhaseStatus]
    counts: dict[str, Counts]  # district -> counters, latest from each phase
    failed_notifications: int = 0  # notifications whose channel failed after every retry
    budget: BudgetReport | None = None
    budget_gate_open: bool = False
    notice_until: datetime | None = None  # open public-notice window
    objections: dict[str, str] = Field(default_factory=dict)  # person key -> status
    open_verification: dict[str, int] = Field(
        default_factory=dict, description="district -> open verification cases (核实)"
    )
    reports: list[str] = Field(
        default_factory=list, description="directories of the reports written so far"
    )


class SummaryTotals(_Msg):
    """Campaign totals computed from the ledger alone (auditable, recomputable)."""

    households: int
    by_category: Counts
    by_district: Counts
    deliveries: int
    deliveries_by_item: Counts
    amounts_by_source: dict[str, Decimal]
    callbacks: int
    rejected_rows: int
    merged_records: int


class CampaignResult(_Msg):
    campaign_id: str
    summary: SummaryTotals
    final_report: str | None = None  # directory of the final report kept at the end


# ---- phase workflows ----------------------------------------------------------------------


class PhaseCarry(_Msg):
    """What a phase workflow carries across continue-as-new: cursors per district."""

    cursors: dict[str, str | None] = Field(default_factory=dict)
    finished: list[str] = Field(default_factory=list)


class PhaseInput(_Msg):
    campaign_id: str
    phase: Phase
    round: int
    districts: list[str]
    batch_size: int
    rework_comment: str = ""
    carry: PhaseCarry = Field(default_factory=PhaseCarry)
    max_batches_per_run: int | None = None


class PhaseResult(_Msg):
    phase: Phase
    round: int
    counts: dict[str, Counts]  # per district, read back from the store
    totals: Counts
    summary: SummaryTotals | None = None


# ---- activities -----------------------------------------------------------------------------


class BatchInput(_Msg):
    """One batch of one district's households, after ``after`` in person-key order."""

    campaign_id: str
    district: str
    after: str | None
    limit: int
    round: int = 1


class BatchResult(_Msg):
    """The batch's resulting state, read back from the store (not what this attempt did)."""

    next_after: str | None
    households: int
    done: bool


class DistrictInput(_Msg):
    campaign_id: str
    district: str
    phase: Phase


class CampaignRef(_Msg):
    campaign_id: str


class SweepInput(_Msg):
    """A follow-up sweep over ``(since, until]`` (workflow time)."""

    campaign_id: str
    since: datetime
    until: datetime
    # Once mobilization is approved: open the survey's hazards as rectification tasks
    # in these districts first (idempotent; repeated until a sweep reports it done).
    open_survey_hazards: list[str] = Field(default_factory=list)


class SweepResult(_Msg):
    next_at: datetime | None  # the next instant something falls due, if any
    sent: int
    failed: int
    open_verification: dict[str, int]  # district -> open verification cases
    hazards_opened: bool = False  # the survey's hazards are rectification tasks now


class CadreNotices(_Msg):
    """What telling a district's cadres their households did (a count, no names)."""

    cadres: int
    sent: int
    failed: int


class DistrictsAt(_Msg):
    campaign_id: str
    districts: list[str]
    at: datetime
    actor: str = "system"


class ReportRequest(_Msg):
    campaign_id: str
    kind: Literal["progress", "final"]
    week: int = 0  # progress reports: the week number, from 1
    as_of: datetime


class ReportWritten(_Msg):
    directory: str
    files: dict[str, str]  # file name -> sha256


class DecisionRecord(_Msg):
    campaign_id: str
    outcome: GateOutcome


class Notification(_Msg):
    """A message to people (reminder, escalation, notice). Sent at most once per key."""

    campaign_id: str
    kind: str  # template name: gate_opened, gate_reminder, gate_escalation, gate_rejected …
    recipients: list[str]
    data: dict[str, str]
    idempotency_key: str


class NotificationResult(_Msg):
    sent: bool  # False when the key had been sent already
    channel: str


# Activity names are part of the wire contract between workflows and workers.
class Activities:
    SETTLE_IMPORT = "survey.settle_import"
    MISSING_SUBMISSIONS = "survey.missing_submissions"
    REGISTER_HOUSEHOLDS = "survey.register_households"
    ASSIGN_RESPONSIBILITY = "mobilize.assign_responsibility"
    ISSUE_AID = "distribute.issue_aid"
    DRAW_CALLBACKS = "followup.draw_callbacks"
    COUNT_DISTRICT = "progress.count_district"
    SUMMARIZE = "summarize.compute"
    RECORD_DECISION = "ledger.record_decision"
    RECORD_DEADLINE_MOVE = "ledger.record_deadline_move"
    RECORD_BUDGET_DECISION = "ledger.record_budget_decision"
    BUDGET_CHECK = "distribute.budget_check"
    UNCONFIRMED_DELIVERIES = "distribute.unconfirmed_deliveries"
    POST_NOTICE = "distribute.post_notice"
    LODGE_OBJECTION = "distribute.lodge_objection"
    RESOLVE_OBJECTION = "distribute.resolve_objection"
    NOTIFY = "notify.send"
    FOLLOWUP_SWEEP = "followup.sweep"
    NOTIFY_CADRES = "mobilize.notify_cadres"
    OPEN_VERIFICATION = "followup.open_verification"
    WRITE_REPORT = "reports.write"
    OPEN_URGENT_CASE = "urgent.open_case"
    RECORD_URGENT_DECISION = "urgent.record_decision"
    PAY_URGENT_CASE = "urgent.pay"


# ---- urgent cases (临时救助 / 一事一议) --------------------------------------------------------


class UrgentPerson(_Msg):
    """Who the case is for. Passed to the recording activity only, never kept in state."""

    name: str
    id_number: str
    phone: str | None = None


class UrgentCaseRequest(_Msg):
    """Raise an urgent case (update ``open_urgent_case``); ``case_id`` is derived by the client."""

    case_id: str
    person_key: str
    district: str
    street: str
    community: str
    category: str
    asked_fen: int
    reason: str
    user: str
    person: UrgentPerson


class UrgentCaseDecision(_Msg):
    """A supervisor's decision on an urgent case (update ``decide_urgent_case``)."""

    case_id: str
    user: str
    approve: bool
    amount_fen: int = 0  # approved amount; ignored for a rejection
    comment: str = ""


class OpenUrgentCaseInput(_Msg):
    campaign_id: str
    request: UrgentCaseRequest
    at: datetime


class RecordUrgentDecisionInput(_Msg):
    campaign_id: str
    case_id: str
    approval: UrgentApproval
    status: str  # the case's status after the decision


class PayUrgentCaseInput(_Msg):
    campaign_id: str
    case_id: str
    fund_source: str
