"""Hazard rectification (隐患整改) in the store: tasks opened, fixed, listed, due.

A task is one hazard kind (用电 / 用气 / 用水 / 消防 / 食品安全) of one household, with a
deadline ``found_at + plan.cases.rectification_window`` and the household's responsible
cadre (包保人). Tasks come from the survey (the roster's 隐患 column, opened once per
district after mobilization) or from a visit (边查边改). Each opening is a
``HazardRecorded`` ledger event keyed ``{campaign}:hazard:{task_id}:recorded``, each fix
a ``HazardFixed`` keyed ``…:{task_id}:fixed``, appended in the same transaction as the
``rectifications`` row they reflect; a repeated command finds the key and changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, Row, and_, func, select, true, update

from warmth.auth.rules import Action, Forbidden, Principal, Role, allowed
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.domain.ids import mask_id, mask_name
from warmth.domain.jurisdiction import CITY_SCOPE
from warmth.roster.normalize import HAZARD_KINDS
from warmth.store import ledger
from warmth.store.campaigns import get_plan
from warmth.store.ledger import as_utc
from warmth.store.schema import households, rectifications
from warmth.store.sql import insert_ignore

Source = Literal["survey", "visit"]
FIXERS = frozenset({Role.OPS, Role.CADRE})
"""Who may confirm a fix: the responsible cadre (包保人) or ops, within jurisdiction."""


class HazardTask(BaseModel):
    """A rectification task as shown to users: the household masked."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    hazard: str
    source: str
    status: str  # open | fixed
    district: str
    street: str
    community: str
    cadre_id: str | None
    deadline: datetime
    found_by: str
    found_at: datetime
    note: str | None
    fixed_by: str | None = None
    fixed_at: datetime | None = None
    fix_note: str | None = None
    name: str = ""  # masked
    id_number: str = ""  # masked


class TaskResult(BaseModel):
    """A task after a command: ``recorded`` False when nothing new was written."""

    model_config = ConfigDict(frozen=True)

    task: HazardTask
    recorded: bool


class DueRectification(BaseModel):
    """An open task for reminders: whom (the cadre, the community) and by when."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    hazard: str
    deadline: datetime
    district: str
    street: str
    community: str
    cadre_id: str | None


def task_id(campaign_id: str, person_key: str, hazard: str, source: str) -> str:
    """A task's id: the same (campaign, person, hazard, source) always names the same task."""
    text = f"{campaign_id}:{person_key}:{hazard}:{source}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def recorded_key(campaign_id: str, task: str) -> str:
    return f"{campaign_id}:hazard:{task}:recorded"


def fixed_key(campaign_id: str, task: str) -> str:
    return f"{campaign_id}:hazard:{task}:fixed"


def check_hazard(kind: str) -> str:
    if kind not in HAZARD_KINDS:
        raise Rejected(f"unknown hazard kind {kind!r}: one of {'、'.join(HAZARD_KINDS)}")
    return kind


def _path(district: str, street: str, community: str) -> str:
    return f"{district}/{street}/{community}"


def _recorded(campaign_id: str, row: dict[str, Any], actor: str, at: datetime) -> LedgerEvent:
    return LedgerEvent(
        campaign_id=campaign_id,
        stream=household_stream(campaign_id, row["person_key"]),
        type=EventType.HAZARD_RECORDED,
        payload={
            "task_id": row["task_id"],
            "hazard": row["hazard"],
            "source": row["source"],
            "district": row["district"],
            "street": row["street"],
            "community": row["community"],
            "cadre_id": row["cadre_id"],
            "deadline": row["deadline"].isoformat(),
        },
        actor=actor,
        at=at,
        idempotency_key=recorded_key(campaign_id, row["task_id"]),
    )


