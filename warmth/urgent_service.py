"""Urgent cases (临时救助 / 一事一议) and hazard rectification (隐患整改): the service layer.

Urgent cases are raised and decided through the campaign workflow's updates
``open_urgent_case`` and ``decide_urgent_case`` (see ``workflows/urgent.py``), sent by
:func:`warmth.service._update`: the client checks the permission first, and any
refusal — by the client or by the workflow's validator — is recorded in the ledger
(``AccessRefused``) and raised as one clear line. Hazard tasks are plain store work
(:mod:`warmth.store.hazards`). Listings are masked.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Engine
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from warmth.auth.rules import Action, Role, User, authorize
from warmth.contracts import UrgentCaseDecision, UrgentCaseRequest, UrgentPerson
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType
from warmth.domain.ids import check_id, mask_id, mask_name, normalize_id
from warmth.domain.money import yuan
from warmth.domain.people import person_key
from warmth.domain.urgent import UrgentCaseState, case_id, default_request_id, to_fen
from warmth.payments import BANK_HEADER, bank_reference
from warmth.payments.bank import (
    SUMMARY_HEADER,
    TOTAL_LABEL,
    account_of,
    file_part,
    mask_account,
    ordered_groups,
    permitted_groups,
)
from warmth.roster.export import write_csv
from warmth.service import _refused, _update
from warmth.store import hazards, ledger
from warmth.store import urgent as store
from warmth.store.campaigns import get_plan
from warmth.temporal import campaign_workflow_id

RAISERS = frozenset({Role.OPS, Role.SUPERVISOR, Role.CADRE})


def _fen(amount: Decimal, what: str) -> int:
    try:
        fen = to_fen(Decimal(amount))
    except (ValueError, InvalidOperation):
        raise Rejected(f"{what} {amount} is not an amount in yuan (at most 2 decimals)") from None
    if fen <= 0:
        raise Rejected(f"{what} must be greater than 0")
    return fen


def _canonical_id(id_number: str) -> str:
    canonical = normalize_id(id_number)
    if check_id(canonical) is not None:
        raise Rejected(f"{mask_id(canonical)} is not a valid ID number (公民身份号码)")
    return canonical


async def _closed(client: Client, campaign_id: str) -> str | None:
    """The status of the campaign's workflow if it has closed, else None."""
    try:
        desc = await client.get_workflow_handle(campaign_workflow_id(campaign_id)).describe()
    except RPCError:
        return None
    status = desc.status
    if status is None or status == WorkflowExecutionStatus.RUNNING:
        return None
    return status.name.lower()


async def open_case(
    client: Client,
    engine: Engine,
    secret: bytes,
    campaign_id: str,
    actor: User,
    *,
    id_number: str,
    category: str,
    amount: Decimal,
    reason: str,
    name: str | None = None,
    phone: str | None = None,
    community: str | None = None,
    request_id: str | None = None,
    task_queue: str = "warmth",
    timeout: timedelta = timedelta(seconds=15),
) -> UrgentCaseState:
    """Raise an urgent case (临时救助) for a person, in the roster or not.

    The place (``区/街道/社区``), name and phone come from the roster when the person is
    in it; otherwise ``community`` and ``name`` are needed. The case id is derived from
    (campaign, person, ``request_id``); ``request_id`` defaults to a digest of category,
    amount and reason, so repeating the command returns the same case.
    """
    plan = get_plan(engine, campaign_id)
    what = "urgent case"
    if plan.urgent is None:
        raise Rejected(f"the plan of campaign {campaign_id} takes no urgent cases")
    canonical = _canonical_id(id_number)
    key = person_key(secret, canonical)
    asked = _fen(amount, "the amount asked")
    known = store.household_place(engine, campaign_id, key)
    if known is not None:
        district, street, comm, roster_name, roster_phone = known
        if community and community != f"{district}/{street}/{comm}":
            raise Rejected(
                f"{mask_id(canonical)} lives in {district}/{street}/{comm} according to the"
                f" roster, not {community}"
            )
        name, phone = name or roster_name, phone or roster_phone
    else:
        parts = (community or "").split("/")
        if len(parts) != 3 or tuple(parts) not in set(plan.jurisdiction.communities()):
            raise Rejected(
                f"{mask_id(canonical)} is not in the roster: give --community 区/街道/社区"
                " of the campaign's jurisdiction"
                + (f" ({community!r} is not one)" if community else "")
            )
        district, street, comm = parts
        if not name or not name.strip():
            raise Rejected(f"{mask_id(canonical)} is not in the roster: give --name")
    if not RAISERS & set(actor.roles):
        why = f"{actor.id} may not raise an urgent case: it needs ops, supervisor or cadre"
        _refused(engine, campaign_id, actor, what, why)
        raise Rejected(f"{what} in {campaign_id}: {why}")
    request = UrgentCaseRequest(
        case_id=case_id(
            campaign_id, key, request_id or default_request_id(category, asked, reason)
        ),
        person_key=key,
        district=district,
        street=street,
        community=comm,
        category=category,
        asked_fen=asked,
        reason=reason.strip(),
        user=actor.id,
        person=UrgentPerson(name=name.strip(), id_number=canonical, phone=phone or None),
    )
    return await _send(
        client, engine, campaign_id, actor, "open_urgent_case", request, what,
        (Action.CHANGE, f"{district}/{street}/{comm}"), task_queue, timeout,
    )  # fmt: skip


