"""Sending notifications through a channel, once per idempotency key (outbox).

Recipients are resolved from the campaign plan's supervisors (name, language,
email, phone); each gets the message in their own language.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.context import ActivityContext, utcnow
from warmth.contracts import Activities, Notification, NotificationResult
from warmth.notify import ChannelError, StaticDirectory, TemplateError, dispatch
from warmth.notify.channels import Channel
from warmth.store import outbox
from warmth.store.campaigns import get_plan


class NotificationActivities:
    def __init__(self, ctx: ActivityContext, channel: Channel) -> None:
        self._ctx = ctx
        self._channel = channel

    @activity.defn(name=Activities.NOTIFY)
    def notify(self, n: Notification) -> NotificationResult:
        engine = self._ctx.engine
        if not outbox.claim(engine, n, self._channel.name, utcnow()):
            return NotificationResult(sent=False, channel=self._channel.name)
        plan = get_plan(engine, n.campaign_id)
        directory = StaticDirectory.from_people(
            plan.supervisors,
            {s.id: s.model_dump(include={"email", "phone", "language"}) for s in plan.supervisors},
        )
        try:
            dispatch(
                self._channel, directory, n.recipients, n.kind, n.data, time_zone=plan.time_zone
            )
        except (TemplateError, ChannelError) as exc:
            outbox.finish(engine, n.idempotency_key, utcnow(), error=str(exc))
            retry = isinstance(exc, ChannelError) and exc.retryable
            raise ApplicationError(
                str(exc), type=type(exc).__name__, non_retryable=not retry
            ) from exc
        except Exception as exc:  # recorded, then retried by Temporal with backoff
            outbox.finish(engine, n.idempotency_key, utcnow(), error=str(exc))
            raise
        outbox.finish(engine, n.idempotency_key, utcnow())
        return NotificationResult(sent=True, channel=self._channel.name)
