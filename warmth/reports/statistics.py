"""Campaign statistics (活动统计): every table of the 统计表, folded from the ledger alone.

:func:`compute` reads each event of the campaign's ledger (审计台账) once and folds:

- ``HouseholdRegistered`` / ``HouseholdMerged`` — each person's place (区 / 街道 / 社区)
  and target categories (救助对象类别). One record per person (一人一档), so "people"
  below counts registered records;
- ``AidIssued`` — item, fund source, amount (fen) and quantity issued (发放);
- ``DeliveryConfirmed`` — an issued item confirmed as received (签收 / 到账确认); only
  its ``item`` is read (the person is the stream);
- ``CallbackDrawn`` — the callback sample (回访抽样);
- ``RosterChecked`` / ``RosterAccepted`` / ``RosterRefused`` — roster files (花名册报送);
- ``DeadlineMoved`` — the distribute phase's deadline as moved (latest move wins);
- follow-up (回访核查): ``CallbackAssigned`` / ``CallbackAttempted`` / ``CallbackConcluded``
  (电话回访), ``VerificationCaseOpened`` / ``…Resolved`` (核实), ``HazardRecorded`` /
  ``HazardFixed`` (隐患整改), ``UrgentCaseOpened`` / ``…Decided`` / ``UrgentAidIssued``
  (临时救助 / 一事一议). Their payloads carry the place, so no join is needed.

Overdue (逾期) is judged at the report's *as of* time (统计时间), an explicit argument:
the same ledger and the same ``as_of`` always give the same figures.

The plan (活动方案) only names and orders things and gives the budget (预算), the
distribute deadline (before any move) and the urgent-aid threshold for city approval;
no count comes from a projection table. The one join with the ``households`` table labels the
outstanding list with a masked name and ID number (脱敏), never anything unmasked.

It is a progress report (进度统计) at any time of the campaign and the final figures
(最终统计) at its end: the same fold over whatever the ledger holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Connection, Engine, Select, Text, cast, func, select

from warmth.domain.events import EventType
from warmth.domain.ids import mask_id, mask_name
from warmth.domain.phases import Phase
from warmth.domain.plan import CampaignPlan, UrgentPlan
from warmth.roster.normalize import HAZARD_KINDS
from warmth.store import campaigns as campaign_store
from warmth.store import jsontext
from warmth.store.schema import households, ledger
from warmth.store.sql import driver_connection, paused_gc

DELIVERY_CONFIRMED: str = EventType.DELIVERY_CONFIRMED
"""Ledger type of a confirmed delivery (签收确认); of its payload only ``item`` is read."""

Stage = Literal["progress", "final"]

_RATIO_STEP = Decimal("0.0001")  # ratios keep 4 places, rounded half up


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class CategoryCount(_Row):
    """People in one target category (救助对象类别); a person in two categories counts in both."""

    category: str
    people: int


class PlaceCount(_Row):
    """People registered in one place, at one level: 区, 街道 or 社区.

    ``street`` is empty on district rows and ``community`` on district and street rows.
    """

    district: str
    street: str = ""
    community: str = ""
    people: int
    by_category: dict[str, int]


class ItemCount(_Row):
    """One aid item (救助项目): how many issued (发放) and confirmed (签收), and their value."""

    item: str
    name: str
    kind: str  # cash | in_kind
    unit: str
    fund_source: str
    issued: int
    confirmed: int
    outstanding: int
    quantity: int  # in-kind units issued; 0 for cash
    amount: Decimal  # yuan issued (cash paid, in-kind valued at unit cost)
    confirmed_amount: Decimal


class FundUse(_Row):
    """Money of one fund source (资金来源) against the plan's budget (预算), in yuan.

    ``issued`` is the plan's items issued (AidIssued) plus urgent aid paid from the source
    (UrgentAidIssued, also shown alone as ``urgent``, 其中临时救助): two kinds of fact,
    each payment counted once. ``confirmed`` covers the items' confirmed deliveries.
    ``share`` is issued / budget (执行率), ``None`` when the budget is zero;
    ``remaining`` is negative when more was issued than budgeted.
    """

    fund_source: str
    name: str
    budget: Decimal
    issued: Decimal
    confirmed: Decimal
    remaining: Decimal
    share: float | None
    urgent: Decimal = Decimal("0.00")


class DistrictCoverage(_Row):
    """Coverage of one district (覆盖率).

    ``entitled``: households with at least one item issued (应发户数); ``confirmed``:
    entitled households whose every issued item is confirmed (已签收户数); ``partial``:
    some but not all confirmed; ``coverage`` = confirmed / entitled, ``None`` when none
    is entitled yet.
    """

    district: str
    registered: int
    entitled: int
    confirmed: int
    partial: int
    coverage: float | None


class OutstandingHousehold(_Row):
    """A household with issued but unconfirmed items (未签收). Name and ID are masked."""

    person_key: str
    district: str
    street: str
    community: str
    name: str  # masked (脱敏), "" when the household record is missing
    id_number: str  # masked
    items: list[str]  # outstanding item codes, in plan order
    confirmed_items: list[str]
    amount: Decimal  # yuan outstanding


class CallbackCount(_Row):
    """The callback sample of one district (回访抽样): drawn / registered."""

    district: str
    registered: int
    drawn: int
    rate: float | None


class RosterImport(_Row):
    """One roster file (花名册) as checked: rows, accepted, rejected, merged duplicates."""

    import_id: str
    file: str
    unit: str
    rows: int
    accepted: int
    rejected_rows: int
    duplicates: int
    status: str  # staged | accepted | refused


Outcome = Literal["reached", "unreachable", "not_received", "complaint"]
OUTCOMES: tuple[Outcome, ...] = ("reached", "unreachable", "not_received", "complaint")
"""How a callback ends (回访结果): reached and confirmed (已回访确认), unreachable after the
plan's attempts (无法联系), aid not received (反映未收到), a complaint (投诉)."""


