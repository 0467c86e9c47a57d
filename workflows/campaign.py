"""The campaign workflow: five phases in order, each ending at a supervisors' gate.

One workflow per campaign (id ``campaign:<id>``). Each phase runs as a child workflow
that fans out per district; the campaign then opens the phase's gate and waits for
every district to be decided (Temporal updates) while reminding before the
deadline and escalating after it. Districts sent back are reworked in another
round with the supervisor's comment; the approved ones keep what they have.
The history stays small (tens of events per phase round), so no continue-as-new
here; the phase children continue-as-new when their batch loops grow long.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import (
        Activities,
        CampaignInput,
        CampaignProgress,
        CampaignRef,
        CampaignResult,
        Counts,
        DecisionRecord,
        GateDecision,
        GateOutcome,
        Notification,
        NotificationResult,
        OpenGate,
        PhaseInput,
        PhaseResult,
        PhaseSchedule,
        PhaseState,
        PhaseStatus,
        RosterSubmission,
        SettleImportInput,
        SubmissionAck,
        SummaryTotals,
    )
    from warmth.domain.jurisdiction import scope_covers
    from warmth.domain.phases import Phase

from workflows.gate import (
    decided_by,
    escalation_recipients,
    gate_deadline,
    outstanding_approvers,
    reminder_times,
    targets,
)
from workflows.options import NOTIFY, QUICK

# Workflow type names of the phase children (see each phase module's @workflow.defn).
PHASE_WORKFLOWS = {
    Phase.SURVEY: "SurveyPhase",
    Phase.MOBILIZE: "MobilizePhase",
    Phase.DISTRIBUTE: "DistributePhase",
    Phase.FOLLOWUP: "FollowupPhase",
    Phase.SUMMARIZE: "SummarizePhase",
}


@workflow.defn(name="Campaign")
class CampaignWorkflow:
    @workflow.init
    def __init__(self, inp: CampaignInput) -> None:
        self._inp = inp
        self._supervisors = {s.id: s for s in inp.supervisors}
        self._state: dict[Phase, PhaseState] = {s.phase: "pending" for s in inp.phases}
        self._rounds: dict[Phase, int] = {s.phase: 0 for s in inp.phases}
        self._totals: dict[Phase, Counts] = {s.phase: {} for s in inp.phases}
        self._decisions: dict[Phase, list[GateOutcome]] = {s.phase: [] for s in inp.phases}
        self._counts: dict[str, Counts] = {d: {} for d in inp.districts}
        self._current: Phase | None = None
        self._waiting_until: datetime | None = None
        self._gate: OpenGate | None = None
        self._summary: SummaryTotals | None = None
        self._reopened: list[str] = []  # districts sent back at the survey gate
        self._completed = False

    @workflow.run
    async def run(self, inp: CampaignInput) -> CampaignResult:
        for schedule in inp.phases:
            phase = schedule.phase
            self._current = phase
            await self._wait_for_start(schedule)
            if phase == Phase.SURVEY:
                await self._collect_rosters(schedule)
            todo, comment = list(inp.districts), ""
            while todo:
                self._rounds[phase] += 1
                self._state[phase] = "working"
                result = await self._run_phase(schedule, self._rounds[phase], todo, comment)
                self._absorb(result)
                self._state[phase] = "awaiting_approval"
                gate = await self._gate_decisions(schedule, self._rounds[phase], todo)
                todo = gate.rejected
                comment = "; ".join(
                    f"{d.decided_by}: {d.comment}"
                    for d in self._decisions[phase]
                    if d.round == gate.round and not d.approved
                )
                if phase == Phase.SURVEY and todo:
                    await self._reopen_survey(schedule, todo)
            self._state[phase] = "approved"
        self._current = None
        self._completed = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        assert self._summary is not None  # the summarize phase always produces it
        return CampaignResult(campaign_id=inp.campaign_id, summary=self._summary)

    # ---- handlers --------------------------------------------------------------------------

    @workflow.update(name="decide_gate")
    async def decide_gate(self, decision: GateDecision) -> GateOutcome:
        # Two updates validated in one activation can both pass the validator: re-check.
        districts = targets(decision, self._gate, self._supervisors)
        gate = self._gate
        assert gate is not None
        outcome = GateOutcome(
            gate=decision.gate,
            round=gate.round,
            districts=districts,
            approved=decision.approve,
            decided_by=decision.user,
            decided_at=workflow.now(),
            comment=decision.comment,
        )
        self._decisions[gate.phase].append(outcome)
        pending = [d for d in gate.pending if d not in districts]
        if decision.approve:
            self._gate = gate.model_copy(
                update={"pending": pending, "approved": gate.approved + districts}
            )
        else:
            self._gate = gate.model_copy(
                update={"pending": pending, "rejected": gate.rejected + districts}
            )
        await workflow.execute_activity(
            Activities.RECORD_DECISION,
            DecisionRecord(campaign_id=self._inp.campaign_id, outcome=outcome),
            **QUICK,
        )
        return outcome

    @decide_gate.validator
    def _validate_decision(self, decision: GateDecision) -> None:
        targets(decision, self._gate, self._supervisors)

    @workflow.update(name="submit_roster")
    async def submit_roster(self, submission: RosterSubmission) -> SubmissionAck:
        """A unit's staged roster file joins the survey; refused once the survey closed."""
        self._check_survey_open(submission)
        status: str = await workflow.execute_activity(
            Activities.SETTLE_IMPORT,
            SettleImportInput(
                campaign_id=self._inp.campaign_id,
                import_id=submission.import_id,
                accept=True,
                actor=submission.user,
            ),
            result_type=str,
            **QUICK,
        )
        totals = self._totals[Phase.SURVEY]
        self._totals[Phase.SURVEY] = {
            "imports": totals.get("imports", 0) + 1,
            "submitted_rows": totals.get("submitted_rows", 0) + submission.accepted_rows,
        }
        return SubmissionAck(import_id=submission.import_id, status=status)

    @submit_roster.validator
    def _check_survey_open(self, submission: RosterSubmission) -> None:
        survey = next(s for s in self._inp.phases if s.phase == Phase.SURVEY)
        if self._state[Phase.SURVEY] not in ("pending", "waiting", "collecting"):
            raise ApplicationError(
                f"the survey closed at {survey.deadline.isoformat(timespec='minutes')};"
                f" {submission.unit}'s roster was not accepted",
                type="SurveyClosed",
            )
        outside = [d for d in submission.districts if self._reopened and d not in self._reopened]
        if outside:
            raise ApplicationError(
                f"only {'、'.join(self._reopened)} reopened for corrections;"
                f" {submission.unit}'s roster has rows in {'、'.join(outside)}",
                type="SurveyClosed",
            )

    @workflow.query(name="progress")
    def progress(self) -> CampaignProgress:
        return CampaignProgress(
            campaign_id=self._inp.campaign_id,
            name=self._inp.name,
            status="completed" if self._completed else "running",
            phase=self._current,
            waiting_until=self._waiting_until,
            open_gate=self._gate if self._gate is not None and self._gate.pending else None,
            phases=[
                PhaseStatus(
                    phase=s.phase,
                    start=s.start,
                    deadline=s.deadline,
                    state=self._state[s.phase],
                    rounds=self._rounds[s.phase],
                    totals=self._totals[s.phase],
                    decisions=self._decisions[s.phase],
                )
                for s in self._inp.phases
            ],
            counts=self._counts,
        )

    # ---- steps ---------------------------------------------------------------------------------

    async def _wait_for_start(self, schedule: PhaseSchedule) -> None:
        if schedule.start > workflow.now():
            self._state[schedule.phase] = "waiting"
            await self._sleep_until(schedule.start)

    async def _sleep_until(self, at: datetime) -> None:
        if at > workflow.now():
            self._waiting_until = at
            await workflow.sleep(at - workflow.now())
            self._waiting_until = None

    async def _collect_rosters(self, schedule: PhaseSchedule) -> None:
        """Units submit rosters until the survey deadline; those missing are reminded."""
        inp = self._inp
        self._state[Phase.SURVEY] = "collecting"
        reminders = reminder_times(schedule.deadline, schedule.reminders, workflow.now())
        for i, at in enumerate(reminders):
            await self._sleep_until(at)
            missing = await workflow.execute_activity(
                Activities.MISSING_SUBMISSIONS,
                CampaignRef(campaign_id=inp.campaign_id),
                result_type=dict[str, list[str]],
                **QUICK,
            )
            if missing:
                recipients = [
                    a
                    for a in schedule.approvers
                    if a in self._supervisors
                    and any(scope_covers(self._supervisors[a].scope, d) for d in missing)
                ]
                await self._notify(
                    "submission_reminder",
                    recipients,
                    f"{inp.campaign_id}:survey:submissions:{i}",
                    schedule,
                    missing="；".join(f"{d}：{'、'.join(c)}" for d, c in missing.items()),
                )
        await self._sleep_until(schedule.deadline)
        # Close before registering: submissions validated earlier finish first.
        self._state[Phase.SURVEY] = "working"
        await workflow.wait_condition(workflow.all_handlers_finished)

    async def _reopen_survey(self, schedule: PhaseSchedule, districts: list[str]) -> None:
        """Districts sent back take corrected rosters for the approval window, then re-register.

        What was accepted before stays: corrections add to it.
        """
        self._reopened = list(districts)
        self._state[Phase.SURVEY] = "collecting"
        await self._sleep_until(workflow.now() + schedule.approval_window)
        self._state[Phase.SURVEY] = "working"
        await workflow.wait_condition(workflow.all_handlers_finished)
        self._reopened = []

    async def _run_phase(
        self, schedule: PhaseSchedule, round_: int, districts: list[str], comment: str
    ) -> PhaseResult:
        inp = self._inp
        result: PhaseResult = await workflow.execute_child_workflow(
            PHASE_WORKFLOWS[schedule.phase],
            PhaseInput(
                campaign_id=inp.campaign_id,
                phase=schedule.phase,
                round=round_,
                districts=districts,
                batch_size=inp.batch_size,
                rework_comment=comment,
                max_batches_per_run=inp.max_batches_per_run,
            ),
            id=f"campaign:{inp.campaign_id}:{schedule.phase.value}:{round_}",
            result_type=PhaseResult,
        )
        return result

    def _absorb(self, result: PhaseResult) -> None:
        totals: Counts = {}
        for district, counts in result.counts.items():
            self._counts[district] = counts
        for counts in self._counts.values():
            for name, value in counts.items():
                totals[name] = totals.get(name, 0) + value
        self._totals[result.phase] = {**self._totals[result.phase], **totals}
        if result.summary is not None:
            self._summary = result.summary

    async def _gate_decisions(
        self, schedule: PhaseSchedule, round_: int, districts: list[str]
    ) -> OpenGate:
        """Open the gate for ``districts`` and wait until each is decided; the closed gate."""
        opened_at = workflow.now()
        deadline = gate_deadline(schedule, opened_at)
        self._gate = OpenGate(
            phase=schedule.phase,
            round=round_,
            approvers=schedule.approvers,
            opened_at=opened_at,
            deadline=deadline,
            pending=list(districts),
            approved=[],
            rejected=[],
            reminders_sent=0,
            escalations_sent=0,
        )
        key = f"{self._inp.campaign_id}:{schedule.phase.value}:{round_}"
        await self._notify("gate_opened", self._outstanding(), f"{key}:opened", schedule)

        def decided() -> bool:
            return self._gate is not None and not self._gate.pending

        for i, at in enumerate(reminder_times(deadline, schedule.reminders, opened_at)):
            if await decided_by(at, decided):
                break
            await self._notify(
                "gate_reminder", self._outstanding(), f"{key}:reminder:{i}", schedule
            )
            self._gate = self._gate.model_copy(update={"reminders_sent": i + 1})
        at = deadline
        while not await decided_by(at, decided):
            n = self._gate.escalations_sent + 1
            recipients = escalation_recipients(
                self._inp.supervisors, self._gate.pending, self._outstanding()
            )
            await self._notify("gate_escalation", recipients, f"{key}:escalation:{n}", schedule)
            self._gate = self._gate.model_copy(update={"escalations_sent": n})
            at = workflow.now() + self._inp.escalation_interval
        # Decisions are recorded by their update handlers; let them finish first.
        await workflow.wait_condition(workflow.all_handlers_finished)
        gate, self._gate = self._gate, None
        if gate.rejected:
            await self._notify(
                "gate_rejected",
                [s.id for s in self._inp.supervisors],
                f"{key}:rejected",
                schedule,
                districts="、".join(gate.rejected),
            )
        return gate

    def _outstanding(self) -> list[str]:
        assert self._gate is not None
        return outstanding_approvers(self._gate, self._supervisors)

    async def _notify(
        self,
        kind: str,
        recipients: list[str],
        key: str,
        schedule: PhaseSchedule,
        **extra: str,
    ) -> None:
        """Send a notification; a failing channel is logged and never fails the campaign."""
        note = Notification(
            campaign_id=self._inp.campaign_id,
            kind=kind,
            recipients=recipients,
            data={
                "campaign": self._inp.name,
                "phase": schedule.phase.label_zh,
                "deadline": schedule.deadline.isoformat(timespec="minutes"),
                **extra,
            },
            idempotency_key=key,
        )
        try:
            await workflow.execute_activity(
                Activities.NOTIFY, note, result_type=NotificationResult, **NOTIFY
            )
        except ActivityError:
            workflow.logger.warning("notification failed", extra={"kind": kind, "key": key})
