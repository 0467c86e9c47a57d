"""What a worker runs: shared by the worker process, the demo, the tests and the replayer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.approvals import ApprovalActivities
from activities.context import ActivityContext
from activities.followup import FollowupActivities
from activities.notice import NoticeActivities
from activities.notifications import NotificationActivities
from activities.phases import PhaseActivities
from activities.reports import ReportActivities
from activities.roster import RosterActivities
from activities.urgent import UrgentActivities
from warmth.auth.interceptors import ClaimsWorkerInterceptor
from warmth.notify.channels import Channel, LogChannel
from workers.interceptors import LoggingInterceptor
from workflows.campaign import CampaignWorkflow
from workflows.distribute import DistributeWorkflow
from workflows.followup import FollowupWorkflow
from workflows.mobilize import MobilizeWorkflow
from workflows.summarize import SummarizeWorkflow
from workflows.survey import SurveyWorkflow

WORKFLOWS: Sequence[type] = (
    CampaignWorkflow,
    SurveyWorkflow,
    MobilizeWorkflow,
    DistributeWorkflow,
    FollowupWorkflow,
    SummarizeWorkflow,
)

# The contracts and the pure domain are deterministic: load them once, outside the sandbox.
PASSTHROUGH = ("pydantic", "pydantic_core", "warmth.contracts", "warmth.domain", "warmth.auth")


def sandbox_runner() -> SandboxedWorkflowRunner:
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


def activities(ctx: ActivityContext, channel: Channel | None = None) -> list[Callable[..., Any]]:
    roster = RosterActivities(ctx)
    phases = PhaseActivities(ctx)
    reports = ReportActivities(ctx)
    approvals = ApprovalActivities(ctx)
    notes = NotificationActivities(ctx, channel or LogChannel())
    notice = NoticeActivities(ctx)
    followup = FollowupActivities(ctx, channel)
    urgent = UrgentActivities(ctx)
    return [
        roster.settle_import,
        roster.missing_submissions,
        roster.register_households,
        phases.assign_responsibility,
        phases.issue_aid,
        phases.draw_callbacks,
        reports.count_district,
        reports.summarize,
        approvals.record_decision,
        approvals.record_budget_decision,
        notice.budget_check,
        notice.post_notice,
        notice.lodge_objection,
        notice.resolve_objection,
        notice.unconfirmed_deliveries,
        approvals.record_deadline_move,
        notes.notify,
        followup.sweep,
        followup.open_verification,
        followup.notify_cadres,
        followup.write_report,
        urgent.open_case,
        urgent.record_decision,
        urgent.pay,
    ]


def build_worker(
    client: Client,
    task_queue: str,
    engine: Engine,
    person_key_secret: bytes,
    *,
    claims_secret: bytes,
    channel: Channel | None = None,
    activity_threads: int = 8,
    language: str = "zh",
    output_dir: Path | None = None,
) -> Worker:
    """A worker for every workflow and activity of the project on ``task_queue``."""
    ctx = ActivityContext(
        engine=engine,
        person_key_secret=person_key_secret,
        language=language,
        output_dir=output_dir or Path(".warmth") / "out",
    )
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        activities=activities(ctx, channel),
        activity_executor=ThreadPoolExecutor(max_workers=activity_threads),
        max_concurrent_activities=activity_threads,
        workflow_runner=sandbox_runner(),
        graceful_shutdown_timeout=timedelta(seconds=10),
        interceptors=[LoggingInterceptor(), ClaimsWorkerInterceptor(claims_secret)],
    )