class CallbackFollowUp(_Row):
    """Callbacks of one district (电话回访), counted in households (户), not calls.

    ``drawn`` (抽样) → ``assigned`` to a caller (已分派) → ``attempted`` (已拨打, at least
    one call; ``calls`` counts the calls) → concluded, by outcome. ``problems`` (发现问题)
    = not received + complaint; ``confirmed_rate`` (回访确认率) = reached / drawn.
    """

    district: str
    drawn: int
    assigned: int
    attempted: int
    calls: int
    concluded: int
    reached: int
    unreachable: int
    not_received: int
    complaint: int
    problems: int
    confirmed_rate: float | None


class VerificationCount(_Row):
    """Verification cases of one district (核实): a 'not received' or a complaint checked.

    ``open`` = opened − resolved (未办结); ``overdue``: open and past their deadline at
    the report's as-of time (逾期未办结).
    """

    district: str
    opened: int
    resolved: int
    open: int
    overdue: int


class HazardCount(_Row):
    """Home-safety hazards (安全隐患) of one district, or of one kind when ``kind`` is set.

    ``by_kind``: found per kind (用电 / 用气 / 用水 / 消防 / 食品安全), on district rows.
    ``open`` = found − fixed (未整改); ``overdue``: open past the rectification deadline.
    """

    district: str = ""
    kind: str = ""
    found: int
    by_kind: dict[str, int] = {}
    fixed: int
    open: int
    overdue: int


class UrgentCount(_Row):
    """Urgent cases of one district (临时救助 / 一事一议); money in yuan.

    A case is ``approved`` when its last needed decision approves (the city's too when
    the district approved more than the plan's threshold), ``rejected`` when any level
    refuses, else ``pending``; a paid case (UrgentAidIssued) counts as approved and paid.
    ``approved_amount`` is the amount finally approved; ``paid_amount`` what was paid.
    """

    district: str
    raised: int
    approved: int
    rejected: int
    pending: int
    paid: int
    asked_amount: Decimal
    approved_amount: Decimal
    paid_amount: Decimal


OverdueKind = Literal["delivery", "verification", "rectification"]
OVERDUE_KINDS: tuple[OverdueKind, ...] = ("delivery", "verification", "rectification")


class OverdueUnit(_Row):
    """A unit (逾期单位: community, or district when the fact names no community) with
    something overdue at the as-of time, one row per kind:

    - ``delivery``: households with issued items unconfirmed after the distribute
      deadline (发放逾期未签收), counted in households;
    - ``verification``: verification cases open past their deadline (核实逾期未办结);
    - ``rectification``: hazards not fixed by their deadline (隐患逾期未整改).

    ``earliest_deadline`` is the oldest missed deadline among them.
    """

    district: str
    street: str
    community: str
    kind: OverdueKind
    count: int
    earliest_deadline: datetime


class CampaignStatistics(BaseModel):
    """Every table of the campaign's 统计表, computed from the ledger alone.

    Money is in yuan (元, exact decimals); ratios are floats rounded to 4 places.
    """

    model_config = ConfigDict(frozen=True)

    campaign_id: str
    name: str
    theme: str
    time_zone: str
    computed_at: datetime  # 统计时间 (UTC)
    stage: Stage  # progress (进度) or final (最终)
    events: int  # ledger events folded
    households: int  # people registered (登记人数)
    merged_records: int  # duplicate reports merged (合并重复上报)
    rejected_rows: int  # roster rows rejected (退回错误行), accepted or not
    by_category: list[CategoryCount]
    by_district: list[PlaceCount]
    by_street: list[PlaceCount]
    by_community: list[PlaceCount]
    items: list[ItemCount]
    fund_sources: list[FundUse]
    coverage: list[DistrictCoverage]
    outstanding: list[OutstandingHousehold]
    callbacks: list[CallbackCount]
    rosters: list[RosterImport]
    # follow-up (回访核查), issue 5; defaults keep older JSON readable
    distribute_deadline: datetime | None = None  # as moved; overdue deliveries after it
    callback_results: list[CallbackFollowUp] = []
    verification: list[VerificationCount] = []
    hazards: list[HazardCount] = []  # per district
    hazard_kinds: list[HazardCount] = []  # per kind
    urgent: list[UrgentCount] = []
    overdue_units: list[OverdueUnit] = []

    @property
    def entitled(self) -> int:
        return sum(c.entitled for c in self.coverage)

    @property
    def confirmed_households(self) -> int:
        return sum(c.confirmed for c in self.coverage)

    @property
    def issued(self) -> int:
        return sum(i.issued for i in self.items)

    @property
    def confirmed(self) -> int:
        return sum(i.confirmed for i in self.items)

    @property
    def callbacks_drawn(self) -> int:
        return sum(c.drawn for c in self.callbacks)

    @property
    def coverage_rate(self) -> float | None:
        return ratio(self.confirmed_households, self.entitled)

    @property
    def as_of(self) -> datetime:
        """The time the figures (and overdue) are judged at: 统计时间."""
        return self.computed_at

    def callback_total(self) -> CallbackFollowUp:
        return _sum_callbacks(self.callback_results)

    def verification_total(self) -> VerificationCount:
        return _sum_rows(VerificationCount, self.verification, district="")

    def hazard_total(self) -> HazardCount:
        rows = self.hazards
        kinds: Counter[str] = Counter()
        for r in rows:
            kinds.update(r.by_kind)
        return HazardCount(
            found=sum(r.found for r in rows),
            by_kind={k.kind: kinds[k.kind] for k in self.hazard_kinds if kinds[k.kind]},
            fixed=sum(r.fixed for r in rows),
            open=sum(r.open for r in rows),
            overdue=sum(r.overdue for r in rows),
        )

    def urgent_total(self) -> UrgentCount:
        return _sum_rows(UrgentCount, self.urgent, district="")


_R = TypeVar("_R", VerificationCount, UrgentCount)


def _sum_rows(model: type[_R], rows: Sequence[_R], **fixed: Any) -> _R:
    """A total row: every numeric field summed, ``fixed`` fields as given."""
    values: dict[str, Any] = dict(fixed)
    for name, info in model.model_fields.items():
        if name in fixed:
            continue
        zero: int | Decimal = Decimal("0.00") if info.annotation is Decimal else 0
        values[name] = sum((getattr(r, name) for r in rows), zero)
    return model(**values)


