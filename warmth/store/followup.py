"""Follow-up (回访) in the store: the callback sample, drawn once per campaign, and its
assignment to callers (回访员).

The sample is stratified (:func:`~warmth.domain.sampling.draw_stratified_sample`): every
category present in a community is called at least once; ``callbacks.stratum`` keeps
the category each household was drawn for. Each drawn household is then given to an
active caller whose unit covers its community, least-loaded first (``CallbackAssigned``);
a household no caller covers stays unassigned until a caller is listed and the
assignment runs again (:func:`assign_district_callbacks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import Connection, Engine, and_, func, select, update

from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.domain.sampling import draw_rank, draw_stratified_sample
from warmth.store import ledger
from warmth.store.schema import callbacks, households, staff
from warmth.store.sql import insert_ignore
from warmth.store.staff import StaffRole


def drawn_key(campaign_id: str, person_key: str) -> str:
    return f"{campaign_id}:{person_key}:callback-drawn"


def assigned_key(campaign_id: str, person_key: str, caller_id: str) -> str:
    return f"{campaign_id}:{person_key}:callback-assigned:{caller_id}"


@dataclass
class CallbackAssignment:
    """What an assignment run did in one district."""

    assigned: int = 0  # households given a caller now
    unassigned: dict[str, int] = field(default_factory=dict)  # 区/街道/社区 -> left without


def draw_district_callbacks(
    engine: Engine,
    campaign_id: str,
    district: str,
    rate: float,
    minimum: int,
    actor: str,
    at: datetime,
) -> int:
    """Draw the district's callback sample per community and assign it to callers;
    returns the sample's size. Drawing again draws the same households, and only
    households still without a caller are assigned."""
    with engine.begin() as conn:
        population = conn.execute(
            select(
                households.c.person_key,
                households.c.street,
                households.c.community,
                households.c.categories,
            ).where(households.c.campaign_id == campaign_id, households.c.district == district)
        ).all()
        where = {str(r.person_key): (str(r.street), str(r.community)) for r in population}
        drawn = draw_stratified_sample(
            campaign_id,
            (
                (str(r.person_key), f"{r.street}/{r.community}", list(r.categories or []))
                for r in population
            ),
            rate,
            minimum,
        )
        events = [
            LedgerEvent(
                campaign_id=campaign_id,
                stream=household_stream(campaign_id, d.person_key),
                type=EventType.CALLBACK_DRAWN,
                payload={
                    "district": district,
                    "community": where[d.person_key][1],
                    "stratum": d.stratum,
                },
                actor=actor,
                at=at,
                idempotency_key=drawn_key(campaign_id, d.person_key),
            )
            for d in drawn
        ]
        ledger.append(conn, events)
        insert_ignore(
            conn,
            callbacks,
            [
                {
                    "campaign_id": campaign_id,
                    "person_key": d.person_key,
                    "district": district,
                    "community": where[d.person_key][1],
                    "status": "drawn",
                    "drawn_at": at,
                    "stratum": d.stratum,
                }
                for d in drawn
            ],
        )
        result = assign_district_callbacks(conn, campaign_id, district, actor, at)
        size = int(
            conn.execute(
                select(func.count()).where(
                    callbacks.c.campaign_id == campaign_id, callbacks.c.district == district
                )
            ).scalar_one()
        )
    if result.unassigned:
        # A logger per call: structlog caches a module-level one on first use.
        structlog.get_logger(__name__).warning(
            "callbacks without a caller",
            campaign_id=campaign_id,
            district=district,
            unassigned=sum(result.unassigned.values()),
            communities=sorted(result.unassigned),
        )
    return size


def _covers(street: str, community: str, unit_street: str, unit_community: str) -> bool:
    """Whether a caller's unit (within the district) covers a community."""
    return unit_street in ("", street) and (unit_street == "" or unit_community in ("", community))


def assign_district_callbacks(
    conn: Connection, campaign_id: str, district: str, actor: str, at: datetime
) -> CallbackAssignment:
    """Give each drawn, unconcluded household of the district without a caller to an
    active caller covering its community, in the caller's transaction.

    Balanced and deterministic: households with the fewest callers to choose from go
    first (then by street, community and draw rank), each to the covering caller with
    the fewest callbacks so far (then the smallest staff id).
    """
    callers = conn.execute(
        select(staff.c.staff_id, staff.c.street, staff.c.community)
        .where(
            staff.c.campaign_id == campaign_id,
            staff.c.district == district,
            staff.c.role == StaffRole.CALLER.value,
            staff.c.active.is_(True),
        )
        .order_by(staff.c.staff_id)
    ).all()
    waiting = conn.execute(
        select(callbacks.c.person_key, households.c.street, households.c.community)
        .select_from(
            callbacks.join(
                households,
                and_(
                    households.c.campaign_id == callbacks.c.campaign_id,
                    households.c.person_key == callbacks.c.person_key,
                ),
            )
        )
        .where(
            callbacks.c.campaign_id == campaign_id,
            callbacks.c.district == district,
            callbacks.c.caller_id.is_(None),
            callbacks.c.outcome.is_(None),
        )
    ).all()
    result = CallbackAssignment()
    if not waiting:
        return result
    ids = [str(c.staff_id) for c in callers]
    load = dict.fromkeys(ids, 0)
    for part in ledger.chunks(ids):
        load.update(
            (str(r[0]), int(r[1]))
            for r in conn.execute(
                select(callbacks.c.caller_id, func.count())
                .where(callbacks.c.campaign_id == campaign_id, callbacks.c.caller_id.in_(part))
                .group_by(callbacks.c.caller_id)
            )
        )
    options = {
        str(w.person_key): [
            str(c.staff_id)
            for c in callers
            if _covers(str(w.street), str(w.community), str(c.street), str(c.community))
        ]
        for w in waiting
    }
    order = sorted(
        waiting,
        key=lambda w: (
            len(options[str(w.person_key)]),
            str(w.street),
            str(w.community),
            draw_rank(campaign_id, str(w.person_key)),
        ),
    )
    events: list[LedgerEvent] = []
    for w in order:
        key = str(w.person_key)
        choices = options[key]
        if not choices:
            path = f"{district}/{w.street}/{w.community}"
            result.unassigned[path] = result.unassigned.get(path, 0) + 1
            continue
        caller = min(choices, key=lambda c: (load[c], c))
        load[caller] += 1
        result.assigned += 1
        events.append(
            LedgerEvent(
                campaign_id=campaign_id,
                stream=household_stream(campaign_id, key),
                type=EventType.CALLBACK_ASSIGNED,
                payload={"caller_id": caller, "district": district, "community": str(w.community)},
                actor=actor,
                at=at,
                idempotency_key=assigned_key(campaign_id, key, caller),
            )
        )
        conn.execute(
            update(callbacks)
            .where(callbacks.c.campaign_id == campaign_id, callbacks.c.person_key == key)
            .values(caller_id=caller)
        )
    ledger.append(conn, events)
    return result


def assign_callbacks(
    engine: Engine, campaign_id: str, districts: list[str], actor: str, at: datetime
) -> CallbackAssignment:
    """:func:`assign_district_callbacks` for several districts, in one transaction each
    (after callers were listed late, say); the totals."""
    total = CallbackAssignment()
    for district in districts:
        with engine.begin() as conn:
            r = assign_district_callbacks(conn, campaign_id, district, actor, at)
        total.assigned += r.assigned
        total.unassigned.update(r.unassigned)
    return total
