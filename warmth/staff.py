"""Mobilize (动员部署) operations for the CLI (and later the API): staff lists and charity.

* Staff lists (工作人员名单): each unit's cadres (包保人), callers (回访员) and ops
  (经办) from a CSV/XLSX file with columns 姓名, 联系电话, 单位 (``区/街道/社区``, or
  separate 区, 街道, 社区 columns) and 角色. Bad rows are reported with row, field and a
  bilingual reason; good rows are imported; importing the same list again changes
  nothing. A staff member's id is an HMAC (the person-key secret) of campaign, unit,
  name and phone: stable, and it reveals neither name nor phone.
* Charity (慈善募集): pledges (认捐) and receipts (到账) against the plan's charity fund
  source, each recorded once per request.

Phone numbers are personal data: they are never logged, and shown masked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from pydantic import BaseModel
from sqlalchemy import Engine

from warmth.auth.rules import Action, Forbidden, Role, User, authorize
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType, LedgerEvent, campaign_stream
from warmth.domain.jurisdiction import CITY_SCOPE, scope_covers
from warmth.intake import file_digest
from warmth.roster.columns import header_key
from warmth.roster.errors import RosterFileError, RowError
from warmth.roster.normalize import clean_text, normalize_name, place_key, split_categories
from warmth.roster.reader import read_table
from warmth.roster.validate import normalize_phone
from warmth.store import charity as charity_store
from warmth.store import ledger
from warmth.store import staff as staff_store
from warmth.store.campaigns import get_plan, record_refusal
from warmth.store.charity import CHARITY_SOURCE, Pledge, Receipt, charity_totals
from warmth.store.staff import StaffMember, StaffRole

__all__ = [
    "CHARITY_SOURCE",
    "Pledge",
    "Receipt",
    "StaffFile",
    "StaffImportReport",
    "StaffMember",
    "StaffRole",
    "charity_totals",
    "deactivate_staff",
    "import_staff",
    "list_pledges",
    "list_staff",
    "parse_yuan",
    "pledge",
    "read_staff_file",
    "receive",
    "staff_id",
    "totals",
]

STAFF_REQUIRED: Final = ("name", "phone")
UNIT_HEADERS: Final = frozenset(
    header_key(h) for h in ("单位", "所在单位", "工作单位", "unit", "reporting_unit")
)  # reporting_unit: the roster's 报送单位 header
ROLE_HEADERS: Final = frozenset(header_key(h) for h in ("角色", "职责", "岗位", "role"))
ROLE_WORDS: Final[dict[str, StaffRole]] = {
    place_key(word): role
    for role, words in (
        (StaffRole.CADRE, ("包保人", "包保干部", "包保责任人", "cadre")),
        (StaffRole.CALLER, ("回访员", "回访人员", "caller")),
        (StaffRole.OPS, ("经办", "经办人", "ops")),
    )
    for word in words
}
_UNIT_SEPARATORS = re.compile(r"\s*[/／\\]\s*")

NAME_MISSING = "姓名为空 / name is missing"
PHONE_MISSING = "联系电话为空 / phone is missing"
ROLE_MISSING = "角色为空 / role is missing"
ROLE_UNKNOWN = (
    "角色应为包保人、回访员或经办 / role must be 包保人 (cadre), 回访员 (caller) or 经办 (ops)"
)
UNIT_MISSING = "单位为空 / unit is missing"
UNIT_SHAPE = (
    "单位应写作“区/街道/社区” / unit must be written as 区/街道/社区 (district/street/community)"
)
CADRE_UNIT = "包保人须属于社区（区/街道/社区） / a cadre belongs to a community (区/街道/社区)"


# ---- staff files ---------------------------------------------------------------------------


class StaffFile(BaseModel):
    """A staff file read and checked: its good members (one per id and role) and bad rows."""

    file_name: str
    rows: int
    members: list[StaffMember]
    accepted_rows: int
    duplicates: int  # good rows repeating an earlier row's member and role
    rejected: list[RowError]

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.rejected})


class StaffImportReport(BaseModel):
    """What importing a staff file did."""

    campaign_id: str
    file_name: str
    rows: int
    accepted: int
    rejected_rows: int
    duplicates: int
    registered: int  # new (staff member, role) pairs
    reactivated: int  # listed again after being taken off duty
    unchanged: int
    rejected: list[RowError]

    @property
    def changed(self) -> bool:
        return bool(self.registered or self.reactivated)


def staff_id(secret: bytes, campaign_id: str, unit: str, name: str, phone: str) -> str:
    """A staff member's stable id: HMAC of campaign, unit path, name and phone (16 hex)."""
    message = "\x1f".join((campaign_id, unit, name, phone)).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:16]