def _sum_callbacks(rows: Sequence[CallbackFollowUp]) -> CallbackFollowUp:
    def total(name: str) -> int:
        return sum(int(getattr(r, name)) for r in rows)

    reached, drawn = total("reached"), total("drawn")
    counts = {
        name: total(name)
        for name in CallbackFollowUp.model_fields
        if name not in ("district", "confirmed_rate")
    }
    return CallbackFollowUp(district="", **counts, confirmed_rate=ratio(reached, drawn))


def ratio(part: int | Decimal, whole: int | Decimal) -> float | None:
    """``part / whole`` rounded to 4 places; ``None`` when ``whole`` is zero."""
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(_RATIO_STEP, ROUND_HALF_UP))


def yuan(fen: int) -> Decimal:
    """Fen (分, the store's integer money) as yuan (元) with two places."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


# ---- the fold -------------------------------------------------------------------------------


_ROSTER_TYPES = (EventType.ROSTER_CHECKED, EventType.ROSTER_ACCEPTED, EventType.ROSTER_REFUSED)
_MEMO_LIMIT = 100_000
"""At most this many distinct payloads are remembered (see :func:`fold_ledger`)."""

Issue = tuple[str, str, int, int, str, str]
Place = tuple[str, str, str]
"""(district, street, community); empty strings where a fact does not say."""

_FOLLOWUP_TYPES = (
    EventType.CALLBACK_ASSIGNED,
    EventType.CALLBACK_ATTEMPTED,
    EventType.CALLBACK_CONCLUDED,
    EventType.VERIFICATION_OPENED,
    EventType.VERIFICATION_RESOLVED,
    EventType.HAZARD_RECORDED,
    EventType.HAZARD_FIXED,
    EventType.URGENT_OPENED,
    EventType.URGENT_DECIDED,
    EventType.URGENT_ISSUED,
)
_CAMPAIGN_TYPES = (*_ROSTER_TYPES, EventType.DEADLINE_MOVED)


def _place(p: dict[str, Any]) -> Place:
    return (str(p.get("district", "")), str(p.get("street", "")), str(p.get("community", "")))


"""An AidIssued payload's facts: item, fund source, amount fen, quantity, district, community."""


class _Fold:
    """What one pass over the ledger accumulates (plain dicts and tuples, for speed)."""

    def __init__(self) -> None:
        self.events = 0
        self.merged = 0
        # person key -> (district, street, community)
        self.place: dict[str, tuple[str, str, str]] = {}
        self.categories: dict[str, tuple[str, ...]] = {}
        # person key -> item -> the issue's facts
        self.issued: dict[str, dict[str, Issue]] = {}
        self.confirmed: dict[str, set[str]] = {}
        self.drawn: dict[str, str] = {}  # person key -> district
        self.rosters: dict[str, dict[str, Any]] = {}
        self.deadline_moves: dict[str, str] = {}  # phase -> latest "to" (ISO text)
        # follow-up: callbacks by person key, cases by their ids
        self.assigned: dict[str, str] = {}  # person -> district ("" when not said)
        self.attempted: dict[str, str] = {}
        self.calls: Counter[str] = Counter()  # district -> calls made
        self.concluded: dict[str, tuple[str, str]] = {}  # person -> (district, outcome)
        self.cases: dict[str, tuple[Place, Any]] = {}  # case id -> (place, deadline)
        self.resolved: set[str] = set()
        self.hazards: dict[str, tuple[str, Place, Any]] = {}  # task -> (kind, place, deadline)
        self.fixed: set[str] = set()
        self.urgent: dict[str, tuple[Place, int]] = {}  # case -> (place, asked fen)
        self.decisions: dict[str, dict[str, tuple[bool, int]]] = {}  # case -> level -> …
        self.urgent_paid: dict[str, tuple[str, int, str]] = {}  # case -> (source, fen, district)

    def followup(self, key: str | None, kind: str, p: dict[str, Any]) -> None:
        """One follow-up fact; ``key`` is the person when the stream is a household's."""
        district = str(p.get("district", ""))
        if kind == EventType.CALLBACK_ASSIGNED:
            if key is not None:
                self.assigned[key] = district
        elif kind == EventType.CALLBACK_ATTEMPTED:
            if key is not None:
                self.attempted[key] = district
                self.calls[district or self.district_of(key)] += 1
        elif kind == EventType.CALLBACK_CONCLUDED:
            if key is not None:
                self.concluded[key] = (district, str(p.get("outcome", "")))
        elif kind == EventType.VERIFICATION_OPENED:
            self.cases[str(p["case_id"])] = (_place(p), p.get("deadline"))
        elif kind == EventType.VERIFICATION_RESOLVED:
            self.resolved.add(str(p["case_id"]))
        elif kind == EventType.HAZARD_RECORDED:
            found = (str(p.get("hazard", "")), _place(p), p.get("deadline"))
            self.hazards[str(p["task_id"])] = found
        elif kind == EventType.HAZARD_FIXED:
            self.fixed.add(str(p["task_id"]))
        elif kind == EventType.URGENT_OPENED:
            self.urgent[str(p["case_id"])] = (_place(p), int(p.get("asked_fen") or 0))
        elif kind == EventType.URGENT_DECIDED:
            levels = self.decisions.setdefault(str(p["case_id"]), {})
            decision = (bool(p.get("approve")), int(p.get("amount_fen") or 0))
            levels[str(p.get("level", ""))] = decision
        elif kind == EventType.URGENT_ISSUED:
            paid = (str(p.get("fund_source", "")), int(p.get("amount_fen") or 0), district)
            self.urgent_paid[str(p["case_id"])] = paid

    def deadline_moved(self, p: dict[str, Any]) -> None:
        """A phase's deadline moved, or one case's or task's (``kind`` and ``id``)."""
        work, ident, to = p.get("kind"), str(p.get("id", "")), p.get("to")
        if work is None:
            self.deadline_moves[str(p.get("phase", ""))] = str(to or "")
        elif work == "verification" and ident in self.cases:
            self.cases[ident] = (self.cases[ident][0], to)
        elif work == "rectification" and ident in self.hazards:
            hazard, place, _deadline = self.hazards[ident]
            self.hazards[ident] = (hazard, place, to)

    def district_of(self, key: str) -> str:
        found = self.place.get(key)
        return found[0] if found else ""

    def register(self, key: str, p: dict[str, Any]) -> None:
        self.place[key] = (
            str(p["district"]),
            str(p.get("street", "")),
            str(p.get("community", "")),
        )
        cats = dict.fromkeys(p.get("categories", ()))
        cats.update(dict.fromkeys(self.categories.get(key, ())))  # merges read before
        self.categories[key] = tuple(cats)

    def merge(self, key: str, p: dict[str, Any]) -> None:
        self.merged += 1
        cats = dict.fromkeys(self.categories.get(key, ()))
        cats.update(dict.fromkeys(p.get("added_categories", ())))
        self.categories[key] = tuple(cats)

    def roster(self, kind: str, p: dict[str, Any]) -> None:
        import_id = str(p.get("import_id", ""))
        if kind == EventType.ROSTER_CHECKED:
            self.rosters[import_id] = {**p, "status": "staged"}
        elif import_id in self.rosters:
            accepted = kind == EventType.ROSTER_ACCEPTED
            self.rosters[import_id]["status"] = "accepted" if accepted else "refused"


