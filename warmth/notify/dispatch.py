"""One notification to its recipients, each in their own language (按接收人语言发送)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from warmth.notify.channels import Channel
from warmth.notify.recipients import Directory, Recipient
from warmth.notify.templates import DEFAULT_TIME_ZONE, LANGUAGES, Message, compose


def dispatch(
    channel: Channel,
    directory: Directory,
    recipient_ids: Sequence[str],
    kind: str,
    data: Mapping[str, object],
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
) -> list[tuple[Message, list[Recipient]]]:
    """Resolve ``recipient_ids``, render ``kind`` per language, send one message per language.

    Every language's message is rendered before anything is sent, so a template error
    (:class:`~warmth.notify.templates.TemplateError`, permanent) sends nothing. Returns what
    was sent: each message with its recipients (Chinese first).
    """
    recipients = directory.resolve(recipient_ids)
    batches: list[tuple[Message, list[Recipient]]] = []
    for language in LANGUAGES:
        group = [r for r in recipients if r.language == language]
        if group:
            batches.append((compose(kind, data, language, time_zone=time_zone), group))
    for message, group in batches:
        channel.send(group, kind, message.text, message.subject)
    return batches
