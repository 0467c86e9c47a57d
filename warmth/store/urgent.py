"""Urgent cases (临时救助 / 一事一议) in the store: opened, decided, paid once, listed.

The campaign workflow decides; these functions, called from its activities, write the
``urgent_cases`` row and the ledger event of each fact in one transaction:

- ``UrgentCaseOpened`` — key ``{campaign}:urgent:{case_id}:opened``;
- ``UrgentCaseDecided`` — key ``{campaign}:urgent:{case_id}:{district|city}``;
- ``UrgentAidIssued`` — key ``{campaign}:urgent:{case_id}:issued``: the payment,
  exactly once whatever the retries.

The row's status is ``pending`` (awaiting the district or the city), ``approved``
(finally, not paid yet), ``rejected`` or ``paid``. The events go to the person's
household stream.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, and_, select, true, update

from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.domain.ids import mask_id, mask_name, mask_phone
from warmth.domain.jurisdiction import CITY_SCOPE
from warmth.store import ledger
from warmth.store.ledger import as_utc
from warmth.store.schema import households, urgent_cases
from warmth.store.sql import insert_ignore

STORE_STATUS = {
    "awaiting_district": "pending",
    "awaiting_city": "pending",
    "approved": "approved",
    "rejected": "rejected",
    "paid": "paid",
}
"""The workflow's status of a case → the row's status."""


def opened_key(campaign_id: str, case_id: str) -> str:
    return f"{campaign_id}:urgent:{case_id}:opened"


def decided_key(campaign_id: str, case_id: str, level: str) -> str:
    return f"{campaign_id}:urgent:{case_id}:{level}"


def issued_key(campaign_id: str, case_id: str) -> str:
    return f"{campaign_id}:urgent:{case_id}:issued"


@dataclass(frozen=True)
class NewCase:
    """What is recorded when a case is raised (personal data stays in the store)."""

    case_id: str
    person_key: str
    name: str
    id_number: str
    phone: str | None
    district: str
    street: str
    community: str
    category: str
    asked_fen: int
    reason: str
    raised_by: str


class UrgentCaseRow(BaseModel):
    """A case as listed: name, ID number and phone masked unless asked in clear."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    name: str
    id_number: str
    phone: str | None
    district: str
    street: str
    community: str
    category: str
    asked_fen: int
    reason: str
    raised_by: str
    raised_at: datetime
    status: str
    approved_fen: int | None
    district_decided_by: str | None
    city_decided_by: str | None
    decided_at: datetime | None
    comment: str | None
    paid_at: datetime | None


def _event(
    campaign_id: str, person_key: str, type_: str, payload: dict[str, Any], by: str, at: datetime,
    key: str,
) -> LedgerEvent:  # fmt: skip
    return LedgerEvent(
        campaign_id=campaign_id,
        stream=household_stream(campaign_id, person_key),
        type=type_,
        payload=payload,
        actor=by,
        at=at,
        idempotency_key=key,
    )


def open_case(engine: Engine, campaign_id: str, case: NewCase, at: datetime) -> str:
    """Record a raised case (once per case id); its status after."""
    with engine.begin() as conn:
        ledger.append(
            conn,
            [
                _event(
                    campaign_id,
                    case.person_key,
                    EventType.URGENT_OPENED,
                    {
                        "case_id": case.case_id,
                        "category": case.category,
                        "asked_fen": case.asked_fen,
                        "district": case.district,
                        "street": case.street,
                        "community": case.community,
                    },
                    case.raised_by,
                    at,
                    opened_key(campaign_id, case.case_id),
                )
            ],
        )
        insert_ignore(
            conn,
            urgent_cases,
            [
                {
                    "campaign_id": campaign_id,
                    **asdict(case),
                    "raised_at": at,
                    "status": "pending",
                }
            ],
        )
        return _status(conn, campaign_id, case.case_id)


