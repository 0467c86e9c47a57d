"""Callbacks (电话回访) and verification cases (核实) for the CLI (and later the API).

* Recording a call: one result — reached 已联系, unreachable 联系不上, not_received 未收到,
  complaint 投诉 — for a sampled household, by a caller (回访员) or ops (经办) whose
  jurisdiction covers its community. The facts and their consequences (conclusion, a
  verification case) are written by :mod:`warmth.store.callbacks` in one transaction.
* A results file (CSV/XLSX): 公民身份号码, 结果, 日期 (optional), 备注 (optional). Bad rows
  are reported with their data-row number, field and reason; good rows are recorded in
  file order; importing the same file again records nothing new. A row without a date
  is dated when the file was first imported.
* Callers' lists (回访清单) and verification cases: listed within the user's jurisdiction
  (an auditor reads everything); a case is resolved with its finding by a district-level
  supervisor or ops.

Refusals for want of a role or jurisdiction are recorded in the ledger (``AccessRefused``).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel
from sqlalchemy import Connection, Engine, and_, select, true

from warmth.auth.rules import Action, Forbidden, Principal, Role, authorize
from warmth.domain.callbacks import RESULT_CHOICES, CallbackResult, call_day, parse_result
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType, LedgerEvent, campaign_stream
from warmth.domain.ids import check_id, mask_id, mask_name, mask_phone, normalize_id
from warmth.domain.jurisdiction import CITY_SCOPE, scope_covers
from warmth.domain.plan import CampaignPlan
from warmth.intake import file_digest
from warmth.roster.columns import header_key
from warmth.roster.errors import RosterFileError, RowError
from warmth.roster.normalize import clean_text
from warmth.roster.reader import read_table
from warmth.store import callbacks as store
from warmth.store import ledger
from warmth.store.callbacks import CallbackTask, OpenCaseDeadline, VerificationCase
from warmth.store.campaigns import get_plan, record_refusal
from warmth.store.deliveries import person_by_id_number
from warmth.store.ledger import as_utc
from warmth.store.schema import households
from warmth.store.schema import ledger as ledger_table
from warmth.store.sql import retrying

__all__ = [
    "CallbackImportReport",
    "CallbackRecord",
    "CallbackTask",
    "OpenCaseDeadline",
    "VerificationCase",
    "import_callbacks",
    "list_callback_tasks",
    "list_verification_cases",
    "record_callback",
    "resolve_verification_case",
]

FUTURE_SLACK: Final = timedelta(minutes=5)
RESULT_HEADERS: Final = frozenset(header_key(h) for h in ("结果", "回访结果", "result"))
DATE_HEADERS: Final = frozenset(header_key(h) for h in ("日期", "回访日期", "date"))
_ID = re.compile(r"^[0-9]{17}[0-9X]$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


class CallbackRecord(BaseModel):
    """What recording one call did. ``recorded`` False: the same fact was there already."""

    campaign_id: str
    person_key: str
    district: str
    street: str
    community: str
    day: str
    result: CallbackResult
    recorded: bool
    outcome: str | None
    concluded_now: bool
    case_id: str | None
    case_deadline: datetime | None


class CallbackImportReport(BaseModel):
    """What importing a results file did."""

    campaign_id: str
    file_name: str
    rows: int
    recorded: int  # new facts written now
    already_recorded: int  # rows whose fact was in the ledger before (a re-import)
    concluded: int  # callbacks concluded by this file
    cases_opened: list[str]
    rejected: list[RowError]

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.rejected})


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise Rejected(f"回访时间须带时区 / the call time {at.isoformat()} needs a time zone")
    return at.astimezone(UTC)


def _require(
    engine: Engine,
    campaign_id: str,
    principal: Principal,
    roles: set[Role],
    action: Action,
    scope: str,
    what: str,
) -> None:
    """Raise :class:`Rejected` (recorded as ``AccessRefused``) unless ``principal`` holds
    one of ``roles`` and may ``action`` on ``scope``."""
    try:
        if (
            not roles & set(principal.roles)
            and Role.AUDITOR not in principal.roles
            and not getattr(principal, "disabled", False)
        ):
            who = getattr(principal, "id", "?")
            held = ", ".join(r.value for r in principal.roles)
            needed = " or ".join(sorted(r.value for r in roles))
            raise Forbidden(f"{who} may not {what}: it needs the {needed} role (roles: {held})")
        authorize(principal, action, scope)
    except Forbidden as exc:
        record_refusal(
            engine, campaign_id, getattr(principal, "id", "?"), what, str(exc), datetime.now(UTC)
        )
        raise Rejected(str(exc)) from None


_RECORDERS: Final = {Role.CALLER, Role.OPS}
_RESOLVERS: Final = {Role.SUPERVISOR, Role.OPS}


def _check(
    plan: CampaignPlan, row: Any, at: datetime, now: datetime, shown: str
) -> tuple[str, str | None]:
    """(the call's day, or a reason it cannot be recorded)."""
    day = call_day(at, plan.zone)
    if at > now + FUTURE_SLACK:
        return day.isoformat(), f"回访时间晚于现在 / {at.isoformat()} is in the future"
    drawn = call_day(as_utc(row.drawn_at), plan.zone)
    if day < drawn:
        return day.isoformat(), (
            f"回访日期早于抽样日期（{drawn.isoformat()}） / {shown} was drawn on"
            f" {drawn.isoformat()}: it cannot have been called on {day.isoformat()}"
        )
    return day.isoformat(), None


def _person(conn: Connection, campaign_id: str, ref: str) -> tuple[str, str]:
    """(person key, masked label) of an ID number or a person key; :class:`NotFound`."""
    text = ref.strip()
    id_number = normalize_id(text)
    if _ID.match(id_number):
        key = person_by_id_number(conn, campaign_id, id_number)
        if key is None:
            raise NotFound(
                f"没有该户：{mask_id(id_number)} / no household with ID number"
                f" {mask_id(id_number)} in {campaign_id}"
            )
        return key, mask_id(id_number)
    found = conn.execute(
        select(households.c.person_key).where(
            households.c.campaign_id == campaign_id, households.c.person_key == text
        )
    ).first()
    if found is None:
        raise NotFound(f"没有该户 / no household {text[:8]}… in {campaign_id}")
    return text, f"{text[:8]}…"


def _not_sampled(shown: str, campaign_id: str) -> store.NotSampled:
    return store.NotSampled(
        f"{shown} 未被抽中回访 / the household {shown} is not in the callback sample of"
        f" {campaign_id}"
    )


def record_callback(
    engine: Engine,
    campaign_id: str,
    person_key_or_id_number: str,
    result: CallbackResult | str,
    *,
    by: Principal,
    at: datetime,
    note: str | None = None,
    now: datetime | None = None,
) -> CallbackRecord:
    """Record one call to a sampled household, made at ``at``, by the user ``by``.

    Raises :class:`NotFound` (campaign, household), :class:`~warmth.store.callbacks.NotSampled`,
    :class:`~warmth.store.callbacks.AlreadyConcluded` (a new result after the
    conclusion), :class:`Rejected` for a call in the future, before the draw, or by a
    user who is not a caller or ops of the household's community. The same fact again
    (person, day, result) records nothing and returns the callback's state.
    """
    parsed = result if isinstance(result, CallbackResult) else parse_result(result)
    if parsed is None:
        raise Rejected(f"回访结果无法识别：{result!r} / unknown result; use {RESULT_CHOICES}")
    when = _aware(at)
    current = _aware(now) if now is not None else datetime.now(UTC)
    plan = get_plan(engine, campaign_id)
    text = clean_text(note or "") or None
    with engine.connect() as conn:
        key, shown = _person(conn, campaign_id, person_key_or_id_number)
        row = store.sampled(conn, campaign_id, key)
    if row is None:
        raise _not_sampled(shown, campaign_id)
    _require(
        engine,
        campaign_id,
        by,
        _RECORDERS,
        Action.CHANGE,
        f"{row.district}/{row.street}/{row.community}",
        "record callbacks",
    )
    day, problem = _check(plan, row, when, current, shown)
    if problem:
        raise Rejected(problem)

    def work(conn: Connection) -> CallbackRecord:
        fresh = store.sampled(conn, campaign_id, key)
        if fresh is None:
            raise _not_sampled(shown, campaign_id)
        r = store.record_attempt(
            conn,
            campaign_id,
            fresh,
            day=day,
            result=parsed,
            note=text,
            by=getattr(by, "id", "?"),
            at=when,
            unreachable_attempts=plan.callback.attempts,
            verification_window=plan.cases.verification_window,
        )
        return _record(campaign_id, r)

    return retrying(engine, work)


def _record(campaign_id: str, r: store.Recorded) -> CallbackRecord:
    return CallbackRecord(
        campaign_id=campaign_id,
        person_key=r.person_key,
        district=r.district,
        street=r.street,
        community=r.community,
        day=r.day,
        result=r.result,
        recorded=r.recorded,
        outcome=r.outcome,
        concluded_now=r.concluded_now,
        case_id=r.case_id,
        case_deadline=r.deadline,
    )


# ---- a results file ----------------------------------------------------------------------------


def _column(raw: dict[str, str], headers: frozenset[str]) -> str | None:
    for key, value in raw.items():
        if header_key(key) in headers:
            return value
    return None


def _when(cell: str, plan: CampaignPlan, default: datetime) -> datetime | str:
    """The call's time from a 日期 cell (a date: 00:00 that day, plan time zone) or a reason."""
    text = clean_text(cell)
    if not text:
        return default
    m = _DATE.match(text)
    try:
        if m:
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return datetime.combine(day, time(0), tzinfo=plan.zone).astimezone(UTC)
        value = datetime.fromisoformat(text)
    except ValueError:
        return f"日期无法识别：{text} / cannot read the date {text!r} (use 2026-01-05)"
    value = value.replace(tzinfo=plan.zone) if value.tzinfo is None else value
    return value.astimezone(UTC)


def _first_import(conn: Connection, key: str) -> datetime | None:
    at = conn.execute(
        select(ledger_table.c.at).where(ledger_table.c.idempotency_key == key)
    ).scalar_one_or_none()
    return None if at is None else as_utc(at)


def import_callbacks(
    engine: Engine,
    campaign_id: str,
    path: Path,
    *,
    by: Principal,
    encoding: str | None = None,
    now: datetime | None = None,
) -> CallbackImportReport:
    """Record every good row of a results file, in file order; report the bad ones.

    A row is bad (and records nothing) for an invalid or unknown ID number, a household
    not sampled or outside the user's jurisdiction, an unknown result, an unreadable,
    future or pre-draw date, or a new result for a concluded callback. Raises
    :class:`RosterFileError` for a file without 公民身份号码 or 结果 columns.
    """
    plan = get_plan(engine, campaign_id)
    current = _aware(now) if now is not None else datetime.now(UTC)
    _require(engine, campaign_id, by, _RECORDERS, Action.CHANGE, by.scope, "record callbacks")
    digest = file_digest(Path(path))
    file_key = f"{campaign_id}:callback-file:{digest}"
    with engine.connect() as conn:
        default_at = _first_import(conn, file_key) or current
    rejected: list[RowError] = []
    good: list[tuple[int, str, CallbackResult, str, datetime, str | None]] = []
    rows = 0
    checked_header = False
    with engine.connect() as conn:
        for number, raw in read_table(path, ("id_number",), encoding):
            if not checked_header:
                if _column(raw, RESULT_HEADERS) is None:
                    raise RosterFileError(
                        "表头缺少必填列：结果 / header is missing required columns: 结果 (result)"
                    )
                checked_header = True
            rows += 1
            problems = _check_row(conn, plan, campaign_id, raw, by, default_at, current)
            if isinstance(problems, list):
                rejected.extend(RowError(row=number, field=f, reason=r) for f, r in problems)
            else:
                good.append((number, *problems))

    def work(conn: Connection) -> tuple[int, int, int, list[str], list[RowError]]:
        new = old = concluded = 0
        cases: list[str] = []
        late: list[RowError] = []
        for number, key, result, day, when, note in good:
            row = store.sampled(conn, campaign_id, key)
            if row is None:  # vanished since the check: cannot happen, never record blindly
                raise Rejected(f"row {number}: the household left the callback sample")
            try:
                with conn.begin_nested():
                    r = store.record_attempt(
                        conn,
                        campaign_id,
                        row,
                        day=day,
                        result=result,
                        note=note,
                        by=getattr(by, "id", "?"),
                        at=when,
                        unreachable_attempts=plan.callback.attempts,
                        verification_window=plan.cases.verification_window,
                    )
            except store.AlreadyConcluded as exc:
                late.append(RowError(row=number, field="result", reason=str(exc)))
                continue
            new, old = (new + 1, old) if r.recorded else (new, old + 1)
            if r.concluded_now:
                concluded += 1
                if r.case_id:
                    cases.append(r.case_id)
        bad_rows = len({e.row for e in [*rejected, *late]})
        ledger.append(
            conn,
            [
                LedgerEvent(
                    campaign_id=campaign_id,
                    stream=campaign_stream(campaign_id),
                    type=EventType.CALLBACKS_IMPORTED,
                    payload={
                        "file": digest,
                        "file_name": Path(path).name,
                        "rows": rows,
                        "recorded": new,
                        "rejected_rows": bad_rows,
                    },
                    actor=getattr(by, "id", "?"),
                    at=default_at,
                    idempotency_key=file_key,
                )
            ],
        )
        return new, old, concluded, cases, late

    new, old, concluded, cases, late = retrying(engine, work)
    return CallbackImportReport(
        campaign_id=campaign_id,
        file_name=Path(path).name,
        rows=rows,
        recorded=new,
        already_recorded=old,
        concluded=concluded,
        cases_opened=cases,
        rejected=sorted([*rejected, *late], key=lambda e: (e.row, e.field)),
    )


def _check_row(
    conn: Connection,
    plan: CampaignPlan,
    campaign_id: str,
    raw: dict[str, str],
    by: Principal,
    default_at: datetime,
    now: datetime,
) -> tuple[str, CallbackResult, str, datetime, str | None] | list[tuple[str, str]]:
    """(person key, result, day, when, note) of a good row, or its (field, reason) list."""
    problems: list[tuple[str, str]] = []
    id_number = normalize_id(raw.get("id_number", ""))
    key: str | None = None
    row: Any = None
    if not id_number:
        problems.append(("id_number", "公民身份号码为空 / id_number is missing"))
    elif check_id(id_number) is not None:
        problems.append(("id_number", "公民身份号码无效 / id_number is not a valid ID number"))
    else:
        key = person_by_id_number(conn, campaign_id, id_number)
        if key is None:
            problems.append(("id_number", "本次行动中没有该户 / no such household in the campaign"))
        else:
            row = store.sampled(conn, campaign_id, key)
            if row is None:
                problems.append(("id_number", "该户未被抽中回访 / not in the callback sample"))
    result_text = clean_text(_column(raw, RESULT_HEADERS) or "")
    result = parse_result(result_text) if result_text else None
    if not result_text:
        problems.append(("result", "结果为空 / result is missing"))
    elif result is None:
        problems.append(
            ("result", f"结果无法识别：{result_text} / unknown result; use {RESULT_CHOICES}")
        )
    when = _when(_column(raw, DATE_HEADERS) or "", plan, default_at)
    if isinstance(when, str):
        problems.append(("date", when))
    day = ""
    if row is not None and not isinstance(when, str):
        place = f"{row.district}/{row.street}/{row.community}"
        if not _may_record(by, place):
            problems.append(
                ("id_number", f"不在您的辖区 / {place} is outside your jurisdiction ({by.scope})")
            )
        day, problem = _check(plan, row, when, now, mask_id(id_number))
        if problem:
            problems.append(("date", problem))
    if problems or key is None or result is None or isinstance(when, str):
        return problems
    note = clean_text(raw.get("note", "")) or None
    return key, result, day, when, note


def _may_record(by: Principal, place: str) -> bool:
    try:
        authorize(by, Action.CHANGE, place)
    except Forbidden:
        return False
    return True


# ---- callers' lists and verification cases ----------------------------------------------------


def _read_scope(principal: Principal) -> str:
    """What ``principal`` may read: an auditor everything, anyone else their jurisdiction."""
    authorize(principal, Action.READ, principal.scope)
    return CITY_SCOPE if Role.AUDITOR in principal.roles else principal.scope


def _households_within(scope: str) -> Any:
    if scope == CITY_SCOPE:
        return true()
    parts = scope.split("/")
    columns = (households.c.district, households.c.street, households.c.community)
    return and_(*(column == part for column, part in zip(columns, parts, strict=False)))


_FULL_READERS: Final = {Role.OPS, Role.SUPERVISOR, Role.CALLER}


def list_callback_tasks(
    engine: Engine,
    campaign_id: str,
    *,
    by: Principal,
    caller_id: str | None = None,
    full: bool = False,
) -> list[CallbackTask]:
    """The callers' lists (回访清单) within the user's jurisdiction, names, ID numbers and
    phones masked.

    ``full`` shows them in clear, for the copy callers dial from: only to an ops user, a
    supervisor or a caller (an auditor reads masked lists), and each such export is an
    event in the ledger (who, how many rows, whose list).
    """
    get_plan(engine, campaign_id)
    scope = _read_scope(by)
    tasks = store.callback_tasks(
        engine, campaign_id, within=_households_within(scope), caller_id=caller_id
    )
    if not full:
        return [_masked(t) for t in tasks]
    who = getattr(by, "id", "?")
    if Role.AUDITOR in by.roles or not _FULL_READERS & set(by.roles):
        reason = (
            f"{who} may not export callers' lists in full:"
            " it needs the ops, supervisor or caller role"
        )
        record_refusal(
            engine, campaign_id, who, "export callers' lists in full", reason, datetime.now(UTC)
        )
        raise Rejected(reason)
    ledger.record(
        engine,
        campaign_id,
        EventType.CALLBACK_LIST_EXPORTED,
        {"full": True, "rows": len(tasks), "caller": caller_id, "scope": scope},
        who,
        datetime.now(UTC),
        f"{campaign_id}:callback-list:{uuid.uuid4()}",
    )
    return tasks


def _masked(task: CallbackTask) -> CallbackTask:
    return task.model_copy(
        update={
            "name": mask_name(task.name),
            "id_number": mask_id(task.id_number),
            "phone": mask_phone(task.phone) if task.phone else task.phone,
        }
    )


def list_verification_cases(
    engine: Engine, campaign_id: str, *, by: Principal, open_only: bool = False
) -> list[VerificationCase]:
    """The campaign's verification cases within the user's jurisdiction."""
    get_plan(engine, campaign_id)
    scope = _read_scope(by)
    cases = store.list_cases(engine, campaign_id, open_only=open_only)
    if scope == CITY_SCOPE:
        return cases
    return [c for c in cases if scope_covers(scope, f"{c.district}/{c.street}/{c.community}")]


def resolve_verification_case(
    engine: Engine,
    campaign_id: str,
    case_id: str,
    finding: str,
    *,
    by: Principal,
    at: datetime | None = None,
) -> tuple[VerificationCase, bool]:
    """Resolve a case with its finding (核实结论) as a supervisor or ops of its district
    (or the city); ``(case, newly resolved)``. The same finding again changes nothing."""
    text = clean_text(finding)
    if not text:
        raise Rejected("核实结论为空 / a finding is needed to resolve a case")
    when = _aware(at) if at is not None else datetime.now(UTC)
    get_plan(engine, campaign_id)
    with engine.connect() as conn:
        case = store.get_case(conn, campaign_id, case_id)
    _require(engine, campaign_id, by, _RESOLVERS, Action.CHANGE, case.district, "resolve cases")

    def work(conn: Connection) -> tuple[VerificationCase, bool]:
        fresh = store.get_case(conn, campaign_id, case.case_id)
        return store.resolve_case(conn, campaign_id, fresh, text, getattr(by, "id", "?"), when)

    return retrying(engine, work)