async def decide_case(
    client: Client,
    engine: Engine,
    campaign_id: str,
    case: str,
    actor: User,
    *,
    approve: bool,
    amount: Decimal | None = None,
    comment: str = "",
    task_queue: str = "warmth",
    timeout: timedelta = timedelta(seconds=15),
) -> UrgentCaseState:
    """Approve (an amount; by default the one asked or approved before) or reject a case.

    The district supervisor decides first; above the plan's city threshold a city
    supervisor approves too; then the case is paid (``UrgentAidIssued``, once).
    """
    district = store.case_district(engine, campaign_id, case)
    amount_fen = 0
    if approve:
        if amount is None:
            row = next(c for c in store.list_cases(engine, campaign_id) if c.case_id == case)
            amount_fen = row.approved_fen or row.asked_fen
        else:
            amount_fen = _fen(amount, "the approved amount")
    decision = UrgentCaseDecision(
        case_id=case, user=actor.id, approve=approve, amount_fen=amount_fen, comment=comment
    )
    what = f"{'approve' if approve else 'reject'} urgent case {case}"
    return await _send(
        client, engine, campaign_id, actor, "decide_urgent_case", decision, what,
        (Action.APPROVE, district), task_queue, timeout,
    )  # fmt: skip


async def _send(
    client: Client,
    engine: Engine,
    campaign_id: str,
    actor: User,
    name: str,
    arg: UrgentCaseRequest | UrgentCaseDecision,
    what: str,
    permission: tuple[Action, str],
    task_queue: str,
    timeout: timedelta,
) -> UrgentCaseState:
    try:
        return await _update(
            client, engine, campaign_id, actor, name, arg, UrgentCaseState, what,
            permission=permission, task_queue=task_queue, timeout=timeout,
        )  # fmt: skip
    except NotFound:
        status = await _closed(client, campaign_id)
        if status is None:
            raise
        why = (
            f"campaign {campaign_id} has {status}: urgent cases can no longer be raised or decided"
        )
        _refused(engine, campaign_id, actor, what, why)
        raise Rejected(f"{what}: {why}") from None


def list_cases(engine: Engine, campaign_id: str, actor: User) -> list[store.UrgentCaseRow]:
    """The cases within the user's jurisdiction (an auditor: all), masked."""
    get_plan(engine, campaign_id)  # NotFound for an unknown campaign
    scope = "" if actor.has(Role.AUDITOR) else actor.scope
    authorize(actor, Action.READ, scope)
    return store.list_cases(engine, campaign_id, scope=scope)


# ---- the bank file of urgent payments ------------------------------------------------------


