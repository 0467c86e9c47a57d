"""Callback results (回访结果) and verification cases (核实) in the store.

A call's result is the fact ``<campaign>:<person>:callback:<day>:<result>``
(``CallbackAttempted``), written with its ``callback_attempts`` row; a repeat of the
same fact finds the key and changes nothing. When the facts conclude the callback
(:func:`warmth.domain.callbacks.conclusion`), ``CallbackConcluded`` is appended and the
``callbacks`` row updated in the same transaction; a ``not_received`` or ``complaint``
conclusion also opens a verification case (``VerificationCaseOpened``) for the
household's district, due ``plan.cases.verification_window`` after the call. Resolving
a case (``VerificationCaseResolved``) records the finding once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, Row, and_, select, update

from warmth.domain.callbacks import CallbackResult, conclusion, verification_case_id
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.store import ledger
from warmth.store.ledger import as_utc
from warmth.store.schema import callback_attempts, callbacks, households, verification_cases


def attempt_key(campaign_id: str, person_key: str, day: str, result: CallbackResult) -> str:
    return f"{campaign_id}:{person_key}:callback:{day}:{result.value}"


def concluded_key(campaign_id: str, person_key: str) -> str:
    return f"{campaign_id}:{person_key}:callback-concluded"


def case_opened_key(campaign_id: str, case_id: str) -> str:
    return f"{campaign_id}:verification:{case_id}:opened"


def case_resolved_key(campaign_id: str, case_id: str) -> str:
    return f"{campaign_id}:verification:{case_id}:resolved"


class NotSampled(Rejected):
    """A result for a household that is not in the callback sample (未抽中回访)."""


class AlreadyConcluded(Rejected):
    """A new result for a callback already concluded (回访已办结)."""


def sampled(conn: Connection, campaign_id: str, person_key: str) -> Row[Any] | None:
    """The callbacks row of a sampled household, with its street; None if not drawn."""
    return conn.execute(
        select(callbacks, households.c.street)
        .select_from(
            callbacks.join(
                households,
                and_(
                    households.c.campaign_id == callbacks.c.campaign_id,
                    households.c.person_key == callbacks.c.person_key,
                ),
            )
        )
        .where(callbacks.c.campaign_id == campaign_id, callbacks.c.person_key == person_key)
    ).first()


@dataclass(frozen=True)
class Recorded:
    """What recording one call did."""

    person_key: str
    district: str
    street: str
    community: str
    day: str
    result: CallbackResult
    recorded: bool  # False: this very fact was recorded before; nothing new written
    outcome: str | None  # the callback's outcome after this call, if concluded
    concluded_now: bool
    case_id: str | None  # the verification case this call opened (or had opened)
    deadline: datetime | None  # … and its deadline


def record_attempt(
    conn: Connection,
    campaign_id: str,
    row: Row[Any],
    *,
    day: str,
    result: CallbackResult,
    note: str | None,
    by: str,
    at: datetime,
    unreachable_attempts: int,
    verification_window: timedelta,
) -> Recorded:
    """Record one call on a sampled household (``row`` from :func:`sampled`), in the
    caller's transaction; conclude the callback and open a case when the facts say so.

    Raises :class:`AlreadyConcluded` for a new fact about a concluded callback.
    """
    key = str(row.person_key)
    place = {"district": str(row.district), "community": str(row.community)}
    fact = attempt_key(campaign_id, key, day, result)
    if ledger.existing_keys(conn, [fact]):
        return _state(conn, campaign_id, row, day, result, recorded=False)
    if row.outcome is not None:
        when = as_utc(row.concluded_at).isoformat() if row.concluded_at is not None else "?"
        raise AlreadyConcluded(
            f"回访已办结（{CallbackResult(row.outcome).label_zh}），不再记录新结果 / the callback"
            f" was concluded as {row.outcome} at {when}; no further result is recorded"
        )
    payload: dict[str, Any] = {"day": day, "result": result.value, **place}
    if note:
        payload["note"] = note
    ledger.append(
        conn,
        [
            LedgerEvent(
                campaign_id=campaign_id,
                stream=household_stream(campaign_id, key),
                type=EventType.CALLBACK_ATTEMPTED,
                payload=payload,
                actor=by,
                at=at,
                idempotency_key=fact,
            )
        ],
    )
    conn.execute(
        callback_attempts.insert().values(
            campaign_id=campaign_id,
            person_key=key,
            day=day,
            result=result.value,
            note=note,
            recorded_by=by,
            at=at,
        )
    )
    facts = [
        (str(r.day), CallbackResult(r.result))
        for r in conn.execute(
            select(callback_attempts.c.day, callback_attempts.c.result)
            .where(
                callback_attempts.c.campaign_id == campaign_id,
                callback_attempts.c.person_key == key,
            )
            .order_by(callback_attempts.c.at, callback_attempts.c.day)
        )
    ]
    outcome = conclusion(facts, unreachable_attempts)
    if outcome is None:
        conn.execute(
            update(callbacks)
            .where(callbacks.c.campaign_id == campaign_id, callbacks.c.person_key == key)
            .values(status="attempted")
        )
        return Recorded(
            key, place["district"], str(row.street), place["community"], day, result,
            True, None, False, None, None,
        )  # fmt: skip
    events = [
        LedgerEvent(
            campaign_id=campaign_id,
            stream=household_stream(campaign_id, key),
            type=EventType.CALLBACK_CONCLUDED,
            payload={"outcome": outcome.value, **place},
            actor=by,
            at=at,
            idempotency_key=concluded_key(campaign_id, key),
        )
    ]
    conn.execute(
        update(callbacks)
        .where(callbacks.c.campaign_id == campaign_id, callbacks.c.person_key == key)
        .values(status=outcome.value, outcome=outcome.value, concluded_at=at)
    )
    case_id: str | None = None
    deadline: datetime | None = None
    if outcome.opens_case:
        case_id = verification_case_id(campaign_id, key)
        deadline = at + verification_window
        events.append(
            LedgerEvent(
                campaign_id=campaign_id,
                stream=household_stream(campaign_id, key),
                type=EventType.VERIFICATION_OPENED,
                payload={
                    "case_id": case_id,
                    "reason": outcome.value,
                    "district": place["district"],
                    "street": str(row.street),
                    "community": place["community"],
                    "deadline": deadline.isoformat(),
                },
                actor=by,
                at=at,
                idempotency_key=case_opened_key(campaign_id, case_id),
            )
        )
        conn.execute(
            verification_cases.insert().values(
                campaign_id=campaign_id,
                case_id=case_id,
                person_key=key,
                district=place["district"],
                street=str(row.street),
                community=place["community"],
                reason=outcome.value,
                note=note,
                opened_by=by,
                opened_at=at,
                deadline=deadline,
                status="open",
            )
        )
    ledger.append(conn, events)
    return Recorded(
        key, place["district"], str(row.street), place["community"], day, result,
        True, outcome.value, True, case_id, deadline,
    )  # fmt: skip


def _state(
    conn: Connection, campaign_id: str, row: Row[Any], day: str, result: CallbackResult, *,
    recorded: bool,
) -> Recorded:  # fmt: skip
    """The callback's state for a repeated fact (nothing written)."""
    key = str(row.person_key)
    case = conn.execute(
        select(verification_cases.c.case_id, verification_cases.c.deadline).where(
            verification_cases.c.campaign_id == campaign_id,
            verification_cases.c.person_key == key,
        )
    ).first()
    return Recorded(
        key,
        str(row.district),
        str(row.street),
        str(row.community),
        day,
        result,
        recorded,
        None if row.outcome is None else str(row.outcome),
        False,
        None if case is None else str(case.case_id),
        None if case is None else as_utc(case.deadline),
    )