class _Places:
    """Resolves unit paths to the plan's spelling (names compared by :func:`place_key`)."""

    def __init__(self, communities: Iterable[tuple[str, str, str]]) -> None:
        self.districts: dict[str, str] = {}
        self.streets: dict[tuple[str, str], tuple[str, str]] = {}
        self.communities: dict[tuple[str, str, str], tuple[str, str, str]] = {}
        self.street_names: dict[str, list[tuple[str, str]]] = {}
        self.community_names: dict[str, list[tuple[str, str, str]]] = {}
        for d, s, c in communities:
            dk, sk, ck = place_key(d), place_key(s), place_key(c)
            self.districts.setdefault(dk, d)
            if (dk, sk) not in self.streets:
                self.streets[(dk, sk)] = (d, s)
                self.street_names.setdefault(sk, []).append((d, s))
            if (dk, sk, ck) not in self.communities:
                self.communities[(dk, sk, ck)] = (d, s, c)
                self.community_names.setdefault(ck, []).append((d, s, c))

    def resolve(self, parts: list[str]) -> tuple[str, str, str] | str:
        """``(district, street, community)`` ("" below the unit's level) or a reason."""
        keys = [place_key(p) for p in parts]
        if len(parts) == 1 and keys[0] not in self.districts:
            return self._by_name(parts[0], keys[0])
        district = self.districts.get(keys[0])
        if district is None:
            return f"区不在本次辖区内：{parts[0]} / district is not in the jurisdiction"
        if len(parts) == 1:
            return district, "", ""
        street = self.streets.get((keys[0], keys[1]))
        if street is None:
            return f"街道不属于{district}：{parts[1]} / street is not in district {district}"
        if len(parts) == 2:
            return street[0], street[1], ""
        community = self.communities.get((keys[0], keys[1], keys[2]))
        if community is None:
            return (
                f"社区不属于{district}{street[1]}：{parts[2]} / "
                f"community is not in {district} {street[1]}"
            )
        return community

    def _by_name(self, text: str, key: str) -> tuple[str, str, str] | str:
        """A unit given by a bare community or street name, if the name is unique."""
        communities = self.community_names.get(key, [])
        if len(communities) == 1:
            return communities[0]
        streets = self.street_names.get(key, [])
        if not communities and len(streets) == 1:
            return streets[0][0], streets[0][1], ""
        if communities or streets:
            return (
                f"单位名称“{text}”不唯一，请写作“区/街道/社区” / "
                f"unit name {text!r} is ambiguous: write it as 区/街道/社区"
            )
        return f"单位不在本次辖区内：{text} / unit is not in the jurisdiction"


def _column(raw: dict[str, str], headers: frozenset[str]) -> str | None:
    for key, value in raw.items():
        if header_key(key) in headers:
            return value
    return None


def _unit_parts(raw: dict[str, str], unit_cell: str | None) -> list[str] | str:
    """The unit's path parts from the 单位 cell, else from 区/街道/社区; or a reason."""
    text = clean_text(unit_cell or "")
    if text:
        parts = [p for p in _UNIT_SEPARATORS.split(text)]
        if any(not p for p in parts) or len(parts) > 3:
            return UNIT_SHAPE
        return parts
    columns = [clean_text(raw.get(f, "")) for f in ("district", "street", "community")]
    while columns and not columns[-1]:
        columns.pop()
    if not columns:
        return UNIT_MISSING
    if any(not p for p in columns):
        return UNIT_SHAPE
    return columns


def _roles(cell: str) -> list[StaffRole] | str:
    parts = split_categories(cell)
    if not parts:
        return ROLE_MISSING
    roles: list[StaffRole] = []
    for part in parts:
        role = ROLE_WORDS.get(place_key(part))
        if role is None:
            return ROLE_UNKNOWN
        if role not in roles:
            roles.append(role)
    return roles


