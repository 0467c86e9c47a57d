"""The service layer: what the CLI (and later an HTTP API) can ask of Warmth.

No presentation here, and no logic in the command functions that call it: each
operation is one function over a Temporal client and the store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from warmth.auth.interceptors import acting_as
from warmth.auth.rules import Action, Forbidden, User, authorize
from warmth.contracts import (
    Approver,
    BudgetDecision,
    BudgetOutcome,
    CampaignInput,
    CampaignProgress,
    CampaignResult,
    DeadlineMove,
    DeadlineMoved,
    GateDecision,
    GateOutcome,
    Objection,
    ObjectionResolution,
    PhaseSchedule,
    SummaryTotals,
    UrgentTerms,
)
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.ids import mask_id, normalize_id
from warmth.domain.people import person_key
from warmth.domain.phases import PHASE_ORDER, Phase
from warmth.domain.plan import CampaignPlan
from warmth.domain.urgent import to_fen
from warmth.reports import WrittenReport, write_campaign_report
from warmth.roster import read_rows
from warmth.store import campaigns as campaign_store
from warmth.store import stats
from warmth.temporal import campaign_workflow_id

CAMPAIGN_WORKFLOW = "Campaign"
T = TypeVar("T")


def campaign_input(
    plan: CampaignPlan,
    campaign_id: str,
    batch_size: int = 1000,
    max_batches_per_run: int | None = None,
) -> CampaignInput:
    """The workflow's input: ids, the dated schedule and who approves; no household data."""
    return CampaignInput(
        campaign_id=campaign_id,
        name=plan.name,
        scope=plan.jurisdiction.campaign_scope(),
        districts=plan.jurisdiction.district_names(),
        phases=[
            PhaseSchedule(
                phase=phase,
                start=plan.phases[phase].start,
                deadline=plan.phases[phase].deadline,
                approvers=plan.phases[phase].approvers,
                reminders=plan.phases[phase].reminders,
                approval_window=plan.phases[phase].approval_window,
            )
            for phase in PHASE_ORDER
        ],
        supervisors=[
            Approver(id=s.id, name=s.name, scope=plan.jurisdiction.normalize_scope(s.scope))
            for s in plan.supervisors
        ],
        escalation_interval=plan.escalation_interval,
        first_weekly_dispatch=plan.first_weekly_dispatch(),
        notice_period=plan.notice_window,
        notification_retry=plan.notification_retry,
        sweep_every=plan.cases.sweep_every,
        sweep_grid=plan.cases.sweep_grid,
        batch_size=batch_size,
        max_batches_per_run=max_batches_per_run,
        urgent=None
        if plan.urgent is None
        else UrgentTerms(
            fund_source=plan.urgent.fund_source,
            city_threshold_fen=to_fen(plan.urgent.city_threshold),
            categories=list(plan.categories),
        ),
    )