# ---- verification cases (核实) --------------------------------------------------------------


class VerificationCase(BaseModel):
    """One verification case with its household's (unmasked) name, ID number and phone;
    show it with :meth:`masked`."""

    case_id: str
    person_key: str
    name: str
    id_number: str
    phone: str | None
    district: str
    street: str
    community: str
    reason: str
    note: str | None
    opened_by: str
    opened_at: datetime
    deadline: datetime
    status: str
    finding: str | None
    resolved_by: str | None
    resolved_at: datetime | None


class OpenCaseDeadline(BaseModel):
    """An open case for the reminders: when it is due and whose it is."""

    case_id: str
    deadline: datetime
    district: str
    street: str
    community: str
    reason: str


def _conn(conn_or_engine: Connection | Engine) -> Any:
    if isinstance(conn_or_engine, Engine):
        return conn_or_engine.connect()
    return _Borrowed(conn_or_engine)


class _Borrowed:
    """A connection the caller owns, usable in ``with`` without being closed."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        return None


def open_verification_cases(
    conn_or_engine: Connection | Engine, campaign_id: str, districts: list[str]
) -> list[str]:
    """Ids of the open verification cases of ``districts`` (the follow-up gate waits for
    none to be left), by deadline then id."""
    if not districts:
        return []
    with _conn(conn_or_engine) as conn:
        rows = conn.execute(
            select(verification_cases.c.case_id)
            .where(
                verification_cases.c.campaign_id == campaign_id,
                verification_cases.c.status == "open",
                verification_cases.c.district.in_(list(districts)),
            )
            .order_by(verification_cases.c.deadline, verification_cases.c.case_id)
        )
        return [str(r[0]) for r in rows]


def open_case_deadlines(
    conn_or_engine: Connection | Engine, campaign_id: str, districts: list[str] | None = None
) -> list[OpenCaseDeadline]:
    """The open verification cases (of ``districts``, or all) with deadline, district,
    street and community, by deadline: what the reminders are about."""
    query = (
        select(verification_cases)
        .where(
            verification_cases.c.campaign_id == campaign_id,
            verification_cases.c.status == "open",
        )
        .order_by(verification_cases.c.deadline, verification_cases.c.case_id)
    )
    if districts is not None:
        query = query.where(verification_cases.c.district.in_(list(districts)))
    with _conn(conn_or_engine) as conn:
        return [
            OpenCaseDeadline(
                case_id=str(r.case_id),
                deadline=as_utc(r.deadline),
                district=str(r.district),
                street=str(r.street),
                community=str(r.community),
                reason=str(r.reason),
            )
            for r in conn.execute(query)
        ]


def list_cases(
    engine: Engine, campaign_id: str, *, open_only: bool = False, district: str | None = None
) -> list[VerificationCase]:
    """The campaign's verification cases (open ones, or all), by district, deadline, id."""
    query = (
        select(
            verification_cases,
            households.c.name,
            households.c.id_number,
            households.c.phone,
        )
        .select_from(
            verification_cases.outerjoin(
                households,
                and_(
                    households.c.campaign_id == verification_cases.c.campaign_id,
                    households.c.person_key == verification_cases.c.person_key,
                ),
            )
        )
        .where(verification_cases.c.campaign_id == campaign_id)
        .order_by(
            verification_cases.c.district,
            verification_cases.c.deadline,
            verification_cases.c.case_id,
        )
    )
    if open_only:
        query = query.where(verification_cases.c.status == "open")
    if district is not None:
        query = query.where(verification_cases.c.district == district)
    with engine.connect() as conn:
        return [_case(r) for r in conn.execute(query)]