def read_staff_file(
    path: str | os.PathLike[str],
    campaign_id: str,
    secret: bytes,
    communities: Iterable[tuple[str, str, str]],
    *,
    scope: str = CITY_SCOPE,
    encoding: str | None = None,
) -> StaffFile:
    """Read and check a staff file against the campaign's jurisdiction.

    Raises :class:`RosterFileError` for a file that cannot be read as a staff list (no
    姓名 or 联系电话 column, neither 单位 nor 区 column, no 角色 column). A row whose
    unit lies outside ``scope`` (the importing user's jurisdiction) is a bad row.
    """
    places = _Places(communities)
    rows = 0
    members: dict[tuple[str, StaffRole], StaffMember] = {}
    accepted_rows = duplicates = 0
    rejected: list[RowError] = []
    checked_header = False
    for number, raw in read_table(path, STAFF_REQUIRED, encoding):
        if not checked_header:
            _check_header(raw)
            checked_header = True
        rows += 1
        problems: list[tuple[str, str]] = []
        name = normalize_name(raw.get("name", ""))
        if not name:
            problems.append(("name", NAME_MISSING))
        phone, phone_reason = normalize_phone(raw.get("phone", ""))
        if phone_reason:
            problems.append(("phone", phone_reason))
        elif phone is None:
            problems.append(("phone", PHONE_MISSING))
        roles = _roles(_column(raw, ROLE_HEADERS) or "")
        if isinstance(roles, str):
            problems.append(("role", roles))
        place: tuple[str, str, str] | str
        parts = _unit_parts(raw, _column(raw, UNIT_HEADERS))
        place = parts if isinstance(parts, str) else places.resolve(parts)
        if isinstance(place, str):
            problems.append(("unit", place))
        else:
            unit = "/".join(p for p in place if p)
            if not scope_covers(scope, unit):
                problems.append(
                    (
                        "unit",
                        f"单位不在您的辖区（{scope}）内：{unit} / "
                        f"unit {unit} is outside your jurisdiction ({scope})",
                    )
                )
            elif not isinstance(roles, str) and StaffRole.CADRE in roles and not place[2]:
                problems.append(("unit", CADRE_UNIT))
        if problems or isinstance(place, str) or isinstance(roles, str) or phone is None:
            rejected.extend(RowError(row=number, field=f, reason=r) for f, r in problems)
            continue
        accepted_rows += 1
        unit = "/".join(p for p in place if p)
        sid = staff_id(secret, campaign_id, unit, name, phone)
        fresh = False
        for role in roles:
            if (sid, role) in members:
                continue
            fresh = True
            members[(sid, role)] = StaffMember(
                staff_id=sid,
                role=role,
                name=name,
                phone=phone,
                district=place[0],
                street=place[1],
                community=place[2],
            )
        if not fresh:
            duplicates += 1
    return StaffFile(
        file_name=Path(path).name,
        rows=rows,
        members=list(members.values()),
        accepted_rows=accepted_rows,
        duplicates=duplicates,
        rejected=rejected,
    )


def _check_header(raw: dict[str, str]) -> None:
    if _column(raw, ROLE_HEADERS) is None:
        raise RosterFileError(
            "表头缺少必填列：角色 / header is missing required columns: 角色 (role)"
        )
    if _column(raw, UNIT_HEADERS) is None and "district" not in raw:
        raise RosterFileError(
            "表头缺少必填列：单位（或区、街道、社区） / header is missing required columns:"
            " 单位 (unit), or 区, 街道, 社区"
        )


def _refuse(engine: Engine, campaign_id: str, actor: User, what: str, exc: Forbidden) -> Rejected:
    """Record a refused attempt in the ledger; the error to raise."""
    record_refusal(engine, campaign_id, actor.id, what, str(exc), datetime.now(UTC))
    return Rejected(str(exc))


def _require_ops(actor: User, action: Action, scope: str, what: str) -> None:
    """Raise :class:`Forbidden` unless ``actor`` is ops and may ``action`` on ``scope``."""
    if Role.OPS not in actor.roles and Role.AUDITOR not in actor.roles and not actor.disabled:
        roles = ", ".join(r.value for r in actor.roles)
        raise Forbidden(f"{actor.id} may not {what}: it needs the ops role (roles: {roles})")
    authorize(actor, action, scope)  # an auditor, a disabled user, outside the jurisdiction


