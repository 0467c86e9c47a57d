"""Skipping time on the time-skipping test server without stranding a workflow.

The time-skipping server (temporal-test-server) refuses a workflow task completion
that cancels a timer which fired while the task was with the worker ("invalid
history builder state for action", temporalio/sdk-java#3088), and never times the task
out or sends it again: the run is stuck and the test hangs. A real server answers the
same race with a new workflow task. Between skips the test server's clock runs at real
pace, so a signal or an update sent right after a skip races any timer due within the
next moments: waking a ``wait_condition`` cancels its timer.

So before the tests signal or update a campaign they let it settle (no workflow task or
activity in flight) and skip past any timer due within :data:`GUARD` of now.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

GUARD = timedelta(seconds=5)
_SETTLE_WITHIN = 120.0  # seconds of real time

_TASK_CLOSED = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow_task_completed_event_attributes",
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED: "workflow_task_failed_event_attributes",
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT: "workflow_task_timed_out_event_attributes",
}
_ACTIVITY_CLOSED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity_task_canceled_event_attributes",
}
_TIMER_CLOSED = {
    EventType.EVENT_TYPE_TIMER_FIRED: "timer_fired_event_attributes",
    EventType.EVENT_TYPE_TIMER_CANCELED: "timer_canceled_event_attributes",
}
_CLOSED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
}


def in_flight(history: WorkflowHistory) -> bool:
    """Whether a workflow task or an activity of this run is scheduled and not closed."""
    tasks: set[int] = set()
    activities: set[int] = set()
    for e in history.events:
        if e.event_type in _CLOSED:
            return False
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            tasks.add(e.event_id)
        elif e.event_type in _TASK_CLOSED:
            tasks.discard(getattr(e, _TASK_CLOSED[e.event_type]).scheduled_event_id)
        elif e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            activities.add(e.event_id)
        elif e.event_type in _ACTIVITY_CLOSED:
            activities.discard(getattr(e, _ACTIVITY_CLOSED[e.event_type]).scheduled_event_id)
    return bool(tasks or activities)


def pending_timers(history: WorkflowHistory) -> list[datetime]:
    """When each timer started and neither fired nor cancelled is due."""
    due: dict[int, datetime] = {}
    for e in history.events:
        if e.event_type in _CLOSED:
            return []
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            fire_in = e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
            due[e.event_id] = e.event_time.ToDatetime().replace(tzinfo=None) + fire_in
        elif e.event_type in _TIMER_CLOSED:
            due.pop(getattr(e, _TIMER_CLOSED[e.event_type]).started_event_id, None)
    return sorted(due.values())


async def settle(env: WorkflowEnvironment, workflow_id: str) -> None:
    """Wait until the run has nothing in flight and no timer due within :data:`GUARD`.

    Only on the time-skipping server: a real server has no such race to avoid, and in a
    compressed plan on it some timer is always due within seconds.
    """
    if not env.supports_time_skipping:
        return
    handle = env.client.get_workflow_handle(workflow_id)
    loop = asyncio.get_running_loop()
    give_up = loop.time() + _SETTLE_WITHIN
    while loop.time() < give_up:
        history = await handle.fetch_history()
        if in_flight(history):
            await asyncio.sleep(0.05)
            continue
        now = (await env.get_current_time()).replace(tzinfo=None)
        near = [t for t in pending_timers(history) if t <= now + GUARD]
        if not near:
            return
        # Skip past them; the tasks they start are waited for on the next turn.
        await env.sleep(max(max(near) - now, timedelta(0)) + timedelta(milliseconds=100))
    raise AssertionError(f"{workflow_id} did not settle within {_SETTLE_WITHIN:.0f} s")


async def skip(
    env: WorkflowEnvironment, delta: timedelta, workflow_id: str = "campaign:c1"
) -> None:
    """Skip ``delta`` of time, then :func:`settle` so a signal sent next is safe."""
    if delta > timedelta(0):
        await env.sleep(delta)
    await settle(env, workflow_id)
