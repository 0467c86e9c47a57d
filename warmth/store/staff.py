"""Staff lists (工作人员名单) in the store: cadres (包保人), callers (回访员), ops (经办).

A staff member is named by a stable id (an HMAC of campaign, unit, name and phone,
computed by :mod:`warmth.staff`) and holds one row per role. Staff are not users: they
have no token and act through nobody; cadres receive reminders about their households.

Every change is a ledger event on the stream ``staff:<campaign>:<staff id>`` keyed by
the fact, so a re-imported list adds nothing. The ledger carries ids, roles and units,
never a name or a phone number; the ``staff`` table keeps those (shown masked).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, Engine, Row, and_, func, select, true, update

from warmth.domain.errors import NotFound
from warmth.domain.events import EventType, LedgerEvent
from warmth.domain.ids import mask_name, mask_phone
from warmth.domain.jurisdiction import CITY_SCOPE
from warmth.store import ledger
from warmth.store.schema import households, staff


class StaffRole(StrEnum):
    CADRE = "cadre"  # 包保人: answers for households, one-to-one (一对一包保)
    CALLER = "caller"  # 回访员: calls recipients back
    OPS = "ops"  # 经办: records visits and deliveries

    @property
    def label_zh(self) -> str:
        return _ROLE_ZH[self]


_ROLE_ZH = {StaffRole.CADRE: "包保人", StaffRole.CALLER: "回访员", StaffRole.OPS: "经办"}


class StaffMember(BaseModel):
    """One staff member in one role. ``repr()`` masks the name and phone."""

    model_config = ConfigDict(frozen=True)

    staff_id: str
    role: StaffRole
    name: str
    phone: str
    district: str
    street: str = ""
    community: str = ""
    active: bool = True

    @property
    def unit(self) -> str:
        """The unit's jurisdiction path: ``区``, ``区/街道`` or ``区/街道/社区``."""
        return "/".join(p for p in (self.district, self.street, self.community) if p)

    def masked(self) -> dict[str, Any]:
        """For display and JSON output: name and phone masked."""
        return {
            "staff_id": self.staff_id,
            "role": self.role.value,
            "name": mask_name(self.name),
            "phone": mask_phone(self.phone),
            "unit": self.unit,
            "active": self.active,
        }

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for key, value in super().__repr_args__():
            if key == "name":
                yield key, mask_name(value)
            elif key == "phone":
                yield key, mask_phone(value)
            else:
                yield key, value


class StaffChanges(BaseModel):
    """What saving a staff list changed."""

    registered: int = 0
    reactivated: int = 0
    unchanged: int = 0


def staff_stream(campaign_id: str, staff_id: str) -> str:
    return f"staff:{campaign_id}:{staff_id}"


def _member(row: Row[Any]) -> StaffMember:
    return StaffMember(
        staff_id=row.staff_id,
        role=StaffRole(row.role),
        name=row.name,
        phone=row.phone,
        district=row.district,
        street=row.street,
        community=row.community,
        active=bool(row.active),
    )


def _event(
    campaign_id: str,
    staff_id: str,
    type_: str,
    payload: dict[str, Any],
    key: str,
    actor: str,
    at: datetime,
) -> LedgerEvent:
    return LedgerEvent(
        campaign_id=campaign_id,
        stream=staff_stream(campaign_id, staff_id),
        type=type_,
        payload=payload,
        actor=actor,
        at=at,
        idempotency_key=f"{campaign_id}:staff:{staff_id}:{key}",
    )


