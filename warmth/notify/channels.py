"""Channels that deliver a rendered message. The log channel is the default."""

from __future__ import annotations

from typing import Protocol

import structlog


class Channel(Protocol):
    name: str

    def send(self, recipients: list[str], kind: str, text: str) -> None: ...


class LogChannel:
    """Writes each message to the structured log (the embedded default)."""

    name = "log"

    def __init__(self) -> None:
        self._log = structlog.get_logger("warmth.notify")

    def send(self, recipients: list[str], kind: str, text: str) -> None:
        self._log.info(
            "notification_sent", channel=self.name, kind=kind, recipients=recipients, text=text
        )
