"""Activity options shared by the workflows.

Every activity gets a schedule-to-close timeout: the time-skipping test server jumps
its clock by that timeout after a result, and the default is about ten years.
Business rejections are non-retryable by class name (part of the wire contract).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.common import RetryPolicy

NON_RETRYABLE = ["RosterFileError", "NotFound", "PlanError"]

# One keyset batch (≤ a few thousand households) takes well under a second; a short
# heartbeat timeout lets a batch on a worker that died be retried within seconds.
BATCH: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=2),
    "schedule_to_close_timeout": timedelta(hours=2),
    "heartbeat_timeout": timedelta(seconds=10),
    "retry_policy": RetryPolicy(
        maximum_interval=timedelta(seconds=30), non_retryable_error_types=NON_RETRYABLE
    ),
}

# Whole-campaign or whole-district computations (summary, budget, notice, sample).
LONG: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=10),
    "schedule_to_close_timeout": timedelta(hours=2),
    "retry_policy": RetryPolicy(
        maximum_interval=timedelta(seconds=30), non_retryable_error_types=NON_RETRYABLE
    ),
}

# A report: a few attempts, then the campaign goes on without it (counted as failed).
REPORT: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=10),
    "schedule_to_close_timeout": timedelta(minutes=40),
    "retry_policy": RetryPolicy(
        maximum_interval=timedelta(seconds=30),
        maximum_attempts=3,
        non_retryable_error_types=NON_RETRYABLE,
    ),
}

QUICK: dict[str, Any] = {
    "start_to_close_timeout": timedelta(seconds=60),
    "schedule_to_close_timeout": timedelta(minutes=30),
    "retry_policy": RetryPolicy(
        maximum_interval=timedelta(seconds=30), non_retryable_error_types=NON_RETRYABLE
    ),
}


def notify_options(first_retry: timedelta) -> dict[str, Any]:
    """A failing channel is retried with backoff, five attempts in all, then recorded as failed.

    The start-to-close timeout leaves room for a rate-limited channel's wait.
    """
    return {
        "start_to_close_timeout": timedelta(minutes=2),
        "schedule_to_close_timeout": timedelta(hours=1),
        "retry_policy": RetryPolicy(
            initial_interval=first_retry,
            maximum_interval=max(first_retry * 16, timedelta(seconds=1)),
            maximum_attempts=5,
            non_retryable_error_types=["TemplateError"],
        ),
    }


MAX_PARALLEL_DISTRICTS = 4


def bulk_notify_options(first_retry: timedelta) -> dict[str, Any]:
    """:func:`notify_options` for an activity that sends many messages (one per cadre of
    a district, a sweep's reminders): hundreds at about 20 a minute on a rate-limited
    channel. It heartbeats per message."""
    return {
        **notify_options(first_retry),
        "start_to_close_timeout": timedelta(minutes=30),
        "schedule_to_close_timeout": timedelta(hours=3),
        # a heartbeat per message: a stuck attempt stops before the next one sends
        "heartbeat_timeout": timedelta(minutes=2),
    }