def save_staff(
    engine: Engine,
    campaign_id: str,
    members: Sequence[StaffMember],
    actor: str,
    at: datetime,
    *,
    facts: Sequence[LedgerEvent] = (),
    reactivate: bool = True,
) -> StaffChanges:
    """Register new staff and (if ``reactivate``) put listed inactive ones back on duty,
    in one transaction.

    A member already present and active is unchanged, so saving the same list again
    adds no event. ``facts`` (e.g. the file's ``StaffImported``) are appended with them.
    """
    changes = StaffChanges()
    with engine.begin() as conn:
        wanted = {(m.staff_id, m.role.value): m for m in members}
        ids = list(dict.fromkeys(m.staff_id for m in members))
        present: dict[tuple[str, str], Row[Any]] = {}
        for part in ledger.chunks(ids):
            for row in conn.execute(
                select(staff).where(staff.c.campaign_id == campaign_id, staff.c.staff_id.in_(part))
            ):
                present[(row.staff_id, row.role)] = row
        events: list[LedgerEvent] = []
        new_rows: list[dict[str, Any]] = []
        for (staff_id, role), m in wanted.items():
            found = present.get((staff_id, role))
            if found is None:
                changes.registered += 1
                new_rows.append(
                    {
                        "campaign_id": campaign_id,
                        "staff_id": staff_id,
                        "role": role,
                        "name": m.name,
                        "phone": m.phone,
                        "district": m.district,
                        "street": m.street,
                        "community": m.community,
                        "active": True,
                        "revision": 1,
                        "registered_at": at,
                        "updated_at": at,
                    }
                )
                events.append(
                    _event(
                        campaign_id,
                        staff_id,
                        EventType.STAFF_REGISTERED,
                        {
                            "staff_id": staff_id,
                            "role": role,
                            "district": m.district,
                            "street": m.street,
                            "community": m.community,
                        },
                        f"{role}:registered",
                        actor,
                        at,
                    )
                )
            elif not found.active and reactivate:
                changes.reactivated += 1
                revision = int(found.revision) + 1
                events.append(
                    _event(
                        campaign_id,
                        staff_id,
                        EventType.STAFF_REACTIVATED,
                        {"staff_id": staff_id, "role": role},
                        f"{role}:active@{revision}",
                        actor,
                        at,
                    )
                )
                conn.execute(
                    update(staff)
                    .where(
                        staff.c.campaign_id == campaign_id,
                        staff.c.staff_id == staff_id,
                        staff.c.role == role,
                    )
                    .values(active=True, revision=revision, updated_at=at)
                )
            else:
                changes.unchanged += 1
        ledger.append(conn, [*events, *facts])
        if new_rows:
            conn.execute(staff.insert(), new_rows)
    return changes


def deactivate_staff(
    engine: Engine,
    campaign_id: str,
    staff_id: str,
    role: StaffRole | None,
    actor: str,
    at: datetime,
) -> list[StaffMember]:
    """Take a staff member (in one role, or all) off duty; return the roles changed.

    Their households keep them until the next mobilize batch, which hands the households
    to the community's other cadres. Deactivating an inactive member changes nothing.
    """
    with engine.begin() as conn:
        query = select(staff).where(
            staff.c.campaign_id == campaign_id, staff.c.staff_id == staff_id
        )
        if role is not None:
            query = query.where(staff.c.role == role.value)
        rows = conn.execute(query.order_by(staff.c.role)).all()
        if not rows:
            what = f"{staff_id} ({role.value})" if role is not None else staff_id
            raise NotFound(f"no staff member {what} in campaign {campaign_id!r}")
        changed: list[StaffMember] = []
        events: list[LedgerEvent] = []
        for row in rows:
            if not row.active:
                continue
            revision = int(row.revision) + 1
            events.append(
                _event(
                    campaign_id,
                    staff_id,
                    EventType.STAFF_DEACTIVATED,
                    {"staff_id": staff_id, "role": row.role},
                    f"{row.role}:inactive@{revision}",
                    actor,
                    at,
                )
            )
            conn.execute(
                update(staff)
                .where(
                    staff.c.campaign_id == campaign_id,
                    staff.c.staff_id == staff_id,
                    staff.c.role == row.role,
                )
                .values(active=False, revision=revision, updated_at=at)
            )
            changed.append(_member(row).model_copy(update={"active": False}))
        ledger.append(conn, events)
    return changed


def _within(scope: str) -> Any:
    """SQL condition: the staff member's unit lies within jurisdiction ``scope``."""
    if scope == CITY_SCOPE:
        return true()
    parts = scope.split("/")
    conditions = [staff.c.district == parts[0]]
    if len(parts) > 1:
        conditions.append(staff.c.street == parts[1])
    if len(parts) > 2:
        conditions.append(staff.c.community == parts[2])
    return and_(*conditions)


def list_staff(
    engine: Engine,
    campaign_id: str,
    *,
    scope: str = CITY_SCOPE,
    role: StaffRole | None = None,
    active_only: bool = False,
) -> list[StaffMember]:
    """The campaign's staff within ``scope``, by unit, role and id."""
    query = select(staff).where(staff.c.campaign_id == campaign_id, _within(scope))
    if role is not None:
        query = query.where(staff.c.role == role.value)
    if active_only:
        query = query.where(staff.c.active.is_(True))
    query = query.order_by(
        staff.c.district, staff.c.street, staff.c.community, staff.c.role, staff.c.staff_id
    )
    with engine.connect() as conn:
        return [_member(r) for r in conn.execute(query)]