def import_staff(
    engine: Engine,
    secret: bytes,
    campaign_id: str,
    path: Path,
    *,
    actor: User,
    encoding: str | None = None,
    at: datetime | None = None,
) -> StaffImportReport:
    """Import a staff file into a campaign (ops only, rows within the user's jurisdiction).

    A refused user is recorded in the ledger (``AccessRefused``) and gets
    :class:`Rejected`. Good rows register staff (``StaffRegistered``); the file itself is
    a ``StaffImported`` fact keyed by its content, so importing it again changes nothing.
    A new file listing staff taken off duty puts them back (``StaffReactivated``); the
    same file imported again does not undo a later ``warmth staff deactivate``.
    """
    when = at or datetime.now(UTC)
    plan = get_plan(engine, campaign_id)
    try:
        _require_ops(actor, Action.IMPORT, actor.scope, "import staff lists")
    except Forbidden as exc:
        raise _refuse(engine, campaign_id, actor, "import staff", exc) from None
    checked = read_staff_file(
        path,
        campaign_id,
        secret,
        plan.jurisdiction.communities(),
        scope=plan.jurisdiction.normalize_scope(actor.scope),
        encoding=encoding,
    )
    digest = file_digest(Path(path))
    fact = LedgerEvent(
        campaign_id=campaign_id,
        stream=campaign_stream(campaign_id),
        type=EventType.STAFF_IMPORTED,
        payload={
            "file": digest,
            "file_name": checked.file_name,
            "rows": checked.rows,
            "accepted_rows": checked.accepted_rows,
            "rejected_rows": checked.rejected_rows,
            "members": len(checked.members),
        },
        actor=actor.id,
        at=when,
        idempotency_key=f"{campaign_id}:staff-file:{digest}",
    )
    with engine.connect() as conn:
        seen = bool(ledger.existing_keys(conn, [fact.idempotency_key]))
    changes = staff_store.save_staff(
        engine, campaign_id, checked.members, actor.id, when, facts=[fact], reactivate=not seen
    )
    return StaffImportReport(
        campaign_id=campaign_id,
        file_name=checked.file_name,
        rows=checked.rows,
        accepted=checked.accepted_rows,
        rejected_rows=checked.rejected_rows,
        duplicates=checked.duplicates,
        registered=changes.registered,
        reactivated=changes.reactivated,
        unchanged=changes.unchanged,
        rejected=checked.rejected,
    )


def _read_scope(actor: User) -> str:
    """What ``actor`` may read: an auditor everything, anyone else their jurisdiction."""
    authorize(actor, Action.READ, actor.scope)
    return CITY_SCOPE if Role.AUDITOR in actor.roles else actor.scope


def list_staff(
    engine: Engine,
    campaign_id: str,
    *,
    actor: User,
    role: StaffRole | None = None,
    active_only: bool = False,
) -> list[StaffMember]:
    """The campaign's staff within the user's jurisdiction (display them masked)."""
    get_plan(engine, campaign_id)
    scope = _read_scope(actor)
    return staff_store.list_staff(
        engine, campaign_id, scope=scope, role=role, active_only=active_only
    )


def deactivate_staff(
    engine: Engine,
    campaign_id: str,
    member_id: str,
    *,
    actor: User,
    role: StaffRole | None = None,
    at: datetime | None = None,
) -> list[StaffMember]:
    """Take a staff member off duty (ops of their unit); the next mobilize batch hands
    their households to the community's other cadres. Returns the roles changed."""
    get_plan(engine, campaign_id)
    found = staff_store.staff_by_id(engine, campaign_id, [member_id])
    if member_id not in found:
        raise NotFound(f"no staff member {member_id} in campaign {campaign_id!r}")
    try:
        _require_ops(actor, Action.CHANGE, found[member_id].unit, "change staff lists")
    except Forbidden as exc:
        raise _refuse(engine, campaign_id, actor, "deactivate staff", exc) from None
    return staff_store.deactivate_staff(
        engine, campaign_id, member_id, role, actor.id, at or datetime.now(UTC)
    )


# ---- charity (慈善募集) ------------------------------------------------------------------------

_YUAN_NOISE = re.compile(r"[\s,，]|元$|yuan$|rmb$", re.IGNORECASE)
AMOUNT_INVALID = (
    "金额应为大于0、最多两位小数的元数 / amount must be yuan above 0 with at most 2 decimals"
)