def _open_tasks(conn: Connection, campaign_id: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows whose task ids are new, each with its HazardRecorded event."""
    known = ledger.existing_keys(conn, (recorded_key(campaign_id, r["task_id"]) for r in rows))
    fresh = [r for r in rows if recorded_key(campaign_id, r["task_id"]) not in known]
    ledger.append(conn, [_recorded(campaign_id, r, r["found_by"], r["found_at"]) for r in fresh])
    insert_ignore(conn, rectifications, fresh)


def open_survey_rectifications(
    engine: Engine, campaign_id: str, district: str, actor: str, at: datetime
) -> int:
    """Open one task per hazard of every household of ``district`` the survey found hazards at.

    Idempotent: task ids are derived from (campaign, person, hazard, "survey"), so running
    it again opens nothing new. Returns the district's survey tasks after the call (the
    resulting state, read back, not what this call added).
    """
    window = get_plan(engine, campaign_id).cases.rectification_window
    with engine.begin() as conn:
        found = conn.execute(
            select(
                households.c.person_key,
                households.c.street,
                households.c.community,
                households.c.hazards,
                households.c.cadre_id,
            ).where(households.c.campaign_id == campaign_id, households.c.district == district)
        ).all()
        rows = [
            {
                "campaign_id": campaign_id,
                "task_id": task_id(campaign_id, h.person_key, kind, "survey"),
                "person_key": h.person_key,
                "hazard": kind,
                "source": "survey",
                "note": None,
                "district": district,
                "street": h.street,
                "community": h.community,
                "cadre_id": h.cadre_id,
                "found_by": actor,
                "found_at": at,
                "deadline": at + window,
                "status": "open",
            }
            for h in found
            for kind in dict.fromkeys(h.hazards or [])
            if kind in HAZARD_KINDS
        ]
        for part in ledger.chunks(rows):
            _open_tasks(conn, campaign_id, part)
        return int(
            conn.execute(
                select(func.count()).where(
                    rectifications.c.campaign_id == campaign_id,
                    rectifications.c.district == district,
                    rectifications.c.source == "survey",
                )
            ).scalar_one()
        )


def record_visit_hazard(
    engine: Engine,
    campaign_id: str,
    person_key: str,
    hazard: str,
    note: str,
    actor: str,
    at: datetime,
    *,
    principal: Principal | None = None,
) -> TaskResult:
    """A hazard found on a visit (source ``visit``). Nothing new when one of that kind is open.

    The household must be in the campaign; with ``principal``, its community must be
    within their jurisdiction (:class:`Forbidden` otherwise).
    """
    check_hazard(hazard)
    if not note.strip():
        raise Rejected("a hazard found on a visit needs a note (what was found)")
    window = get_plan(engine, campaign_id).cases.rectification_window
    with engine.begin() as conn:
        h = conn.execute(
            select(households).where(
                households.c.campaign_id == campaign_id, households.c.person_key == person_key
            )
        ).first()
        if h is None:
            raise NotFound(f"no such household in campaign {campaign_id}")
        where = _path(h.district, h.street, h.community)
        if principal is not None and not allowed(principal, Action.CHANGE, where):
            raise Forbidden(f"{where} is outside your jurisdiction; no hazard recorded")
        mine = and_(
            rectifications.c.campaign_id == campaign_id,
            rectifications.c.person_key == person_key,
            rectifications.c.hazard == hazard,
        )
        existing = conn.execute(
            select(rectifications.c.task_id).where(mine, rectifications.c.status == "open")
        ).first()
        if existing is not None:
            return TaskResult(task=_task(conn, campaign_id, existing.task_id), recorded=False)
        earlier = conn.execute(select(func.count()).where(mine)).scalar_one()
        tid = task_id(campaign_id, person_key, hazard, f"visit:{earlier}")
        _open_tasks(
            conn,
            campaign_id,
            [
                {
                    "campaign_id": campaign_id,
                    "task_id": tid,
                    "person_key": person_key,
                    "hazard": hazard,
                    "source": "visit",
                    "note": note.strip(),
                    "district": h.district,
                    "street": h.street,
                    "community": h.community,
                    "cadre_id": h.cadre_id,
                    "found_by": actor,
                    "found_at": at,
                    "deadline": at + window,
                    "status": "open",
                }
            ],
        )
        return TaskResult(task=_task(conn, campaign_id, tid), recorded=True)


def fix_hazard(
    engine: Engine,
    campaign_id: str,
    task: str,
    note: str,
    actor: str,
    at: datetime,
    *,
    principal: Principal | None = None,
) -> TaskResult:
    """Confirm a task fixed (整改完成) with a note; again: nothing new, the first fix kept.

    With ``principal``, they must be a cadre or ops whose jurisdiction covers the task's
    community (:class:`Forbidden` otherwise).
    """
    if not note.strip():
        raise Rejected("confirming a fix needs a note (what was done)")
    with engine.begin() as conn:
        row = conn.execute(
            select(rectifications).where(
                rectifications.c.campaign_id == campaign_id, rectifications.c.task_id == task
            )
        ).first()
        if row is None:
            raise NotFound(f"no rectification task {task} in campaign {campaign_id}")
        where = _path(row.district, row.street, row.community)
        if principal is not None and not (
            FIXERS & set(principal.roles) and allowed(principal, Action.CHANGE, where)
        ):
            who = getattr(principal, "id", "this user")
            raise Forbidden(
                f"{who} may not confirm the fix of task {task} in {where}: it needs the"
                " responsible cadre or ops within whose jurisdiction it lies"
            )
        if row.status == "fixed":
            return TaskResult(task=_task(conn, campaign_id, task), recorded=False)
        fresh = ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=household_stream(campaign_id, row.person_key),
                    type=EventType.HAZARD_FIXED,
                    payload={
                        "task_id": task,
                        "hazard": row.hazard,
                        "district": row.district,
                        "community": row.community,
                        "note": note.strip(),
                    },
                    actor=actor,
                    at=at,
                    idempotency_key=fixed_key(campaign_id, task),
                )
            ],
        )
        if fresh:
            conn.execute(
                update(rectifications)
                .where(
                    rectifications.c.campaign_id == campaign_id,
                    rectifications.c.task_id == task,
                    rectifications.c.status == "open",
                )
                .values(status="fixed", fixed_by=actor, fixed_at=at, fix_note=note.strip())
            )
        return TaskResult(task=_task(conn, campaign_id, task), recorded=bool(fresh))


def _within(scope: str) -> Any:
    """SQL condition: the task lies within jurisdiction ``scope``."""
    if scope == CITY_SCOPE:
        return true()
    parts = scope.split("/")
    columns = (rectifications.c.district, rectifications.c.street, rectifications.c.community)
    return and_(*(c == p for c, p in zip(columns, parts, strict=False)))


def _query(campaign_id: str) -> Any:
    return (
        select(rectifications, households.c.name, households.c.id_number)
        .select_from(
            rectifications.outerjoin(
                households,
                and_(
                    households.c.campaign_id == rectifications.c.campaign_id,
                    households.c.person_key == rectifications.c.person_key,
                ),
            )
        )
        .where(rectifications.c.campaign_id == campaign_id)
    )


def _from_row(row: Row[Any]) -> HazardTask:
    return HazardTask(
        task_id=row.task_id,
        hazard=row.hazard,
        source=row.source,
        status=row.status,
        district=row.district,
        street=row.street,
        community=row.community,
        cadre_id=row.cadre_id,
        deadline=as_utc(row.deadline),
        found_by=row.found_by,
        found_at=as_utc(row.found_at),
        note=row.note,
        fixed_by=row.fixed_by,
        fixed_at=None if row.fixed_at is None else as_utc(row.fixed_at),
        fix_note=row.fix_note,
        name=mask_name(row.name or ""),
        id_number=mask_id(row.id_number or ""),
    )


def _task(conn: Connection, campaign_id: str, task: str) -> HazardTask:
    row = conn.execute(_query(campaign_id).where(rectifications.c.task_id == task)).one()
    return _from_row(row)


def list_rectifications(
    engine: Engine,
    campaign_id: str,
    *,
    open_only: bool = False,
    scope: str = CITY_SCOPE,
    cadre_id: str | None = None,
) -> list[HazardTask]:
    """The campaign's tasks within ``scope`` (a district, ``区/街道`` or ``区/街道/社区``),
    optionally only the open ones or one cadre's, masked; by deadline."""
    query = _query(campaign_id).where(_within(scope))
    if open_only:
        query = query.where(rectifications.c.status == "open")
    if cadre_id is not None:
        query = query.where(rectifications.c.cadre_id == cadre_id)
    query = query.order_by(
        rectifications.c.deadline,
        rectifications.c.district,
        rectifications.c.street,
        rectifications.c.community,
        rectifications.c.task_id,
    )
    with engine.connect() as conn:
        return [_from_row(r) for r in conn.execute(query)]


def open_rectifications_due(engine: Engine, campaign_id: str) -> list[DueRectification]:
    """Every open task, earliest deadline first, with whom to remind (cadre, community)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                rectifications.c.task_id,
                rectifications.c.hazard,
                rectifications.c.deadline,
                rectifications.c.district,
                rectifications.c.street,
                rectifications.c.community,
                rectifications.c.cadre_id,
            )
            .where(rectifications.c.campaign_id == campaign_id, rectifications.c.status == "open")
            .order_by(rectifications.c.deadline, rectifications.c.task_id)
        ).all()
    return [
        DueRectification(
            task_id=r.task_id,
            hazard=r.hazard,
            deadline=as_utc(r.deadline),
            district=r.district,
            street=r.street,
            community=r.community,
            cadre_id=r.cadre_id,
        )
        for r in rows
    ]