def get_case(conn: Connection, campaign_id: str, case_id: str) -> VerificationCase:
    row = conn.execute(
        select(verification_cases, households.c.name, households.c.id_number, households.c.phone)
        .select_from(
            verification_cases.outerjoin(
                households,
                and_(
                    households.c.campaign_id == verification_cases.c.campaign_id,
                    households.c.person_key == verification_cases.c.person_key,
                ),
            )
        )
        .where(
            verification_cases.c.campaign_id == campaign_id,
            verification_cases.c.case_id == case_id.strip().upper(),
        )
    ).first()
    if row is None:
        raise NotFound(f"没有核实事项 {case_id} / no verification case {case_id} in {campaign_id}")
    return _case(row)


def _case(r: Row[Any]) -> VerificationCase:
    return VerificationCase(
        case_id=str(r.case_id),
        person_key=str(r.person_key),
        name=str(r.name or ""),
        id_number=str(r.id_number or ""),
        phone=None if r.phone is None else str(r.phone),
        district=str(r.district),
        street=str(r.street),
        community=str(r.community),
        reason=str(r.reason),
        note=r.note,
        opened_by=str(r.opened_by),
        opened_at=as_utc(r.opened_at),
        deadline=as_utc(r.deadline),
        status=str(r.status),
        finding=r.finding,
        resolved_by=r.resolved_by,
        resolved_at=None if r.resolved_at is None else as_utc(r.resolved_at),
    )