def _status(conn: Connection, campaign_id: str, case_id: str) -> str:
    status = conn.execute(
        select(urgent_cases.c.status).where(
            urgent_cases.c.campaign_id == campaign_id, urgent_cases.c.case_id == case_id
        )
    ).scalar_one_or_none()
    if status is None:
        raise NotFound(f"no urgent case {case_id} in campaign {campaign_id}")
    return str(status)


def record_decision(
    engine: Engine,
    campaign_id: str,
    case_id: str,
    *,
    level: str,
    approve: bool,
    amount_fen: int,
    comment: str,
    by: str,
    at: datetime,
    status_after: str,
) -> str:
    """Record one level's decision (once per case and level); the row's status after.

    ``status_after`` is the workflow's status of the case once decided.
    """
    with engine.begin() as conn:
        person = conn.execute(
            select(urgent_cases.c.person_key).where(
                urgent_cases.c.campaign_id == campaign_id, urgent_cases.c.case_id == case_id
            )
        ).scalar_one_or_none()
        if person is None:
            raise NotFound(f"no urgent case {case_id} in campaign {campaign_id}")
        fresh = ledger.append(
            conn,
            [
                _event(
                    campaign_id,
                    str(person),
                    EventType.URGENT_DECIDED,
                    {
                        "case_id": case_id,
                        "level": level,
                        "approve": approve,
                        "amount_fen": amount_fen if approve else 0,
                        "comment": comment,
                    },
                    by,
                    at,
                    decided_key(campaign_id, case_id, level),
                )
            ],
        )
        if fresh:
            values: dict[str, Any] = {
                "status": STORE_STATUS[status_after],
                f"{level}_decided_by": by,
                "decided_at": at,
                "comment": comment,
            }
            if approve:
                values["approved_fen"] = amount_fen
            conn.execute(
                update(urgent_cases)
                .where(
                    urgent_cases.c.campaign_id == campaign_id,
                    urgent_cases.c.case_id == case_id,
                    urgent_cases.c.status != "paid",
                )
                .values(**values)
            )
        return _status(conn, campaign_id, case_id)


