"""Mobilize (动员部署) in the store: each household's responsible unit (责任单位) and cadre.

A batch of a district's households (person-key order) gets, in one transaction:

* its community as responsible unit (``ResponsibilityAssigned``, once per unit);
* a responsible cadre (包保人) among the community's active cadres, balanced by load
  (:func:`warmth.domain.assignment.assign`): a household keeps a cadre who is still
  active; the others go to the least-loaded cadre. Each change is a ``CadreAssigned``
  event naming the previous cadre (``CadreUnassigned`` when the community has no active
  cadre left). A community without cadres leaves ``cadre_id`` NULL.

Re-running a batch finds everything in place and adds no event. Districts run in
parallel, batches of one district one after another, and a community lies in one
district, so the loads read at the start of a batch are not changed under it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, func, select, update

from warmth.domain.assignment import assign, changes
from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.store import ledger
from warmth.store.households import district_batch
from warmth.store.schema import households
from warmth.store.schema import ledger as ledger_table
from warmth.store.staff import active_cadres, cadre_load

_CADRE_EVENTS = (EventType.CADRE_ASSIGNED, EventType.CADRE_UNASSIGNED)


def assign_batch(
    engine: Engine,
    campaign_id: str,
    district: str,
    after: str | None,
    limit: int,
    actor: str,
    at: datetime,
) -> tuple[str | None, int, bool]:
    """Assign the next ``limit`` households their unit and cadre; (cursor, households, done)."""
    with engine.begin() as conn:
        batch = district_batch(conn, campaign_id, district, after, limit)
        if not batch:
            return after, 0, True
        events: list[LedgerEvent] = []
        new_unit: dict[str, str] = {}
        for h in batch:
            unit = f"{h.district}/{h.street}/{h.community}"
            if h.responsible_unit == unit:
                continue
            new_unit[str(h.person_key)] = unit
            events.append(
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=household_stream(campaign_id, str(h.person_key)),
                    type=EventType.RESPONSIBILITY_ASSIGNED,
                    payload={"unit": unit, "previous": h.responsible_unit},
                    actor=actor,
                    at=at,
                    idempotency_key=f"{campaign_id}:{h.person_key}:unit:{unit}",
                )
            )
        moves = _decide_cadres(conn, campaign_id, district, batch)
        events.extend(_cadre_events(conn, campaign_id, moves, actor, at))
        ledger.append(conn, events)
        _write(conn, campaign_id, batch, new_unit, moves)
        return str(batch[-1].person_key), len(batch), len(batch) < limit


def _decide_cadres(
    conn: Connection, campaign_id: str, district: str, batch: Sequence[Row[Any]]
) -> dict[str, tuple[str | None, str | None, str]]:
    """``{person key: (previous cadre, new cadre, unit)}`` for the batch's changes."""
    by_community: dict[tuple[str, str], list[Row[Any]]] = defaultdict(list)
    for h in batch:
        by_community[(h.street, h.community)].append(h)
    cadres = active_cadres(conn, campaign_id, district)
    wanted = [c for key in by_community for c in cadres.get(key, [])]
    load = cadre_load(conn, campaign_id, wanted)
    moves: dict[str, tuple[str | None, str | None, str]] = {}
    for (street, community), members in by_community.items():
        current = {str(h.person_key): h.cadre_id for h in members}
        decided = assign(current, cadres.get((street, community), []), current, load)
        unit = f"{district}/{street}/{community}"
        for key, (previous, new) in changes(decided, current).items():
            moves[key] = (previous, new, unit)
    return moves


def _cadre_events(
    conn: Connection,
    campaign_id: str,
    moves: dict[str, tuple[str | None, str | None, str]],
    actor: str,
    at: datetime,
) -> list[LedgerEvent]:
    """One event per change, keyed by the household's count of cadre changes so far."""
    streams = {key: household_stream(campaign_id, key) for key in moves}
    before: dict[str, int] = {}
    for part in ledger.chunks(list(streams.values())):
        rows = conn.execute(
            select(ledger_table.c.stream, func.count())
            .where(ledger_table.c.stream.in_(part), ledger_table.c.type.in_(_CADRE_EVENTS))
            .group_by(ledger_table.c.stream)
        )
        before.update((r[0], int(r[1])) for r in rows)
    events: list[LedgerEvent] = []
    for key, (previous, new, unit) in moves.items():
        stream = streams[key]
        n = before.get(stream, 0) + 1
        events.append(
            LedgerEvent(
                campaign_id=campaign_id,
                stream=stream,
                type=EventType.CADRE_ASSIGNED if new is not None else EventType.CADRE_UNASSIGNED,
                payload={"cadre": new, "previous": previous, "unit": unit},
                actor=actor,
                at=at,
                idempotency_key=f"{campaign_id}:{key}:cadre#{n}:{new or '-'}",
            )
        )
    return events


def _write(
    conn: Connection,
    campaign_id: str,
    batch: Sequence[Row[Any]],
    new_unit: dict[str, str],
    moves: dict[str, tuple[str | None, str | None, str]],
) -> None:
    rows = []
    for h in batch:
        key = str(h.person_key)
        if key not in new_unit and key not in moves:
            continue
        rows.append(
            {
                "c": campaign_id,
                "k": key,
                "unit": new_unit.get(key, h.responsible_unit),
                "cadre": moves[key][1] if key in moves else h.cadre_id,
            }
        )
    if rows:
        conn.execute(
            update(households)
            .where(
                households.c.campaign_id == bindparam("c"),
                households.c.person_key == bindparam("k"),
            )
            .values(responsible_unit=bindparam("unit"), cadre_id=bindparam("cadre")),
            rows,
        )