def _issue(p: dict[str, Any]) -> Issue:
    return (
        str(p["item"]),
        str(p["fund_source"]),
        int(p["amount_fen"]),
        int(p.get("quantity") or 0),
        str(p.get("district", "")),
        str(p.get("community", "")),
    )


_FETCH = 20_000


@contextmanager
def snapshot(conn: Connection) -> Iterator[Connection]:
    """Read every query inside in one consistent snapshot, without taking a write lock.

    On SQLite a deferred ``BEGIN`` (a WAL read snapshot) on the DBAPI connection: the
    store begins its own transactions with ``BEGIN IMMEDIATE``, which would hold the
    write lock and stall the phases' batches for as long as a report is computed. On
    PostgreSQL a ``REPEATABLE READ`` transaction.
    """
    if conn.dialect.name == "sqlite":
        raw = driver_connection(conn)
        raw.execute("BEGIN")
        try:
            yield conn
        finally:
            raw.execute("ROLLBACK")
        return
    conn.execution_options(isolation_level="REPEATABLE READ")
    with conn.begin():
        yield conn


def read_rows(conn: Connection, query: Select[Any]) -> Iterator[Sequence[Any]]:
    """The rows of a read-only query, streamed, as plain tuples.

    On SQLite the query runs on the DBAPI cursor itself — no SQLAlchemy row object per
    row, a second saved on 500,000 rows — so parameters go to the driver as they are,
    without SQLAlchemy's bind processing: use plain values (strings, numbers) in
    queries read this way. Elsewhere (PostgreSQL) SQLAlchemy streams the rows with a
    server-side cursor. Use it inside :func:`snapshot`.
    """
    if conn.dialect.name != "sqlite":
        yield from conn.execute(query.execution_options(yield_per=_FETCH))
        return
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args = [params[name] for name in compiled.positiontup or ()]
    cursor = driver_connection(conn).cursor()
    try:
        cursor.execute(str(compiled), args)
        while rows := cursor.fetchmany(_FETCH):
            yield from rows
    finally:
        cursor.close()


def fold_ledger(conn: Connection, campaign_id: str) -> _Fold:
    """Fold the campaign's ledger events: one query per kind of fact, each event read once.

    Speed (400,000+ events in a few seconds) shapes this function:

    - rows are read as plain tuples, not as ``LedgerEvent`` models
      (:func:`warmth.store.ledger.events_of` builds one per row, which alone would cost
      more than the whole fold);
    - an issue's payload carries no person (the person is the stream), so few are
      distinct: each distinct text is decoded once and its facts remembered;
    - of a confirmation only the item is needed, and its payload is unique (it names
      the proof): the database extracts the item;
    - registrations and merges (one per person) are decoded one by one;
    - events are read in index order, not ledger order: the fold does not depend on
      order (a merge read before its registration is kept), so the database need not
      sort half a million rows. Roster events are few and read in ledger order.
    """
    fold = _Fold()
    prefix = f"household:{campaign_id}:"
    cut = len(prefix)
    loads = jsontext.loads
    text = cast(ledger.c.payload, Text)
    mine = ledger.c.campaign_id == campaign_id
    events = 0

    issued = fold.issued
    issues: dict[str, Issue] = {}  # payload text -> its facts
    query = select(ledger.c.stream, text).where(mine, ledger.c.type == EventType.AID_ISSUED)
    for stream, raw in read_rows(conn, query):
        events += 1
        if not stream.startswith(prefix):
            continue
        facts = issues.get(raw)
        if facts is None:
            facts = _issue(loads(raw))
            if len(issues) < _MEMO_LIMIT:
                issues[raw] = facts
        key = stream[cut:]
        items = issued.get(key)
        if items is None:
            items = issued[key] = {}
        items[facts[0]] = facts

    confirmed = fold.confirmed
    item_of: ColumnElement[Any] = ledger.c.payload["item"].as_string()
    if conn.dialect.name == "sqlite":  # read_rows passes parameters as they are
        item_of = func.json_extract(ledger.c.payload, "$.item")
    query = select(ledger.c.stream, item_of).where(mine, ledger.c.type == DELIVERY_CONFIRMED)
    for stream, item in read_rows(conn, query):
        events += 1
        if not stream.startswith(prefix) or item is None:
            continue
        key = stream[cut:]
        found = confirmed.get(key)
        if found is None:
            confirmed[key] = {item}
        else:
            found.add(item)

    people_types = (
        EventType.HOUSEHOLD_REGISTERED,
        EventType.HOUSEHOLD_MERGED,
        EventType.CALLBACK_DRAWN,
    )
    query = select(ledger.c.stream, ledger.c.type, text).where(
        mine, ledger.c.type.in_(people_types)
    )
    for stream, kind, raw in read_rows(conn, query):
        events += 1
        if not stream.startswith(prefix):
            continue
        key = stream[cut:]
        p = loads(raw)
        if kind == EventType.HOUSEHOLD_REGISTERED:
            fold.register(key, p)
        elif kind == EventType.HOUSEHOLD_MERGED:
            fold.merge(key, p)
        else:
            fold.drawn[key] = str(p.get("district", ""))

    query = select(ledger.c.stream, ledger.c.type, text).where(
        mine, ledger.c.type.in_(_FOLLOWUP_TYPES)
    )
    for stream, kind, raw in read_rows(conn, query):
        events += 1
        fold.followup(stream[cut:] if stream.startswith(prefix) else None, kind, loads(raw))

    query = (
        select(ledger.c.type, text)
        .where(mine, ledger.c.type.in_(_CAMPAIGN_TYPES))
        .order_by(ledger.c.position)
    )
    for kind, raw in read_rows(conn, query):
        events += 1
        p = loads(raw)
        if kind == EventType.DEADLINE_MOVED:
            fold.deadline_moved(p)
        else:
            fold.roster(kind, p)
    fold.events = events
    return fold