def pay_case(engine: Engine, campaign_id: str, case_id: str, fund_source: str, at: datetime) -> str:
    """Pay a finally approved case: ``UrgentAidIssued`` exactly once; the status after (paid).

    :class:`Rejected` when the case is not approved (nothing is paid).
    """
    with engine.begin() as conn:
        row = conn.execute(
            select(urgent_cases).where(
                urgent_cases.c.campaign_id == campaign_id, urgent_cases.c.case_id == case_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no urgent case {case_id} in campaign {campaign_id}")
        if row.status == "paid":
            return "paid"
        if row.status != "approved" or not row.approved_fen:
            raise Rejected(f"urgent case {case_id} is {row.status}, not approved: nothing paid")
        fresh = ledger.append(
            conn,
            [
                _event(
                    campaign_id,
                    row.person_key,
                    EventType.URGENT_ISSUED,
                    {
                        "case_id": case_id,
                        "fund_source": fund_source,
                        "amount_fen": int(row.approved_fen),
                        "district": row.district,
                        "community": row.community,
                    },
                    "system:urgent",
                    at,
                    issued_key(campaign_id, case_id),
                )
            ],
        )
        if fresh:
            conn.execute(
                update(urgent_cases)
                .where(urgent_cases.c.campaign_id == campaign_id, urgent_cases.c.case_id == case_id)
                .values(status="paid", paid_at=at)
            )
        return _status(conn, campaign_id, case_id)


def household_place(
    engine: Engine, campaign_id: str, person_key: str
) -> tuple[str, str, str, str, str | None] | None:
    """(district, street, community, name, phone) of a household in the roster, or None."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                households.c.district,
                households.c.street,
                households.c.community,
                households.c.name,
                households.c.phone,
            ).where(households.c.campaign_id == campaign_id, households.c.person_key == person_key)
        ).first()
    if row is None:
        return None
    return str(row[0]), str(row[1]), str(row[2]), str(row[3]), row[4]


def case_district(engine: Engine, campaign_id: str, case_id: str) -> str:
    with engine.connect() as conn:
        district = conn.execute(
            select(urgent_cases.c.district).where(
                urgent_cases.c.campaign_id == campaign_id, urgent_cases.c.case_id == case_id
            )
        ).scalar_one_or_none()
    if district is None:
        raise NotFound(f"no urgent case {case_id} in campaign {campaign_id}")
    return str(district)


def _within(scope: str) -> Any:
    if scope == CITY_SCOPE:
        return true()
    columns = (urgent_cases.c.district, urgent_cases.c.street, urgent_cases.c.community)
    return and_(*(c == p for c, p in zip(columns, scope.split("/"), strict=False)))


def list_cases(
    engine: Engine, campaign_id: str, *, scope: str = CITY_SCOPE, full: bool = False
) -> list[UrgentCaseRow]:
    """The campaign's cases within ``scope``, oldest first; masked unless ``full``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(urgent_cases)
            .where(urgent_cases.c.campaign_id == campaign_id, _within(scope))
            .order_by(urgent_cases.c.raised_at, urgent_cases.c.case_id)
        ).all()
    return [
        UrgentCaseRow(
            case_id=r.case_id,
            name=r.name if full else mask_name(r.name),
            id_number=r.id_number if full else mask_id(r.id_number),
            phone=None if r.phone is None else (r.phone if full else mask_phone(r.phone)),
            district=r.district,
            street=r.street,
            community=r.community,
            category=r.category,
            asked_fen=r.asked_fen,
            reason=r.reason,
            raised_by=r.raised_by,
            raised_at=as_utc(r.raised_at),
            status=r.status,
            approved_fen=r.approved_fen,
            district_decided_by=r.district_decided_by,
            city_decided_by=r.city_decided_by,
            decided_at=None if r.decided_at is None else as_utc(r.decided_at),
            comment=r.comment,
            paid_at=None if r.paid_at is None else as_utc(r.paid_at),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class UrgentPayment:
    """One ``UrgentAidIssued`` event with the payee from the case row (bank file line)."""

    case_id: str
    idempotency_key: str
    fund_source: str
    amount_fen: int
    district: str
    street: str
    community: str
    name: str
    id_number: str
    extra: dict[str, Any]


def urgent_payments(engine: Engine, campaign_id: str) -> list[UrgentPayment]:
    """Every urgent payment in the ledger, with its payee; in ledger order."""
    with engine.connect() as conn:
        cases = {
            r.case_id: r
            for r in conn.execute(
                select(
                    urgent_cases.c.case_id,
                    urgent_cases.c.name,
                    urgent_cases.c.id_number,
                    urgent_cases.c.street,
                    urgent_cases.c.person_key,
                ).where(urgent_cases.c.campaign_id == campaign_id)
            )
        }
        extras = {
            str(k): dict(v or {})
            for k, v in conn.execute(
                select(households.c.person_key, households.c.extra).where(
                    households.c.campaign_id == campaign_id,
                    households.c.person_key.in_([c.person_key for c in cases.values()]),
                )
            )
        }
        out = []
        for e in ledger.events_of(conn, campaign_id, [EventType.URGENT_ISSUED]):
            case = cases[e.payload["case_id"]]
            out.append(
                UrgentPayment(
                    case_id=case.case_id,
                    idempotency_key=e.idempotency_key,
                    fund_source=str(e.payload["fund_source"]),
                    amount_fen=int(e.payload["amount_fen"]),
                    district=str(e.payload["district"]),
                    street=case.street,
                    community=str(e.payload["community"]),
                    name=case.name,
                    id_number=case.id_number,
                    extra=extras.get(case.person_key, {}),
                )
            )
        return out
