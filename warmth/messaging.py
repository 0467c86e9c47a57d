"""Sending a campaign's messages to the people it knows, once per idempotency key.

For the work that sends many messages from one activity (the follow-up sweep, cadres'
assignments): supervisors come from the plan, staff (cadres, callers) from the store;
each message is claimed in the outbox first, so a retried activity sends nothing twice,
and a failing channel is recorded on the message and reported, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy import Engine

from warmth.contracts import Notification
from warmth.domain.plan import CampaignPlan
from warmth.notify import ChannelError, Recipient, StaticDirectory, TemplateError, dispatch
from warmth.notify.channels import Channel
from warmth.store import outbox
from warmth.store.staff import staff_by_id


def campaign_directory(
    engine: Engine, plan: CampaignPlan, campaign_id: str, ids: Sequence[str]
) -> StaticDirectory:
    """The plan's supervisors, and the campaign's staff among ``ids``, as recipients."""
    directory = StaticDirectory.from_people(
        plan.supervisors,
        {s.id: s.model_dump(include={"email", "phone", "language"}) for s in plan.supervisors},
    )
    staff_ids = [i for i in ids if plan.supervisor(i) is None]
    for sid, member in staff_by_id(engine, campaign_id, staff_ids).items():
        try:
            directory.add(Recipient(id=sid, name=member.name, phone=member.phone))
        except ValueError:  # a landline: the log channel still names them
            directory.add(Recipient(id=sid, name=member.name))
    return directory


def send_once(
    engine: Engine,
    channel: Channel,
    directory: StaticDirectory,
    note: Notification,
    time_zone: str,
    now: Callable[[], datetime],
) -> bool | None:
    """Send ``note`` unless its key was claimed before: True sent, False already, None failed.

    A failure (template or channel) is recorded in the outbox with its reason.
    """
    if not outbox.claim(engine, note, channel.name, now()):
        return False
    try:
        dispatch(channel, directory, note.recipients, note.kind, note.data, time_zone=time_zone)
    except (TemplateError, ChannelError) as exc:
        outbox.finish(engine, note.idempotency_key, now(), error=str(exc))
        return None
    outbox.finish(engine, note.idempotency_key, now())
    return True


def send_each(
    engine: Engine,
    channel: Channel,
    directory: StaticDirectory,
    notes: Iterable[Notification],
    time_zone: str,
    now: Callable[[], datetime],
    beat: Callable[[], None],
) -> tuple[int, list[str]]:
    """:func:`send_once` for each note: how many were sent now, and the keys that failed.

    ``beat`` is called before each message: the activity heartbeats there, so an attempt
    that overran its time is stopped before a retry starts sending the same messages.
    """
    sent, failed = 0, []
    for note in notes:
        beat()
        outcome = send_once(engine, channel, directory, note, time_zone, now)
        if outcome is None:
            failed.append(note.idempotency_key)
        elif outcome:
            sent += 1
    return sent, failed
