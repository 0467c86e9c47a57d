"""When follow-up work (待办) is reminded and escalated: pure instants, no clocks.

Verification cases (核实), hazard rectifications (隐患整改) and urgent cases awaiting a
decision (临时救助审批) each have a deadline.
Their owners are reminded at the plan's offsets before it; once it passes, the
level above hears at the deadline and then every escalation interval until the
work is done. The campaign workflow sweeps at chosen instants and asks, for the
window ``(since, until]`` since its previous sweep, what fell due — so the answer
depends only on the window and the open work, and a retried sweep sends the same
messages (the outbox drops the repeat).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

WorkKind = Literal["verification", "rectification", "urgent"]


@dataclass(frozen=True)
class OpenWork:
    """One open piece of follow-up work, as the store has it."""

    kind: WorkKind
    id: str
    opened_at: datetime
    deadline: datetime
    district: str
    community: str  # "区/街道/社区" path of the household
    owner: str | None  # the responsible cadre's staff id (rectifications), if any
    label: str  # what to show in a message, e.g. "用电隐患" or "未收到"
    awaiting: str = ""  # urgent cases: the level whose decision is awaited, district|city
    barred: tuple[str, ...] = ()  # urgent cases: who may not decide it (raiser, first approver)


@dataclass(frozen=True)
class Due:
    """A message owed for ``work`` in the swept window."""

    work: OpenWork
    escalation: int  # 0: a reminder before the deadline; n ≥ 1: the n-th escalation


def reminder_instants(work: OpenWork, offsets: Sequence[timedelta]) -> list[datetime]:
    """``deadline - offset`` for each offset that falls after the work was opened."""
    return sorted(work.deadline - off for off in offsets if work.deadline - off > work.opened_at)


def escalation_number(work: OpenWork, interval: timedelta, at: datetime) -> int:
    """How many escalation instants (deadline, deadline + interval, …) are ≤ ``at``."""
    if at < work.deadline:
        return 0
    return int((at - work.deadline) / interval) + 1


def due_in(
    open_work: Iterable[OpenWork],
    offsets: Sequence[timedelta],
    interval: timedelta,
    since: datetime,
    until: datetime,
) -> list[Due]:
    """What fell due in ``(since, until]``: at most one message per piece of work.

    Several instants inside one window (a long sleep) collapse into the latest one:
    a late sweep sends one reminder or one escalation, not a burst.
    """
    out: list[Due] = []
    for work in open_work:
        n = escalation_number(work, interval, until)
        if n and n > escalation_number(work, interval, since):
            out.append(Due(work, n))
        elif not n and any(since < t <= until for t in reminder_instants(work, offsets)):
            out.append(Due(work, 0))
    return out


def next_instant(
    open_work: Iterable[OpenWork],
    offsets: Sequence[timedelta],
    interval: timedelta,
    after: datetime,
) -> datetime | None:
    """The earliest reminder or escalation instant strictly after ``after``."""
    best: datetime | None = None
    for work in open_work:
        ahead = [t for t in reminder_instants(work, offsets) if t > after]
        n = escalation_number(work, interval, after)
        ahead.append(work.deadline + interval * n)
        first = min(ahead)
        if best is None or first < best:
            best = first
    return best