def resolve_case(
    conn: Connection, campaign_id: str, case: VerificationCase, finding: str, by: str, at: datetime
) -> tuple[VerificationCase, bool]:
    """Resolve an open case with its finding, in the caller's transaction;
    ``(case, newly resolved)``. The same finding again changes nothing; another finding
    for a resolved case is :class:`Rejected`."""
    if case.status == "resolved":
        if (case.finding or "") == finding:
            return case, False
        raise Rejected(
            f"核实事项 {case.case_id} 已由 {case.resolved_by} 办结，结论不可更改 / case"
            f" {case.case_id} was resolved by {case.resolved_by} at"
            f" {case.resolved_at.isoformat() if case.resolved_at else '?'}: {case.finding!r}"
        )
    appended = ledger.append(
        conn,
        [
            LedgerEvent(
                campaign_id=campaign_id,
                stream=household_stream(campaign_id, case.person_key),
                type=EventType.VERIFICATION_RESOLVED,
                payload={"case_id": case.case_id, "district": case.district, "finding": finding},
                actor=by,
                at=at,
                idempotency_key=case_resolved_key(campaign_id, case.case_id),
            )
        ],
    )
    if not appended:  # resolved concurrently: read what was recorded
        return get_case(conn, campaign_id, case.case_id), False
    conn.execute(
        update(verification_cases)
        .where(
            verification_cases.c.campaign_id == campaign_id,
            verification_cases.c.case_id == case.case_id,
        )
        .values(status="resolved", finding=finding, resolved_by=by, resolved_at=at)
    )
    return (
        case.model_copy(
            update={"status": "resolved", "finding": finding, "resolved_by": by, "resolved_at": at}
        ),
        True,
    )


# ---- callers' lists (回访清单) ----------------------------------------------------------------


class CallbackTask(BaseModel):
    """One sampled household on a caller's list, unmasked (mask before showing)."""

    person_key: str
    caller_id: str | None
    district: str
    street: str
    community: str
    stratum: str | None
    status: str
    outcome: str | None
    name: str
    id_number: str
    phone: str | None
    address: str | None
    attempts: list[str]  # "day result" of each call so far, in order


def callback_tasks(
    engine: Engine,
    campaign_id: str,
    *,
    within: Any = None,
    caller_id: str | None = None,
) -> list[CallbackTask]:
    """The sample with each household's caller, by caller, district, street, community.

    ``within`` is an extra SQL condition on ``households`` (a jurisdiction); ``caller_id``
    keeps one caller's list.
    """
    query = (
        select(
            callbacks,
            households.c.street,
            households.c.name,
            households.c.id_number,
            households.c.phone,
            households.c.address,
        )
        .select_from(
            callbacks.join(
                households,
                and_(
                    households.c.campaign_id == callbacks.c.campaign_id,
                    households.c.person_key == callbacks.c.person_key,
                ),
            )
        )
        .where(callbacks.c.campaign_id == campaign_id)
    )
    if within is not None:
        query = query.where(within)
    if caller_id is not None:
        query = query.where(callbacks.c.caller_id == caller_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        calls: dict[str, list[str]] = {}
        for a in conn.execute(
            select(
                callback_attempts.c.person_key, callback_attempts.c.day, callback_attempts.c.result
            )
            .where(callback_attempts.c.campaign_id == campaign_id)
            .order_by(callback_attempts.c.at, callback_attempts.c.day)
        ):
            calls.setdefault(str(a.person_key), []).append(f"{a.day} {a.result}")
    tasks = [
        CallbackTask(
            person_key=str(r.person_key),
            caller_id=r.caller_id,
            district=str(r.district),
            street=str(r.street),
            community=str(r.community),
            stratum=r.stratum,
            status=str(r.status),
            outcome=r.outcome,
            name=str(r.name),
            id_number=str(r.id_number),
            phone=r.phone,
            address=r.address,
            attempts=calls.get(str(r.person_key), []),
        )
        for r in rows
    ]
    return sorted(
        tasks,
        key=lambda t: (t.caller_id or "~", t.district, t.street, t.community, t.person_key),
    )