def parse_yuan(value: str | Decimal | int) -> int:
    """An amount of yuan (``"1000"``, ``"1,000.50"``, ``"300元"``) in fen; :class:`Rejected`
    unless it is positive with at most two decimals."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(_YUAN_NOISE.sub("", str(value)))
    except InvalidOperation:
        raise Rejected(f"{AMOUNT_INVALID}: {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise Rejected(f"{AMOUNT_INVALID}: {value!r}")
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise Rejected(f"{AMOUNT_INVALID}: {value!r}")
    return int(fen)


def _digest(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


def _fund_source(engine: Engine, campaign_id: str, code: str) -> None:
    plan = get_plan(engine, campaign_id)
    if all(s.code != code for s in plan.fund_sources):
        codes = ", ".join(s.code for s in plan.fund_sources) or "none"
        raise Rejected(
            f"计划中没有资金来源 {code} / the plan has no fund source {code!r} (it has: {codes})"
        )


def pledge(
    engine: Engine,
    campaign_id: str,
    *,
    donor: str,
    amount: str | Decimal | int,
    actor: User,
    note: str | None = None,
    key: str | None = None,
    fund_source: str = CHARITY_SOURCE,
    at: datetime | None = None,
) -> tuple[Pledge, bool]:
    """Record a donor's pledge (认捐) to a fund source; ``(pledge, newly recorded)``.

    The pledge id comes from ``key`` if given, else from the request's fields (fund
    source, donor, amount, note): a repeated command records once. Two different
    pledges with the same fields need distinct keys.
    """
    _fund_source(engine, campaign_id, fund_source)
    try:
        _require_ops(actor, Action.CHANGE, actor.scope, "record charity")
    except Forbidden as exc:
        raise _refuse(engine, campaign_id, actor, "record charity pledge", exc) from None
    name = clean_text(donor)
    if not name:
        raise Rejected("捐赠方为空 / the donor is missing")
    text = clean_text(note or "") or None
    fen = parse_yuan(amount)
    pledge_id = (
        _digest("pledge", campaign_id, "key", key)
        if key
        else _digest("pledge", campaign_id, fund_source, name, str(fen), text or "")
    )
    return charity_store.record_pledge(
        engine,
        campaign_id,
        pledge_id,
        fund_source=fund_source,
        donor=name,
        amount_fen=fen,
        note=text,
        scope=actor.scope,
        actor=actor.id,
        at=at or datetime.now(UTC),
    )


def receive(
    engine: Engine,
    campaign_id: str,
    pledge_id: str,
    *,
    amount: str | Decimal | int,
    actor: User,
    proof: str | None = None,
    key: str | None = None,
    at: datetime | None = None,
) -> tuple[Receipt, bool]:
    """Record money received (到账) against a pledge; ``(receipt, newly recorded)``.

    The receipt id comes from ``key`` if given, else from pledge, amount and proof: a
    repeated command records once; instalments of the same amount need a distinct
    ``proof`` (the bank slip) or ``key``. Receipts may not exceed the pledge.
    """
    get_plan(engine, campaign_id)
    try:
        _require_ops(actor, Action.CHANGE, actor.scope, "record charity")
    except Forbidden as exc:
        raise _refuse(engine, campaign_id, actor, "record charity receipt", exc) from None
    fen = parse_yuan(amount)
    ref = clean_text(proof or "") or None
    receipt_id = (
        _digest("receipt", campaign_id, pledge_id, "key", key)
        if key
        else _digest("receipt", campaign_id, pledge_id, str(fen), ref or "")
    )
    return charity_store.record_receipt(
        engine,
        campaign_id,
        receipt_id,
        pledge_id,
        amount_fen=fen,
        proof=ref,
        actor=actor.id,
        at=at or datetime.now(UTC),
    )


def list_pledges(
    engine: Engine, campaign_id: str, *, actor: User, fund_source: str | None = None
) -> list[Pledge]:
    """The campaign's pledges (any user who may read the campaign's jurisdiction)."""
    get_plan(engine, campaign_id)
    _read_scope(actor)
    return charity_store.list_pledges(engine, campaign_id, fund_source)


def totals(
    engine: Engine, campaign_id: str, *, actor: User, fund_source: str = CHARITY_SOURCE
) -> dict[str, Decimal]:
    """:func:`charity_totals` for a user who may read the campaign."""
    get_plan(engine, campaign_id)
    _read_scope(actor)
    return charity_totals(engine, campaign_id, fund_source)