async def start_campaign(
    client: Client,
    engine: Engine,
    task_queue: str,
    plan: CampaignPlan,
    *,
    actor: User,
    person_key_secret: bytes,
    campaign_id: str | None = None,
    roster_files: list[Path] | None = None,
    batch_size: int = 1000,
    max_batches_per_run: int | None = None,
) -> str:
    """Record the campaign, start its workflow, submit the rosters; returns the campaign id.

    Roster files are checked here (a file that cannot be read stops the start before
    anything is created) and submitted like any unit's import.
    """
    campaign_id = campaign_id or plan.code
    authorize(actor, Action.CHANGE, plan.jurisdiction.campaign_scope())
    files = list(roster_files or [])
    for f in files:
        if not f.is_file():
            raise NotFound(f"roster file {f} does not exist")
        read_rows(f)  # reads the header at once: a RosterFileError names what is wrong
    campaign_store.create_campaign(engine, campaign_id, plan, actor.id, datetime.now(UTC))
    try:
        with acting_as(actor):
            await client.start_workflow(
                CAMPAIGN_WORKFLOW,
                campaign_input(plan, campaign_id, batch_size, max_batches_per_run),
                id=campaign_workflow_id(campaign_id),
                task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
    except WorkflowAlreadyStartedError:
        raise Rejected(f"campaign {campaign_id} has already been started") from None
    from warmth.roster_service import import_roster  # it builds on this module

    for f in files:
        await import_roster(
            client, engine, person_key_secret, campaign_id, f, unit=actor.id, actor=actor
        )
    return campaign_id


async def progress(client: Client, campaign_id: str) -> CampaignProgress:
    handle = client.get_workflow_handle(campaign_workflow_id(campaign_id))
    try:
        p: CampaignProgress = await handle.query("progress", result_type=CampaignProgress)
        return p
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(f"unknown campaign {campaign_id!r}") from None
        raise


async def result(client: Client, campaign_id: str) -> CampaignResult:
    """Wait for a campaign to complete and return its result."""
    handle = client.get_workflow_handle(
        campaign_workflow_id(campaign_id), result_type=CampaignResult
    )
    r: CampaignResult = await handle.result()
    return r


async def decide(
    client: Client,
    engine: Engine,
    campaign_id: str,
    gate: Phase,
    actor: User,
    *,
    approve: bool,
    comment: str = "",
    districts: list[str] | None = None,
    accept_open_cases: list[str] | None = None,
    task_queue: str = "warmth",
    timeout: timedelta = timedelta(seconds=15),
) -> GateOutcome:
    """A supervisor's approval or rejection of a gate, as a workflow update.

    ``districts`` names the districts decided; by default every undecided district
    in the supervisor's jurisdiction. ``accept_open_cases`` lists the verification
    cases the follow-up gate may close with while they are still open.
    """
    decision = GateDecision(
        gate=gate,
        user=actor.id,
        approve=approve,
        comment=comment,
        districts=districts or [],
        accept_open_cases=accept_open_cases or [],
    )
    return await _update(
        client, engine, campaign_id, actor, "decide_gate", decision, GateOutcome,
        f"{'approve' if approve else 'reject'} {gate} gate",
        permission=(Action.APPROVE, actor.scope), task_queue=task_queue, timeout=timeout,
    )  # fmt: skip


async def work_recorded(client: Client, campaign_id: str) -> bool:
    """Tell the campaign that follow-up work was recorded, so its reminders are planned now.

    Best effort: the campaign also sweeps every week. False when it could not be told.
    """
    try:
        handle = client.get_workflow_handle(campaign_workflow_id(campaign_id))
        await handle.signal("work_recorded")
    except RPCError:
        return False
    return True


async def move_deadline(
    client: Client,
    engine: Engine,
    campaign_id: str,
    phase: Phase,
    to: datetime,
    actor: User,
    reason: str,
    *,
    timeout: timedelta = timedelta(seconds=15),
) -> DeadlineMoved:
    """Move a phase's deadline (an update); a naive ``to`` is read in the plan's time zone."""
    plan = campaign_store.get_plan(engine, campaign_id)
    if to.tzinfo is None:
        to = to.replace(tzinfo=plan.zone)
    move = DeadlineMove(phase=phase, to=to, user=actor.id, reason=reason)
    return await _update(
        client, engine, campaign_id, actor, "move_deadline", move, DeadlineMoved,
        f"move {phase} deadline",
        permission=(Action.CHANGE, plan.jurisdiction.campaign_scope()), timeout=timeout,
    )  # fmt: skip


def _reason(exc: WorkflowUpdateFailedError) -> str:
    cause = exc.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause)


def _refused(engine: Engine, campaign_id: str, actor: User, action: str, reason: str) -> None:
    campaign_store.record_refusal(engine, campaign_id, actor.id, action, reason, datetime.now(UTC))


