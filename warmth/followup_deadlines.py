"""Moving the deadline of a verification case or a rectification task (改期), as ops
or a supervisor of its district: an extension agreed with the household, a task that
waits for a contractor. The reason is kept in the ledger; reminders follow the new date.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from warmth.auth.rules import Action, Principal, Role, allowed
from warmth.domain.errors import Rejected
from warmth.roster.normalize import clean_text
from warmth.store import work_deadlines as store
from warmth.store.campaigns import get_plan, record_refusal
from warmth.store.sql import retrying
from warmth.store.work_deadlines import WorkDeadlineMoved, WorkKind

MOVERS = frozenset({Role.OPS, Role.SUPERVISOR})


def move_work_deadline(
    engine: Engine,
    campaign_id: str,
    kind: WorkKind,
    ident: str,
    to: datetime,
    reason: str,
    *,
    by: Principal,
    at: datetime | None = None,
) -> WorkDeadlineMoved:
    """Move an open case's or task's deadline; a naive ``to`` is in the plan's time zone.

    Refused (and the refusal recorded) unless ``by`` is ops or a supervisor whose
    jurisdiction covers the item; a deadline already past, an empty reason or a closed
    item is :class:`Rejected`.
    """
    plan = get_plan(engine, campaign_id)
    now = at or datetime.now(UTC)
    when = (to if to.tzinfo else to.replace(tzinfo=plan.zone)).astimezone(UTC)
    text = clean_text(reason)
    if not text:
        raise Rejected("改期须说明理由 / moving a deadline needs a reason")
    if when <= now:
        raise Rejected(
            f"新的期限 {when.astimezone(plan.zone):%Y-%m-%d %H:%M} 已过 / the new deadline is"
            " not in the future"
        )
    with engine.connect() as conn:
        item = store.open_item(conn, campaign_id, kind, ident)
    who = getattr(by, "id", "?")
    if not (MOVERS & set(by.roles) and allowed(by, Action.CHANGE, item.place)):
        reason_refused = (
            f"{who} may not move the deadline of {ident} in {item.place}: it needs ops or"
            " a supervisor within whose jurisdiction it lies"
        )
        record_refusal(
            engine, campaign_id, who, f"move the deadline of {ident}", reason_refused, now
        )
        raise Rejected(reason_refused)
    return retrying(
        engine,
        lambda conn: store.move_deadline(conn, campaign_id, kind, ident, when, text, who, now),
    )