def compute(
    engine: Engine,
    campaign_id: str,
    *,
    as_of: datetime,
    final: bool = False,
) -> CampaignStatistics:
    """The campaign's statistics from its ledger, as of ``as_of`` (统计时间).

    ``as_of`` must be time-zone aware; it is the instant overdue (逾期) is judged at —
    workflow time for a scheduled report, now for one asked for by hand — so the same
    ledger and ``as_of`` always give the same figures. Raises
    :class:`warmth.domain.errors.NotFound` for an unknown campaign.
    """
    check_as_of(as_of)
    plan = campaign_store.get_plan(engine, campaign_id)
    with paused_gc():
        with engine.connect() as conn, snapshot(conn):
            fold = fold_ledger(conn, campaign_id)
            labels = _masked_labels(conn, campaign_id, _outstanding_keys(fold))
        return build(plan, campaign_id, fold, labels, final=final, at=as_of)


def check_as_of(as_of: datetime) -> datetime:
    """``as_of`` if it is time-zone aware, else :class:`ValueError`."""
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError("the report's as-of time must be time-zone aware")
    return as_of


def _outstanding_keys(fold: _Fold) -> set[str]:
    confirmed = fold.confirmed
    return {
        key for key, items in fold.issued.items() if not items.keys() <= confirmed.get(key, set())
    }


def _masked_labels(
    conn: Connection, campaign_id: str, keys: set[str]
) -> dict[str, tuple[str, str]]:
    """Person key -> (masked name, masked ID number) for ``keys`` (one scan, no IN lists)."""
    if not keys:
        return {}
    query = select(households.c.person_key, households.c.name, households.c.id_number).where(
        households.c.campaign_id == campaign_id
    )
    rows = read_rows(conn, query)
    return {
        key: (mask_name(str(name)), mask_id(str(id_number)))
        for key, name, id_number in rows
        if key in keys
    }