def write_payments(
    engine: Engine, campaign_id: str, out_dir: Path, actor: User, *, full: bool = False
) -> list[Path]:
    """Bank files (银行代发) of the urgent payments, per fund source and district, then a
    summary — the layout of ``docs/bank-file.md``, project name ``plan.urgent.project_name``.

    One row per ``UrgentAidIssued`` event; 参考号 is ``bank_reference`` of its key.
    Masked unless ``full`` (ops or a supervisor within the district). The export is a
    ``BankFilesWritten`` ledger event (``kind: urgent``).
    """
    plan = get_plan(engine, campaign_id)
    project = plan.urgent.project_name if plan.urgent is not None else "临时救助金"
    groups: dict[tuple[str, str], list[store.UrgentPayment]] = defaultdict(list)
    for p in store.urgent_payments(engine, campaign_id):
        groups[(p.fund_source, p.district)].append(p)

    keys = permitted_groups(ordered_groups(groups, plan), actor, full)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    summary: list[list[object]] = []
    written: list[dict[str, object]] = []
    total_rows = total_fen = 0
    for source, district in keys:
        rows = sorted(groups[(source, district)], key=lambda p: (p.street, p.community, p.case_id))
        path = (
            out_dir
            / f"{file_part(campaign_id)}-urgent-bank-{file_part(source)}-{file_part(district)}.csv"
        )
        write_csv(
            path,
            BANK_HEADER,
            (
                [
                    n,
                    p.name if full else mask_name(p.name),
                    p.id_number if full else mask_id(p.id_number),
                    account_of(p.extra) if full else mask_account(account_of(p.extra)),
                    yuan(p.amount_fen),
                    project,
                    bank_reference(p.idempotency_key),
                ]
                for n, p in enumerate(rows, start=1)
            ),
        )
        fen = sum(p.amount_fen for p in rows)
        fund = plan.fund_source(source)
        summary.append(
            [source, fund.name if fund else source, district, path.name, len(rows), yuan(fen)]
        )
        written.append(
            {
                "file": path.name,
                "fund_source": source,
                "district": district,
                "rows": len(rows),
                "amount_fen": fen,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
        total_rows += len(rows)
        total_fen += fen
        paths.append(path)
    summary.append([TOTAL_LABEL, "", "", "", total_rows, yuan(total_fen)])
    summary_path = out_dir / f"{file_part(campaign_id)}-urgent-bank-summary.csv"
    write_csv(summary_path, SUMMARY_HEADER, summary)
    paths.append(summary_path)
    ledger.record(
        engine,
        campaign_id,
        EventType.BANK_FILES_WRITTEN,
        {"kind": "urgent", "full": full, "files": written},
        actor.id,
        datetime.now(UTC),
        f"{campaign_id}:bank-files:{uuid.uuid4()}",
    )
    return paths


# ---- hazards (隐患整改) -------------------------------------------------------------------------


def add_hazard(
    engine: Engine,
    secret: bytes,
    campaign_id: str,
    id_number: str,
    kind: str,
    note: str,
    actor: User,
) -> hazards.TaskResult:
    """Record a hazard found on a visit; the open task of that kind if there is one."""
    canonical = _canonical_id(id_number)
    key = person_key(secret, canonical)
    try:
        return hazards.record_visit_hazard(
            engine, campaign_id, key, kind, note, actor.id, datetime.now(UTC), principal=actor
        )
    except NotFound:
        raise NotFound(
            f"no household with ID number {mask_id(canonical)} in {campaign_id}"
        ) from None


def fix_hazard(
    engine: Engine, campaign_id: str, task: str, note: str, actor: User
) -> hazards.TaskResult:
    """Confirm a task fixed (整改完成), as its cadre or ops within jurisdiction."""
    return hazards.fix_hazard(
        engine, campaign_id, task, note, actor.id, datetime.now(UTC), principal=actor
    )


def list_hazards(
    engine: Engine, campaign_id: str, actor: User, *, open_only: bool = False,
    scope: str | None = None, cadre_id: str | None = None,
) -> list[hazards.HazardTask]:  # fmt: skip
    """Tasks within ``scope`` (default: the user's jurisdiction; an auditor's: all), masked."""
    get_plan(engine, campaign_id)
    where = scope if scope is not None else ("" if actor.has(Role.AUDITOR) else actor.scope)
    authorize(actor, Action.READ, where)
    return hazards.list_rectifications(
        engine, campaign_id, open_only=open_only, scope=where, cadre_id=cadre_id
    )