def staff_by_id(engine: Engine, campaign_id: str, ids: Sequence[str]) -> dict[str, StaffMember]:
    """Staff members by id (for a notification directory: name and phone); one per id.

    A member with several roles is given in their cadre role if they have it.
    """
    found: dict[str, StaffMember] = {}
    with engine.connect() as conn:
        for part in ledger.chunks(list(dict.fromkeys(ids))):
            rows = conn.execute(
                select(staff).where(staff.c.campaign_id == campaign_id, staff.c.staff_id.in_(part))
            )
            for row in rows:
                if row.staff_id not in found or row.role == StaffRole.CADRE.value:
                    found[row.staff_id] = _member(row)
    return found


def active_cadres(
    conn: Connection, campaign_id: str, district: str
) -> dict[tuple[str, str], list[str]]:
    """The district's active cadres by ``(street, community)``, ids sorted."""
    rows = conn.execute(
        select(staff.c.street, staff.c.community, staff.c.staff_id)
        .where(
            staff.c.campaign_id == campaign_id,
            staff.c.district == district,
            staff.c.role == StaffRole.CADRE.value,
            staff.c.active.is_(True),
        )
        .order_by(staff.c.street, staff.c.community, staff.c.staff_id)
    )
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        if r.community:  # a cadre answers for households of a community
            out[(r.street, r.community)].append(r.staff_id)
    return dict(out)


def cadre_load(conn: Connection, campaign_id: str, cadre_ids: Sequence[str]) -> dict[str, int]:
    """How many households each of ``cadre_ids`` answers for now."""
    load: dict[str, int] = {}
    for part in ledger.chunks(list(dict.fromkeys(cadre_ids))):
        rows = conn.execute(
            select(households.c.cadre_id, func.count())
            .where(households.c.campaign_id == campaign_id, households.c.cadre_id.in_(part))
            .group_by(households.c.cadre_id)
        )
        load.update((r[0], int(r[1])) for r in rows)
    return load


def _active_cadre_join() -> Any:
    return and_(
        staff.c.campaign_id == households.c.campaign_id,
        staff.c.staff_id == households.c.cadre_id,
        staff.c.role == StaffRole.CADRE.value,
    )


def cadre_counts(engine: Engine, campaign_id: str, district: str) -> dict[str, int]:
    """``{"cadres": active cadres of the district, "assigned_cadre": households with a
    cadre, "without_cadre": households without one}`` (read from the projections).

    ``without_cadre`` counts households not yet through mobilize as well as those of
    communities that have no active cadre.
    """
    with engine.connect() as conn:
        cadres = conn.execute(
            select(func.count(func.distinct(staff.c.staff_id))).where(
                staff.c.campaign_id == campaign_id,
                staff.c.district == district,
                staff.c.role == StaffRole.CADRE.value,
                staff.c.active.is_(True),
                staff.c.community != "",
            )
        ).scalar_one()
        total, assigned = conn.execute(
            select(func.count(), func.count(households.c.cadre_id)).where(
                households.c.campaign_id == campaign_id, households.c.district == district
            )
        ).one()
    return {
        "cadres": int(cadres),
        "assigned_cadre": int(assigned),
        "without_cadre": int(total) - int(assigned),
    }


class CadreLoad(NamedTuple):
    """What a cadre (包保干部) answers for in one district: households per community,
    and a digest of exactly which households (so a changed list is told again)."""

    cadre_id: str
    by_community: dict[str, int]
    digest: str

    @property
    def households(self) -> int:
        return sum(self.by_community.values())


def cadre_notices(engine: Engine, campaign_id: str, district: str) -> list[CadreLoad]:
    """The households of each active cadre of the district who has some, by cadre id:
    what each cadre is to be told (nothing is sent here)."""
    loads: dict[str, tuple[Counter[str], Any]] = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(households.c.cadre_id, households.c.community, households.c.person_key)
            .join(staff, _active_cadre_join())
            .where(
                households.c.campaign_id == campaign_id,
                households.c.district == district,
                staff.c.active.is_(True),
            )
            .order_by(households.c.cadre_id, households.c.person_key)
        )
        for cadre, community, key in rows:
            counts, digest = loads.setdefault(str(cadre), (Counter(), hashlib.sha256()))
            counts[str(community)] += 1
            digest.update(f"{key}\n".encode())
    return [
        CadreLoad(cadre, dict(sorted(counts.items())), digest.hexdigest()[:16])
        for cadre, (counts, digest) in loads.items()
    ]