def build(
    plan: CampaignPlan,
    campaign_id: str,
    fold: _Fold,
    labels: dict[str, tuple[str, str]],
    *,
    final: bool,
    at: datetime,
) -> CampaignStatistics:
    """Turn a fold into the tables, ordered as the plan orders places, categories and items."""
    order = _Order(plan)
    place = fold.place

    # Places where someone was issued aid but whose registration is not in the ledger
    # (it always is, unless the ledger was trimmed) still count where the issue says.
    def where(key: str) -> tuple[str, str, str]:
        found = place.get(key)
        if found is not None:
            return found
        facts = next(iter(fold.issued.get(key, {}).values()), None)
        return (facts[4], "", facts[5]) if facts else ("", "", "")

    # people per place and category: count the distinct (place, categories) pairs first
    # (few; counted in C), then spread them over the categories
    cats_of = fold.categories
    pairs = Counter(zip(place.values(), map(cats_of.get, place), strict=True))
    cells: Counter[tuple[str, str, str, str]] = Counter()
    per_place: Counter[tuple[str, str, str]] = Counter()
    for (p, cats), n in pairs.items():
        per_place[p] += n
        for c in cats or ():
            cells[(*p, c)] += n
    by_category: Counter[str] = Counter()
    for (_d, _s, _c, cat), n in cells.items():
        by_category[cat] += n

    issued = fold.issued
    district_of = {key: where(key)[0] for key in issued}
    districts = order.districts({p[0] for p in per_place} | set(district_of.values()))
    levels = _places(order, per_place, cells)

    # items and money: each distinct issue (few: they carry no person) is counted in C,
    # then the distinct ones are added up
    issued_n: Counter[Issue] = Counter(chain.from_iterable(map(dict.values, issued.values())))
    confirmed_n: Counter[Issue] = Counter()
    entitled = Counter(district_of.values())
    complete: Counter[str] = Counter()
    partial: Counter[str] = Counter()
    open_rows: list[tuple[str, list[Issue], list[Issue]]] = [
        (key, list(items.values()), [])
        for key, items in issued.items()
        if key not in fold.confirmed
    ]
    for key, done in fold.confirmed.items():
        items = issued.get(key)
        if not items:
            continue  # confirmed without an issue in the ledger: nothing to count
        open_facts = [f for f in items.values() if f[0] not in done]
        closed = [f for f in items.values() if f[0] in done]
        confirmed_n.update(closed)
        district = district_of[key]
        if not open_facts:
            complete[district] += 1
            continue
        if closed:
            partial[district] += 1
        open_rows.append((key, open_facts, closed))

    per_item: dict[str, _ItemTotals] = {}
    source_fen: Counter[str] = Counter()
    source_confirmed_fen: Counter[str] = Counter()
    for issue, n in issued_n.items():
        item, source, fen, quantity = issue[:4]
        totals = per_item.get(item)
        if totals is None:
            totals = per_item[item] = _ItemTotals(source)
        totals.issued += n
        totals.quantity += quantity * n
        totals.fen += fen * n
        source_fen[source] += fen * n
        done_n = confirmed_n.get(issue, 0)
        totals.confirmed += done_n
        totals.confirmed_fen += fen * done_n
        source_confirmed_fen[source] += fen * done_n

    ranks: dict[tuple[str, str, str], tuple[int, tuple[str, ...]]] = {}
    located = []
    for key, open_facts, closed in open_rows:
        p = place.get(key) or where(key)
        rank = ranks.get(p)
        if rank is None:
            rank = ranks[p] = order.place_rank(*p)
        located.append((rank, key, p, open_facts, closed))
    located.sort(key=lambda r: (r[0], r[1]))
    in_order = order.item_order
    no_label = ("", "")
    outstanding = []
    for _rank, key, p, open_facts, closed in located:
        name, id_number = labels.get(key, no_label)
        outstanding.append(
            OutstandingHousehold(
                person_key=key,
                district=p[0],
                street=p[1],
                community=p[2],
                name=name,
                id_number=id_number,
                items=in_order(tuple(f[0] for f in open_facts)),
                confirmed_items=in_order(tuple(f[0] for f in closed)),
                amount=yuan(sum(f[2] for f in open_facts)),
            )
        )

    items_table = [
        _item_row(plan, code, per_item.get(code))
        for code in order.items(set(per_item) | {i.code for i in plan.items})
    ]
    urgent_fen: Counter[str] = Counter()
    for source, fen, _district in fold.urgent_paid.values():  # one per case id
        urgent_fen[source] += fen
    sources_table = [
        _fund_row(plan, code, source_fen[code], source_confirmed_fen[code], urgent_fen[code])
        for code in order.sources(set(source_fen) | set(urgent_fen))
    ]
    registered = Counter(p[0] for p in place.values())
    drawn = Counter(fold.drawn.values())
    follow = _FollowUp(plan, order, fold, at)
    deadline = follow.distribute_deadline()
    late_deliveries: Counter[Place] = Counter()
    if deadline is not None and deadline < at:  # households, per place
        late_deliveries.update(p for _rank, _key, p, _open, _closed in located)
    return CampaignStatistics(
        campaign_id=campaign_id,
        name=plan.name,
        theme=plan.theme,
        time_zone=plan.time_zone,
        computed_at=at.astimezone(UTC),
        stage="final" if final else "progress",
        events=fold.events,
        households=len(place),
        merged_records=fold.merged,
        rejected_rows=sum(int(r.get("rejected_rows", 0)) for r in fold.rosters.values()),
        by_category=[
            CategoryCount(category=c, people=by_category[c])
            for c in order.categories(set(by_category))
        ],
        by_district=levels[0],
        by_street=levels[1],
        by_community=levels[2],
        items=items_table,
        fund_sources=sources_table,
        coverage=[
            DistrictCoverage(
                district=d,
                registered=registered[d],
                entitled=entitled[d],
                confirmed=complete[d],
                partial=partial[d],
                coverage=ratio(complete[d], entitled[d]),
            )
            for d in districts
        ],
        outstanding=outstanding,
        callbacks=[
            CallbackCount(
                district=d,
                registered=registered[d],
                drawn=drawn[d],
                rate=ratio(drawn[d], registered[d]),
            )
            for d in order.districts(set(drawn) | set(districts))
        ],
        distribute_deadline=deadline,
        callback_results=follow.callbacks(districts),
        verification=follow.verification(districts),
        hazards=follow.hazards_by_district(districts),
        hazard_kinds=follow.hazards_by_kind(),
        urgent=follow.urgent(districts),
        overdue_units=follow.overdue_units(late_deliveries, deadline),
        rosters=[
            RosterImport(
                import_id=import_id,
                file=str(r.get("file", "")),
                unit=str(r.get("unit", "")),
                rows=int(r.get("rows", 0)),
                accepted=int(r.get("accepted", 0)),
                rejected_rows=int(r.get("rejected_rows", 0)),
                duplicates=int(r.get("duplicates", 0)),
                status=str(r["status"]),
            )
            for import_id, r in fold.rosters.items()
        ],
    )


