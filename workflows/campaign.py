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

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from warmth.contracts import (
        Activities,
        BudgetDecision,
        BudgetOutcome,
        CampaignInput,
        CampaignProgress,
        CampaignRef,
        CampaignResult,
        Counts,
        DeadlineMove,
        DeadlineMoved,
        DecisionRecord,
        GateDecision,
        GateOutcome,
        Notification,
        NotificationResult,
        Objection,
        ObjectionResolution,
        OpenGate,
        PhaseInput,
        PhaseResult,
        PhaseSchedule,
        PhaseState,
        PhaseStatus,
        RecordDeadlineMove,
        RosterSubmission,
        SettleImportInput,
        SubmissionAck,
        SummaryTotals,
        UrgentCaseDecision,
        UrgentCaseRequest,
    )
    from warmth.domain.jurisdiction import scope_covers
    from warmth.domain.phases import Phase
    from warmth.domain.urgent import UrgentCaseState

from workflows.followup_gate import open_cases_allowed
from workflows.followup_work import FOLLOWUP_WORK, FollowupWork
from workflows.gate import (
    decided_by,
    escalation_recipients,
    gate_deadline,
    outstanding_approvers,
    require_identity,
    targets,
)
from workflows.mobilize import CADRE_NOTICES, notify_cadres
from workflows.options import QUICK, notify_options
from workflows.payment_gate import PaymentGate
from workflows.urgent import UrgentCases

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
        self._schedules: dict[Phase, PhaseSchedule] = {s.phase: s for s in inp.phases}
        self._moves = 0  # bumped by every deadline move: waits recompute their instants
        self._failed_notifications = 0
        self._payment = PaymentGate(inp)  # budget gate, public notice, objections
        self._closing = False  # all phases done: the final report and urgent cases remain
        self._completed = False
        self._followup = FollowupWork(inp)  # reminder sweep, hazards, reports
        self._final_report: str | None = None
        self._urgent = UrgentCases(inp)  # urgent cases (临时救助), see workflows/urgent.py
        self._cadre_notices: asyncio.Task[None] | None = None  # after the mobilize gate

    @workflow.run
    async def run(self, inp: CampaignInput) -> CampaignResult:
        weekly = asyncio.create_task(self._weekly_dispatch())
        sweep = (
            asyncio.create_task(self._followup.sweeps(lambda: self._completed))
            if workflow.patched(FOLLOWUP_WORK)
            else None
        )
        try:
            return await self._run_phases(inp)
        finally:
            weekly.cancel()
            if sweep is not None:
                sweep.cancel()

    async def _run_phases(self, inp: CampaignInput) -> CampaignResult:
        for phase in self._schedules:
            schedule = self._schedules[phase]
            self._current = phase
            await self._wait_for_start(schedule)
            if phase == Phase.SURVEY:
                await self._collect_rosters(schedule)
            if phase == Phase.DISTRIBUTE:
                self._state[phase] = "budget_review"
                await self._payment.budget_gate(schedule, self._notify, self._sleep_until)
                self._state[phase] = "public_notice"
                await self._payment.public_notice(self._sleep_until)
            todo, comment = list(inp.districts), ""
            while todo:
                self._rounds[phase] += 1
                self._state[phase] = "working"
                result = await self._run_phase(schedule, self._rounds[phase], todo, comment)
                if phase == Phase.DISTRIBUTE and self._payment.objections:
                    # Held households wait for their objections; the released get paid.
                    self._state[phase] = "awaiting_objections"
                    await workflow.wait_condition(
                        lambda: (
                            self._payment.objections_settled() and workflow.all_handlers_finished()
                        )
                    )
                    self._state[phase] = "working"
                    if self._payment.any_released():
                        result = await self._run_phase(
                            schedule, self._rounds[phase], todo, comment, tag="released"
                        )
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
            if phase == Phase.MOBILIZE and workflow.patched(FOLLOWUP_WORK):
                self._followup.open_survey_hazards()
                if workflow.patched(CADRE_NOTICES):
                    self._cadre_notices = asyncio.create_task(self._tell_cadres())
        self._current = None
        self._closing = True
        # Urgent cases still open are decided (and paid) before the campaign closes.
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and self._urgent.settled()
        )
        if self._cadre_notices is not None:
            await self._cadre_notices
        if workflow.patched(FOLLOWUP_WORK):  # kept last: it includes every urgent payment
            self._final_report = await self._followup.write_report("final")
        assert self._summary is not None  # the summarize phase always produces it
        self._completed = True
        return CampaignResult(
            campaign_id=inp.campaign_id, summary=self._summary, final_report=self._final_report
        )

    async def _tell_cadres(self) -> None:
        self._failed_notifications += await notify_cadres(self._inp)

    # ---- handlers --------------------------------------------------------------------------

    @workflow.update(name="decide_gate")
    async def decide_gate(self, decision: GateDecision) -> GateOutcome:
        # Two updates validated in one activation can both pass the validator: re-check.
        districts = targets(decision, self._gate, self._supervisors)
        open_cases: list[str] = []
        if decision.gate == Phase.FOLLOWUP and decision.approve and workflow.patched(FOLLOWUP_WORK):
            found = await open_cases_allowed(self._inp.campaign_id, districts, decision)
            districts = targets(decision, self._gate, self._supervisors)  # after the await
            open_cases = sorted(c for d in districts for c in found.get(d, []))
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
            open_cases=open_cases,
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
        districts = targets(decision, self._gate, self._supervisors)
        require_identity(decision.user, "approve", districts)

    @workflow.update(name="move_deadline")
    async def move_deadline(self, move: DeadlineMove) -> DeadlineMoved:
        """Move a phase's deadline; every wait on it (reminders, escalations) reschedules."""
        self._check_move(move)
        schedule = self._schedules[move.phase]
        moved = DeadlineMoved(
            phase=move.phase,
            previous=schedule.deadline,
            to=move.to,
            user=move.user,
            reason=move.reason,
            at=workflow.now(),
        )
        self._schedules[move.phase] = schedule.model_copy(update={"deadline": move.to})
        if self._gate is not None and self._gate.phase == move.phase:
            self._gate = self._gate.model_copy(update={"deadline": move.to})
        self._moves += 1
        await workflow.execute_activity(
            Activities.RECORD_DEADLINE_MOVE,
            RecordDeadlineMove(campaign_id=self._inp.campaign_id, moved=moved),
            **QUICK,
        )
        return moved

    @move_deadline.validator
    def _validate_move(self, move: DeadlineMove) -> None:
        self._check_move(move)
        require_identity(move.user, "change", [self._inp.scope])

    def _check_move(self, move: DeadlineMove) -> None:
        if self._state[move.phase] == "approved":
            raise ApplicationError(f"the {move.phase} phase is already closed", type="PhaseClosed")
        sup = self._supervisors.get(move.user)
        if sup is None or not scope_covers(sup.scope, self._inp.scope):
            raise ApplicationError(
                f"{move.user} may not move the campaign's deadlines", type="NotAllowed"
            )
        if not move.reason.strip():
            raise ApplicationError("moving a deadline needs a reason", type="ReasonRequired")
        if move.to <= workflow.now():
            raise ApplicationError(
                f"the new deadline {move.to.isoformat(timespec='minutes')} has already passed",
                type="DeadlineInPast",
            )

    @workflow.update(name="decide_budget")
    async def decide_budget(self, decision: BudgetDecision) -> BudgetOutcome:
        """The city supervisor lets an overrun budget be paid (or sends it back)."""
        return await self._payment.decide_budget(decision)

    @decide_budget.validator
    def _validate_budget(self, decision: BudgetDecision) -> None:
        self._payment.validate_budget(decision)

    @workflow.update(name="lodge_objection")
    async def lodge_objection(self, objection: Objection) -> str:
        """An objection (异议) during the public notice holds the named household."""
        return await self._payment.lodge_objection(objection)

    @lodge_objection.validator
    def _validate_objection(self, objection: Objection) -> None:
        self._payment.validate_objection(objection)

    @workflow.update(name="resolve_objection")
    async def resolve_objection(self, resolution: ObjectionResolution) -> str:
        """The district supervisor upholds (removed) or dismisses (released) an objection."""
        return await self._payment.resolve_objection(resolution)

    @resolve_objection.validator
    def _validate_resolution(self, resolution: ObjectionResolution) -> None:
        self._payment.validate_resolution(resolution)

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
    def _validate_submission(self, submission: RosterSubmission) -> None:
        self._check_survey_open(submission)
        require_identity(submission.user, "import", submission.districts or [self._inp.scope])

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

    @workflow.signal(name="work_recorded")
    def work_recorded(self) -> None:
        """Follow-up work (a case, a hazard) was recorded: sweep for reminders now."""
        self._followup.work_recorded()

    @workflow.update(name="open_urgent_case")
    async def open_urgent_case(self, request: UrgentCaseRequest) -> UrgentCaseState:
        """Raise an urgent case (临时救助); a repeated request returns the same case."""
        return await self._urgent.raise_case(request, self._closing)

    @open_urgent_case.validator
    def _validate_urgent_case(self, request: UrgentCaseRequest) -> None:
        self._urgent.validate_open(request, self._closing)

    @workflow.update(name="decide_urgent_case")
    async def decide_urgent_case(self, decision: UrgentCaseDecision) -> UrgentCaseState:
        """Approve or reject an urgent case (district, then city above the threshold); pays."""
        return await self._urgent.decide(decision)

    @decide_urgent_case.validator
    def _validate_urgent_decision(self, decision: UrgentCaseDecision) -> None:
        self._urgent.validate_decision(decision)

    @workflow.query(name="urgent_cases")
    def urgent_cases(self) -> list[UrgentCaseState]:
        return self._urgent.states()

    @workflow.query(name="progress")
    def progress(self) -> CampaignProgress:
        return CampaignProgress(
            campaign_id=self._inp.campaign_id,
            name=self._inp.name,
            status=("completed" if self._completed else "closing" if self._closing else "running"),
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
                for s in self._schedules.values()
            ],
            counts=self._counts,
            failed_notifications=self._failed_notifications + self._followup.failed,
            budget=self._payment.budget,
            budget_gate_open=self._payment.budget_gate_open,
            notice_until=self._payment.notice_until,
            objections=dict(self._payment.objections),
            open_verification=dict(self._followup.open_verification),
            reports=list(self._followup.reports),
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

        async def remind(offset: timedelta, deadline: datetime) -> None:
            missing = await workflow.execute_activity(
                Activities.MISSING_SUBMISSIONS,
                CampaignRef(campaign_id=inp.campaign_id),
                result_type=dict[str, list[str]],
                **QUICK,
            )
            if missing:
                sched = self._schedules[Phase.SURVEY]
                recipients = [
                    a
                    for a in sched.approvers
                    if a in self._supervisors
                    and any(scope_covers(self._supervisors[a].scope, d) for d in missing)
                ]
                await self._notify(
                    "submission_reminder",
                    recipients,
                    f"{inp.campaign_id}:survey:submissions:{deadline.isoformat()}:{offset}",
                    sched,
                    missing="；".join(f"{d}：{'、'.join(c)}" for d, c in missing.items()),
                )

        await self._remind_until(
            lambda: self._schedules[Phase.SURVEY].deadline,
            schedule.reminders,
            workflow.now(),
            lambda: False,
            remind,
        )
        # Close before registering: submissions validated earlier finish first.
        self._state[Phase.SURVEY] = "working"
        await workflow.wait_condition(workflow.all_handlers_finished)

    async def _remind_until(
        self,
        deadline_of: Callable[[], datetime],
        offsets: list[timedelta],
        since: datetime,
        stop: Callable[[], bool],
        remind: Callable[[timedelta, datetime], Awaitable[None]],
    ) -> bool:
        """Remind at ``deadline - offset`` until the deadline passes or ``stop()``.

        The deadline is read again after every wake-up, so a moved deadline
        reschedules what is still ahead (reminders of a new deadline are new
        messages). Returns True when stopped, False when the deadline passed.
        """
        sent: set[tuple[datetime, timedelta]] = set()
        while not stop():
            moves, deadline, now = self._moves, deadline_of(), workflow.now()
            if now >= deadline:
                return False
            ahead = sorted(
                (deadline - off, off)
                for off in offsets
                if (deadline, off) not in sent and since < deadline - off
            )
            ahead = [(t, off) for t, off in ahead if t > now]
            at, offset = ahead[0] if ahead else (deadline, None)
            if await self._wait_until(at, stop, moves) or offset is None:
                continue
            sent.add((deadline, offset))
            await remind(offset, deadline)
        return True

    async def _wait_until(self, at: datetime, stop: Callable[[], bool], moves: int) -> bool:
        """Sleep until ``at``; True if woken early by ``stop()`` or a deadline move."""
        self._waiting_until = at
        try:
            return await decided_by(at, lambda: stop() or self._moves != moves)
        finally:
            self._waiting_until = None

    async def _remind_unconfirmed(self, key: str, *, above: bool = False) -> None:
        """Deliveries not yet confirmed, per community, to each district's supervisor.

        After the deadline (``above``) the supervisors above the districts hear too.
        """
        outstanding: dict[str, int] = await workflow.execute_activity(
            Activities.UNCONFIRMED_DELIVERIES,
            CampaignRef(campaign_id=self._inp.campaign_id),
            result_type=dict[str, int],
            **QUICK,
        )
        for sup in self._inp.supervisors:
            mine = {c: n for c, n in outstanding.items() if scope_covers(sup.scope, c)}
            if not mine or (sup.scope == self._inp.scope and not above):
                continue
            await self._notify(
                "delivery_reminder",
                [sup.id],
                f"{key}:{sup.id}",
                self._schedules[Phase.DISTRIBUTE],
                jurisdiction=sup.scope or "全市",
                summary="\n".join(f"{c}：{n} 项未确认" for c, n in sorted(mine.items())),
            )

    async def _weekly_dispatch(self) -> None:
        """周调度: each week each supervisor hears the progress of their jurisdiction."""
        at = self._inp.first_weekly_dispatch
        week = 0
        while at is not None and not self._closing:
            await workflow.sleep(max(at - workflow.now(), timedelta(0)))
            week += 1
            phase = self._schedules[self._current or Phase.SUMMARIZE]
            report = ""
            if workflow.patched(FOLLOWUP_WORK):
                self._followup.work_recorded()  # a weekly sweep, should a signal have been lost
                report = await self._followup.write_report("progress", week) or ""
            for sup in self._inp.supervisors:
                mine = {d: c for d, c in self._counts.items() if scope_covers(sup.scope, d)}
                lines = [
                    f"{d}: " + ", ".join(f"{k}={v}" for k, v in c.items()) for d, c in mine.items()
                ] or ["—"]
                if report:
                    lines.append(f"进度报告 report: {report}")
                await self._notify(
                    "weekly_dispatch",
                    [sup.id],
                    f"{self._inp.campaign_id}:weekly:{week}:{sup.id}",
                    phase,
                    jurisdiction=sup.scope or "全市",
                    summary="\n".join(lines),
                )
            at += timedelta(days=7)

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
        self,
        schedule: PhaseSchedule,
        round_: int,
        districts: list[str],
        comment: str,
        tag: str = "",
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
            id=f"campaign:{inp.campaign_id}:{schedule.phase.value}:{round_}"
            + (f":{tag}" if tag else ""),
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

        async def remind(offset: timedelta, deadline: datetime) -> None:
            assert self._gate is not None
            await self._notify(
                "gate_reminder",
                self._outstanding(),
                f"{key}:reminder:{deadline.isoformat()}:{offset}",
                self._schedules[schedule.phase],
            )
            self._gate = self._gate.model_copy(
                update={"reminders_sent": self._gate.reminders_sent + 1}
            )
            if schedule.phase == Phase.DISTRIBUTE:
                await self._remind_unconfirmed(f"{key}:deliveries:{deadline.isoformat()}:{offset}")

        def gate_due() -> datetime:
            assert self._gate is not None
            return self._gate.deadline

        while not await self._remind_until(
            gate_due, schedule.reminders, opened_at, decided, remind
        ):
            # Past the deadline: escalate now, then every interval, until decided or moved.
            moves = self._moves
            while self._moves == moves and not decided():
                n = self._gate.escalations_sent + 1
                recipients = escalation_recipients(
                    self._inp.supervisors, self._gate.pending, self._outstanding()
                )
                await self._notify(
                    "gate_escalation",
                    recipients,
                    f"{key}:escalation:{n}",
                    self._schedules[schedule.phase],
                )
                self._gate = self._gate.model_copy(update={"escalations_sent": n})
                if schedule.phase == Phase.DISTRIBUTE:
                    await self._remind_unconfirmed(f"{key}:deliveries:escalation:{n}", above=True)
                await self._wait_until(
                    workflow.now() + self._inp.escalation_interval, decided, moves
                )
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
                Activities.NOTIFY,
                note,
                result_type=NotificationResult,
                **notify_options(self._inp.notification_retry),
            )
        except ActivityError:
            self._failed_notifications += 1
            workflow.logger.warning("notification failed", extra={"kind": kind, "key": key})