async def _update(
    client: Client,
    engine: Engine,
    campaign_id: str,
    actor: User,
    name: str,
    arg: BaseModel,
    result_type: type[T],
    what: str,
    *,
    permission: tuple[Action, str] | None = None,
    task_queue: str = "warmth",
    timeout: timedelta = timedelta(seconds=15),
) -> T:
    """Send an update as ``actor`` after the client-side ``permission`` check.

    A refusal, by this client or by the workflow's validator, is recorded in the ledger
    and raised as one clear line.
    """
    handle = client.get_workflow_handle(campaign_workflow_id(campaign_id))
    try:
        if permission is not None:
            authorize(actor, *permission)
        with acting_as(actor):
            result: T = await handle.execute_update(
                name, arg, result_type=result_type, rpc_timeout=timeout
            )
        return result
    except Forbidden as exc:
        _refused(engine, campaign_id, actor, what, str(exc))
        raise Rejected(f"{what} in {campaign_id}: {exc}") from None
    except WorkflowUpdateFailedError as exc:
        why = _reason(exc)
        _refused(engine, campaign_id, actor, what, why)
        raise Rejected(f"{what} in {campaign_id}: {why}") from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise Rejected(
            f"no answer from campaign {campaign_id} within {timeout.total_seconds():.0f} s:"
            f" is a worker running for task queue {task_queue!r}? (`warmth worker`)"
        ) from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(f"unknown campaign {campaign_id!r}") from None
        raise


async def decide_budget(
    client: Client,
    engine: Engine,
    campaign_id: str,
    actor: User,
    *,
    approve: bool,
    comment: str = "",
) -> BudgetOutcome:
    """The city supervisor accepts (or sends back) an overrun budget."""
    decision = BudgetDecision(user=actor.id, approve=approve, comment=comment)
    return await _update(
        client,
        engine,
        campaign_id,
        actor,
        "decide_budget",
        decision,
        BudgetOutcome,
        "budget decision",
    )


def _household(engine: Engine, secret: bytes, campaign_id: str, id_number: str) -> tuple[str, str]:
    """(person key, district) of the household with this ID number, or NotFound."""
    key = person_key(secret, normalize_id(id_number))
    district = campaign_store.household_district(engine, campaign_id, key)
    if district is None:
        raise NotFound(
            f"no household with ID number {mask_id(normalize_id(id_number))} in {campaign_id}"
        )
    return key, district


async def lodge_objection(
    client: Client,
    engine: Engine,
    secret: bytes,
    campaign_id: str,
    id_number: str,
    actor: User,
    reason: str,
) -> str:
    """Lodge an objection (异议) during the public notice; the household is held."""
    key, district = _household(engine, secret, campaign_id, id_number)
    objection = Objection(person_key=key, district=district, user=actor.id, reason=reason)
    return await _update(
        client, engine, campaign_id, actor, "lodge_objection", objection, str, "objection"
    )


async def resolve_objection(
    client: Client,
    engine: Engine,
    secret: bytes,
    campaign_id: str,
    id_number: str,
    actor: User,
    *,
    uphold: bool,
    resolution: str,
) -> str:
    """Uphold (removed from payment) or dismiss (released) an objection."""
    key, _district = _household(engine, secret, campaign_id, id_number)
    decision = ObjectionResolution(
        person_key=key, user=actor.id, uphold=uphold, resolution=resolution
    )
    return await _update(
        client,
        engine,
        campaign_id,
        actor,
        "resolve_objection",
        decision,
        str,
        "objection resolution",
    )


async def list_campaigns(client: Client, engine: Engine) -> list[dict[str, object]]:
    """Campaigns from the store's read model, each with its workflow's status."""
    out = campaign_store.list_campaigns(engine)
    for row in out:
        try:
            desc = await client.get_workflow_handle(campaign_workflow_id(str(row["id"]))).describe()
            status: WorkflowExecutionStatus | None = desc.status
        except RPCError:
            status = None
        row["status"] = status.name.lower() if status else "unknown"
    return out


def summary(engine: Engine, campaign_id: str) -> SummaryTotals:
    campaign_store.get_plan(engine, campaign_id)  # NotFound for an unknown campaign
    return stats.summarize(engine, campaign_id)


def write_report(
    engine: Engine,
    campaign_id: str,
    out_dir: Path,
    language: str = "zh",
    *,
    final: bool = False,
    as_of: datetime,
) -> WrittenReport:
    """The campaign's report: workbook (统计表), JSON, charts, Markdown and HTML summary.

    Computed from the ledger alone, as of ``as_of`` (overdue is judged then); works
    during the campaign (progress) and at its end. Returns the files and their SHA-256.
    """
    if language not in ("zh", "en"):
        raise Rejected(f"unknown language {language!r}: zh or en")
    return write_campaign_report(engine, campaign_id, out_dir, language, final=final, as_of=as_of)
