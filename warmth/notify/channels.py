"""Channels that deliver a rendered message (发送渠道). The log channel is the default.

A channel is called from a synchronous Temporal activity, in a worker thread, once per
idempotency key (the outbox guards that). It either delivers the message or raises;
Temporal retries a raised exception with backoff. Raise :class:`ChannelError` with
``retryable=False`` when a retry cannot help (no address, a rejected configuration).

The other channels live beside this module: :mod:`warmth.notify.smtp` (email),
:mod:`warmth.notify.webhook` (DingTalk, WeCom and Feishu group robots) and
:mod:`warmth.notify.sms` (an SMS gateway).
"""

from __future__ import annotations

from typing import Protocol

import structlog

from warmth.notify.recipients import Recipient


class Channel(Protocol):
    """Delivers one rendered message to some recipients."""

    name: str

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        """Deliver ``text`` (with an email ``subject``) or raise."""
        ...


class ChannelError(Exception):
    """A message was not delivered. ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, channel: str, retryable: bool = True) -> None:
        super().__init__(f"{channel}: {message}")
        self.channel = channel
        self.retryable = retryable


class LogChannel:
    """Writes each message to the structured log (the embedded default).

    Only recipient ids are logged, never their addresses; the log configuration masks
    mobiles and ID numbers in the text as well.
    """

    name = "log"

    def __init__(self) -> None:
        self._log = structlog.get_logger("warmth.notify")

    def send(self, recipients: list[Recipient], kind: str, text: str, subject: str = "") -> None:
        self._log.info(
            "notification_sent",
            channel=self.name,
            kind=kind,
            recipients=[_recipient_id(r) for r in recipients],
            subject=subject,
            text=text,
        )


def _recipient_id(recipient: Recipient | str) -> str:
    # Tolerates bare ids from a caller that has not resolved them through a Directory yet.
    return recipient.id if isinstance(recipient, Recipient) else str(recipient)
