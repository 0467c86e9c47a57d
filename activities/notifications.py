"""Sending notifications through a channel, once per idempotency key (outbox)."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext, utcnow
from warmth.contracts import Activities, Notification, NotificationResult
from warmth.notify.channels import Channel
from warmth.notify.templates import render
from warmth.store import outbox


class NotificationActivities:
    def __init__(self, ctx: ActivityContext, channel: Channel) -> None:
        self._ctx = ctx
        self._channel = channel

    @activity.defn(name=Activities.NOTIFY)
    def notify(self, n: Notification) -> NotificationResult:
        engine = self._ctx.engine
        if not outbox.claim(engine, n, self._channel.name, utcnow()):
            return NotificationResult(sent=False, channel=self._channel.name)
        try:
            self._channel.send(n.recipients, n.kind, render(n.kind, n.data, self._ctx.language))
        except Exception as exc:  # recorded, then retried by Temporal with backoff
            outbox.finish(engine, n.idempotency_key, utcnow(), error=str(exc))
            raise
        outbox.finish(engine, n.idempotency_key, utcnow())
        return NotificationResult(sent=True, channel=self._channel.name)