class _ItemTotals:
    """Running totals of one item while folding."""

    __slots__ = ("confirmed", "confirmed_fen", "fen", "issued", "quantity", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self.issued = self.confirmed = self.quantity = self.fen = self.confirmed_fen = 0


def _item_row(plan: CampaignPlan, code: str, totals: _ItemTotals | None) -> ItemCount:
    item = next((i for i in plan.items if i.code == code), None)
    t = totals or _ItemTotals("")
    return ItemCount(
        item=code,
        name=item.name if item else code,
        kind=item.kind if item else "",
        unit=item.unit if item else "",
        fund_source=item.fund_source if item else t.source,
        issued=t.issued,
        confirmed=t.confirmed,
        outstanding=t.issued - t.confirmed,
        quantity=t.quantity,
        amount=yuan(t.fen),
        confirmed_amount=yuan(t.confirmed_fen),
    )


def _fund_row(
    plan: CampaignPlan, code: str, issued_fen: int, confirmed_fen: int, urgent_fen: int
) -> FundUse:
    source = plan.fund_source(code)
    budget = (source.budget if source else Decimal(0)).quantize(Decimal("0.01"))
    issued = yuan(issued_fen + urgent_fen)
    return FundUse(
        fund_source=code,
        name=source.name if source else code,
        budget=budget,
        issued=issued,
        confirmed=yuan(confirmed_fen),
        remaining=budget - issued,
        share=ratio(issued, budget),
        urgent=yuan(urgent_fen),
    )


def instant(value: Any, zone: ZoneInfo) -> datetime | None:
    """An ISO date-time from a payload, aware (naive ones read in the plan's zone)."""
    if isinstance(value, datetime):
        found = value
    else:
        try:
            found = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return found.replace(tzinfo=zone) if found.tzinfo is None else found


class _FollowUp:
    """The follow-up tables (回访核查) of one fold, judged at ``as_of``."""

    def __init__(self, plan: CampaignPlan, order: _Order, fold: _Fold, as_of: datetime) -> None:
        self.plan, self.order, self.fold, self.as_of = plan, order, fold, as_of
        self.zone = plan.zone
        self.hazard_deadlines = {
            task: instant(d, self.zone) for task, (_k, _p, d) in fold.hazards.items()
        }
        self.case_deadlines = {case: instant(d, self.zone) for case, (_p, d) in fold.cases.items()}

    def _late(self, deadline: datetime | None) -> bool:
        return deadline is not None and deadline < self.as_of

    def distribute_deadline(self) -> datetime | None:
        """The distribute phase's deadline: the plan's, or where the last move put it."""
        moved = self.fold.deadline_moves.get(Phase.DISTRIBUTE.value)
        if moved is not None:
            return instant(moved, self.zone)
        phase = self.plan.phases.get(Phase.DISTRIBUTE)
        return instant(phase.deadline, self.zone) if phase else None

    def callbacks(self, districts: list[str]) -> list[CallbackFollowUp]:
        fold = self.fold

        def per_district(people: dict[str, str]) -> Counter[str]:
            return Counter(d or fold.district_of(key) for key, d in people.items())

        drawn = Counter(fold.drawn.values())
        assigned = per_district(fold.assigned)
        attempted = per_district(fold.attempted)
        outcomes: Counter[tuple[str, str]] = Counter(
            (d or fold.district_of(key), outcome) for key, (d, outcome) in fold.concluded.items()
        )
        seen = set(drawn) | set(assigned) | set(attempted) | {d for d, _ in outcomes}
        rows = []
        for d in self.order.districts(seen | set(districts)):
            n = {o: outcomes[(d, o)] for o in OUTCOMES}
            rows.append(
                CallbackFollowUp(
                    district=d,
                    drawn=drawn[d],
                    assigned=assigned[d],
                    attempted=attempted[d],
                    calls=fold.calls[d],
                    concluded=sum(n.values()),
                    **n,
                    problems=n["not_received"] + n["complaint"],
                    confirmed_rate=ratio(n["reached"], drawn[d]),
                )
            )
        return rows

    def verification(self, districts: list[str]) -> list[VerificationCount]:
        opened: Counter[str] = Counter()
        resolved: Counter[str] = Counter()
        overdue: Counter[str] = Counter()
        for case, (place, _d) in self.fold.cases.items():
            d = place[0]
            opened[d] += 1
            if case in self.fold.resolved:
                resolved[d] += 1
            elif self._late(self.case_deadlines[case]):
                overdue[d] += 1
        return [
            VerificationCount(
                district=d,
                opened=opened[d],
                resolved=resolved[d],
                open=opened[d] - resolved[d],
                overdue=overdue[d],
            )
            for d in self.order.districts(set(opened) | set(districts))
        ]

    def _hazard_cells(self) -> Counter[tuple[str, str, str]]:
        """(district, kind, state) -> hazards; state found | fixed | overdue."""
        cells: Counter[tuple[str, str, str]] = Counter()
        for task, (kind, place, _d) in self.fold.hazards.items():
            d = place[0]
            cells[(d, kind, "found")] += 1
            if task in self.fold.fixed:
                cells[(d, kind, "fixed")] += 1
            elif self._late(self.hazard_deadlines[task]):
                cells[(d, kind, "overdue")] += 1
        return cells

    def _kinds(self, seen: set[str]) -> list[str]:
        rank: dict[str, int] = {k: i for i, k in enumerate(HAZARD_KINDS)}
        return self.order._sorted(seen | set(HAZARD_KINDS), rank)

    def hazards_by_district(self, districts: list[str]) -> list[HazardCount]:
        cells = self._hazard_cells()
        kinds = self._kinds({k for _d, k, _s in cells})
        rows = []
        for d in self.order.districts({d for d, _k, _s in cells} | set(districts)):
            found = sum(cells[(d, k, "found")] for k in kinds)
            fixed = sum(cells[(d, k, "fixed")] for k in kinds)
            rows.append(
                HazardCount(
                    district=d,
                    found=found,
                    by_kind={k: cells[(d, k, "found")] for k in kinds if cells[(d, k, "found")]},
                    fixed=fixed,
                    open=found - fixed,
                    overdue=sum(cells[(d, k, "overdue")] for k in kinds),
                )
            )
        return rows

    def hazards_by_kind(self) -> list[HazardCount]:
        cells = self._hazard_cells()
        per_kind: Counter[tuple[str, str]] = Counter()
        for (_d, kind, state), n in cells.items():
            per_kind[(kind, state)] += n
        return [
            HazardCount(
                kind=k,
                found=per_kind[(k, "found")],
                fixed=per_kind[(k, "fixed")],
                open=per_kind[(k, "found")] - per_kind[(k, "fixed")],
                overdue=per_kind[(k, "overdue")],
            )
            for k in self._kinds({k for _d, k, _s in cells})
        ]

    def _urgent_status(self, case: str) -> tuple[str, int]:
        """(approved | rejected | pending | paid, approved fen) of one urgent case."""
        fold = self.fold
        paid = fold.urgent_paid.get(case)
        levels = fold.decisions.get(case, {})
        city, district = levels.get("city"), levels.get("district")
        final = city or district
        if paid is not None:
            return "paid", final[1] if final and final[0] else paid[1]
        if any(not approve for approve, _fen in levels.values()):
            return "rejected", 0
        if city is not None:
            return "approved", city[1]
        if district is not None and district[1] <= self._threshold_fen():
            return "approved", district[1]
        return "pending", 0  # undecided, or awaiting the city (一事一议)

    def _threshold_fen(self) -> int:
        urgent = self.plan.urgent
        threshold = (
            urgent.city_threshold
            if urgent is not None
            else UrgentPlan.model_fields["city_threshold"].default
        )
        return int(Decimal(threshold) * 100)

    def urgent(self, districts: list[str]) -> list[UrgentCount]:
        fold = self.fold
        n: Counter[tuple[str, str]] = Counter()
        fen: Counter[tuple[str, str]] = Counter()
        cases = dict(fold.urgent)
        for case, (_source, _fen, d) in fold.urgent_paid.items():  # paid, opening not read
            cases.setdefault(case, ((d, "", ""), 0))
        for case, (place, asked) in cases.items():
            d = place[0]
            status, approved = self._urgent_status(case)
            n[(d, "raised")] += 1
            n[(d, status)] += 1
            fen[(d, "asked")] += asked
            if status in ("approved", "paid"):
                fen[(d, "approved")] += approved
            if status == "paid":
                n[(d, "approved")] += 1
                fen[(d, "paid")] += fold.urgent_paid[case][1]
        return [
            UrgentCount(
                district=d,
                raised=n[(d, "raised")],
                approved=n[(d, "approved")],
                rejected=n[(d, "rejected")],
                pending=n[(d, "pending")],
                paid=n[(d, "paid")],
                asked_amount=yuan(fen[(d, "asked")]),
                approved_amount=yuan(fen[(d, "approved")]),
                paid_amount=yuan(fen[(d, "paid")]),
            )
            for d in self.order.districts({d for d, _ in n} | set(districts))
        ]

    def overdue_units(
        self, late_deliveries: Counter[Place], deadline: datetime | None
    ) -> list[OverdueUnit]:
        """Units with something overdue at ``as_of``: one row per unit and kind.

        ``late_deliveries``: households with items unconfirmed after ``deadline`` (the
        distribute deadline), per place.
        """
        fold = self.fold
        count: Counter[tuple[Place, OverdueKind]] = Counter()
        earliest: dict[tuple[Place, OverdueKind], datetime] = {}
        if deadline is not None:
            for place, n in late_deliveries.items():
                count[(place, "delivery")] = n
                earliest[(place, "delivery")] = deadline
        late: list[tuple[Place, OverdueKind, datetime]] = []
        for case, (place, _d) in fold.cases.items():
            due = self.case_deadlines[case]
            if case not in fold.resolved and due is not None and self._late(due):
                late.append((place, "verification", due))
        for task, (_kind, place, _d) in fold.hazards.items():
            due = self.hazard_deadlines[task]
            if task not in fold.fixed and due is not None and self._late(due):
                late.append((place, "rectification", due))
        for place, kind, missed in late:
            count[(place, kind)] += 1
            first = earliest.get((place, kind))
            if first is None or missed < first:
                earliest[(place, kind)] = missed
        kind_rank = {k: i for i, k in enumerate(OVERDUE_KINDS)}
        ordered = sorted(count, key=lambda pk: (self.order.place_rank(*pk[0]), kind_rank[pk[1]]))
        return [
            OverdueUnit(
                district=place[0],
                street=place[1],
                community=place[2],
                kind=kind,
                count=count[(place, kind)],
                earliest_deadline=earliest[(place, kind)].astimezone(UTC),
            )
            for place, kind in ordered
        ]


class _Order:
    """The plan's order of places, categories, items and fund sources; strangers after, sorted."""

    def __init__(self, plan: CampaignPlan) -> None:
        tree = list(plan.jurisdiction.communities())
        self.tree = tree
        self._place: dict[tuple[str, ...], int] = {}
        for d, s, c in tree:
            for node in ((d,), (d, s), (d, s, c)):
                self._place.setdefault(node, len(self._place))
        self._categories = {c: i for i, c in enumerate(plan.categories)}
        self._items = {it.code: i for i, it in enumerate(plan.items)}
        self._sources = {f.code: i for i, f in enumerate(plan.fund_sources)}
        self._item_lists: dict[tuple[str, ...], list[str]] = {}

    @staticmethod
    def _sorted(values: Iterable[str], rank: dict[str, int]) -> list[str]:
        return sorted(set(values), key=lambda v: (rank.get(v, len(rank)), v))

    def categories(self, seen: set[str]) -> list[str]:
        return self._sorted(seen | set(self._categories), self._categories)

    def category_counts(self, counts: Counter[str]) -> dict[str, int]:
        """The non-zero counts, keyed in category order."""
        return {c: counts[c] for c in self._sorted(counts, self._categories) if counts[c]}

    def items(self, seen: Iterable[str]) -> list[str]:
        return self._sorted(seen, self._items)

    def sources(self, seen: set[str]) -> list[str]:
        return self._sorted(seen | set(self._sources), self._sources)

    def districts(self, seen: set[str]) -> list[str]:
        tree = list(dict.fromkeys(d for d, _s, _c in self.tree))
        return tree + sorted(seen - set(tree))

    def place_rank(self, *node: str) -> tuple[int, tuple[str, ...]]:
        parts = tuple(p for p in node if p)
        return self._place.get(parts, len(self._place)), parts

    def item_order(self, codes: tuple[str, ...]) -> list[str]:
        """A household's item codes in plan order (few combinations: remembered)."""
        found = self._item_lists.get(codes)
        if found is None:
            found = self._item_lists[codes] = self._sorted(codes, self._items)
        return list(found)


def _places(
    order: _Order,
    per_place: Counter[tuple[str, str, str]],
    cells: Counter[tuple[str, str, str, str]],
) -> tuple[list[PlaceCount], list[PlaceCount], list[PlaceCount]]:
    """People per district, street and community: every node of the plan's tree, and any
    place the ledger names that the tree lacks."""
    nodes: set[tuple[str, str, str]] = set(order.tree) | set(per_place)
    people: list[Counter[tuple[str, ...]]] = [Counter(), Counter(), Counter()]
    cats: list[dict[tuple[str, ...], Counter[str]]] = [{}, {}, {}]
    for (d, s, c), n in per_place.items():
        for level, node in enumerate(((d,), (d, s), (d, s, c))):
            people[level][node] += n
    for (d, s, c, cat), n in cells.items():
        for level, node in enumerate(((d,), (d, s), (d, s, c))):
            cats[level].setdefault(node, Counter())[cat] += n
    out: tuple[list[PlaceCount], list[PlaceCount], list[PlaceCount]] = ([], [], [])
    for level in range(3):
        keys = {(d, s, c)[: level + 1] for d, s, c in nodes}
        for node in sorted(keys, key=lambda n: order.place_rank(*n)):
            padded = (*node, "", "")[:3]
            out[level].append(
                PlaceCount(
                    district=padded[0],
                    street=padded[1],
                    community=padded[2],
                    people=people[level][node],
                    by_category=order.category_counts(cats[level].get(node, Counter())),
                )
            )
    return out
