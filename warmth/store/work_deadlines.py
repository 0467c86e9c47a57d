"""Moving the deadline of one piece of open follow-up work: a verification case (核实)
or a rectification task (隐患整改).

The row's deadline changes and a ``DeadlineMoved`` event goes on the household's
stream with the previous and new deadline and the reason. The follow-up sweep reads
deadlines from the store each time it runs, so reminders and escalations follow the
new deadline; nothing is kept in the workflow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.exc import IntegrityError

from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.store import ledger
from warmth.store.ledger import as_utc
from warmth.store.schema import ledger as ledger_table
from warmth.store.schema import rectifications, verification_cases

WorkKind = Literal["verification", "rectification"]

# kind -> (table, id column, status once closed, what it is called)
_WORK: dict[str, tuple[Table, str, str, str]] = {
    "verification": (verification_cases, "case_id", "resolved", "核实事项 / verification case"),
    "rectification": (rectifications, "task_id", "fixed", "整改任务 / rectification task"),
}


class WorkDeadlineMoved(BaseModel):
    kind: WorkKind
    id: str
    district: str
    previous: datetime
    to: datetime
    moved: bool  # False: it was at that deadline already, nothing recorded


class OpenItem(BaseModel):
    """Where an open item is (to authorize the move) and its deadline."""

    person_key: str
    district: str
    street: str
    community: str
    deadline: datetime

    @property
    def place(self) -> str:
        return f"{self.district}/{self.street}/{self.community}"


def open_item(conn: Connection, campaign_id: str, kind: WorkKind, ident: str) -> OpenItem:
    """The open case or task; :class:`NotFound`, or :class:`Rejected` once it is closed."""
    table, id_column, closed, label = _WORK[kind]
    row = conn.execute(
        select(table).where(table.c.campaign_id == campaign_id, table.c[id_column] == ident)
    ).first()
    if row is None:
        raise NotFound(f"没有{label} {ident} in campaign {campaign_id}")
    if row.status == closed:
        raise Rejected(f"{label} {ident} 已办结，不能再改期限 / is {closed}: its deadline stays")
    return OpenItem(
        person_key=row.person_key,
        district=row.district,
        street=row.street,
        community=row.community,
        deadline=as_utc(row.deadline),
    )


def move_deadline(
    conn: Connection,
    campaign_id: str,
    kind: WorkKind,
    ident: str,
    to: datetime,
    reason: str,
    actor: str,
    at: datetime,
) -> WorkDeadlineMoved:
    """Move an open item's deadline to ``to`` (aware), in the caller's transaction.

    Each move is its own fact, numbered per item: moving back to an earlier value is
    recorded again. Two moves racing take the same number; the unique key fails one
    transaction, and its retry records it as the next.
    """
    table, id_column, _closed, _label = _WORK[kind]
    item = open_item(conn, campaign_id, kind, ident)
    if item.deadline == to:
        return WorkDeadlineMoved(
            kind=kind, id=ident, district=item.district, previous=to, to=to, moved=False
        )
    prefix = f"{campaign_id}:deadline:{kind}:{ident}:"
    stream = household_stream(campaign_id, item.person_key)
    before = conn.execute(
        select(func.count()).where(
            ledger_table.c.stream == stream,  # on the (stream, version) index
            ledger_table.c.type == EventType.DEADLINE_MOVED,
            ledger_table.c.idempotency_key.startswith(prefix, autoescape=True),
        )
    ).scalar_one()
    payload: dict[str, Any] = {
        "kind": kind,
        "id": ident,
        "district": item.district,
        "previous": item.deadline.isoformat(),
        "to": to.isoformat(),
        "reason": reason,
    }
    recorded = ledger.append(
        conn,
        [
            LedgerEvent(
                campaign_id=campaign_id,
                stream=stream,
                type=EventType.DEADLINE_MOVED,
                payload=payload,
                actor=actor,
                at=at,
                idempotency_key=f"{prefix}{int(before) + 1}",
            )
        ],
    )
    if not recorded:  # a concurrent move took the number: the caller's retry renumbers
        raise IntegrityError("move deadline", None, Exception(f"{ident}: moved concurrently"))
    changed = conn.execute(
        update(table)
        .where(
            table.c.campaign_id == campaign_id,
            table.c[id_column] == ident,
            table.c.status == "open",
        )
        .values(deadline=to)
    ).rowcount
    if changed != 1:  # closed since it was read: the event is rolled back with this
        raise Rejected(f"{ident} 刚已办结 / was closed meanwhile: its deadline stays")
    return WorkDeadlineMoved(
        kind=kind, id=ident, district=item.district, previous=item.deadline, to=to, moved=True
    )
