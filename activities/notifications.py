"""Sending notifications through a channel, once per idempotency key (outbox).

Recipients are resolved from the campaign plan's supervisors (name, language,
email, phone) and its staff (`warmth.messaging.campaign_directory`); each gets the
message in their own language.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.context import ActivityContext, utcnow
from warmth.contracts import Activities, Notification, NotificationResult
from warmth.messaging import campaign_directory
from warmth.notify import ChannelError, TemplateError, dispatch
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
        directory = campaign_directory(engine, plan, n.campaign_id, n.recipients)
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
