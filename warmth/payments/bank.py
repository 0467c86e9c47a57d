"""Bank batch files (银行代发文件): one CSV per fund source and district.

Cash is paid through banks with the aid project's name on the transfer (一口发放,
救助金项目名称). Each file lists the ledger's ``AidIssued`` cash events of one fund
source in one district, one row per (person, item); a separate summary file gives the
count and the total of each file and of all of them. The rows come from the ledger
itself and are checked against the deliveries projection before anything is written,
so the files sum exactly to what the ledger says was issued. The layout is documented
in ``docs/bank-file.md``.

ID numbers and account numbers are masked unless ``full=True`` (the copy actually sent
to the bank); masked files are for review and reconciliation.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Final

from sqlalchemy import Engine

from warmth.auth.rules import Action, Forbidden, Principal, Role, allowed
from warmth.domain.errors import WarmthError
from warmth.domain.events import EventType
from warmth.domain.ids import mask_id, mask_name
from warmth.domain.money import yuan
from warmth.domain.plan import CampaignPlan
from warmth.roster.export import write_csv
from warmth.store import ledger
from warmth.store.deliveries import IssuedCash, cash_totals, issued_cash
from warmth.store.sql import paused_gc

BANK_HEADER: Final = (
    "序号",
    "收款人姓名",
    "公民身份号码",
    "银行账号",
    "金额（元）",
    "救助金项目名称",
    "参考号",
)
"""Columns of a bank file: sequence, payee, ID number, account, yuan, project, reference."""

SUMMARY_HEADER: Final = (
    "资金来源代码",
    "资金来源",
    "区",
    "文件",
    "笔数",
    "金额（元）",
)

ACCOUNT_KEYS: Final = ("银行账号", "银行卡号", "账号", "bank_account")
"""Extra roster columns (kept in ``households.extra``) that carry the payee's account."""

TOTAL_LABEL: Final = "合计"
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s]+')


class ReconciliationError(WarmthError):
    """The ledger and the deliveries projection disagree: no bank file is written."""


def bank_reference(idempotency_key: str) -> str:
    """The short stable reference (参考号) of an issue: 16 hex digits of SHA-256 of its key.

    ``<campaign>:<person>:<item>:issued`` → ``"9F86D081884C7D65"``. An auditor finds the
    ledger event by recomputing it over the campaign's ``AidIssued`` keys.
    """
    return hashlib.sha256(idempotency_key.encode()).hexdigest()[:16].upper()


def mask_account(account: str) -> str:
    """Keep the last 4 characters of an account number."""
    text = "".join(account.split())
    return "*" * max(len(text) - 4, 0) + text[-4:] if len(text) > 4 else "*" * len(text)


def file_part(text: str) -> str:
    """``text`` fit for a file name (no separators, wildcards or spaces)."""
    return _UNSAFE_NAME.sub("_", text).strip("._") or "_"


def bank_file_name(campaign_id: str, fund_source: str, district: str) -> str:
    return f"{file_part(campaign_id)}-bank-{file_part(fund_source)}-{file_part(district)}.csv"


def summary_file_name(campaign_id: str) -> str:
    return f"{file_part(campaign_id)}-bank-summary.csv"


def account_of(extra: dict[str, str]) -> str:
    """The payee's account from the roster's extra columns, or ``""`` (matched by ID number)."""
    for key in ACCOUNT_KEYS:
        value = "".join(str(extra.get(key, "")).split())
        if value:
            return value
    return ""


def write_bank_files(
    engine: Engine,
    campaign_id: str,
    plan: CampaignPlan,
    out_dir: Path,
    *,
    full: bool = False,
    principal: Principal | None = None,
    actor: str | None = None,
) -> list[Path]:
    """Write one bank file per (fund source, district) with cash issued, then the summary.

    Returns the bank files in (fund source as in the plan, district as in the plan) order,
    followed by the summary file (``<campaign>-bank-summary.csv``). ``full`` writes ID
    numbers, names and accounts in clear (``full_account_fields``); the default masks them.

    With ``principal``, only the districts within their jurisdiction are written, and a
    full export needs an ops operator or a supervisor (not an auditor) over each district;
    :class:`~warmth.auth.rules.Forbidden` if nothing is left. With ``actor``, the export
    (who, whether in full, each file's count and total) is recorded in the ledger.
    """
    with paused_gc():  # a city's export: hundreds of thousands of acyclic rows
        return _write_bank_files(engine, campaign_id, plan, out_dir, full, principal, actor)


def _write_bank_files(
    engine: Engine,
    campaign_id: str,
    plan: CampaignPlan,
    out_dir: Path,
    full: bool,
    principal: Principal | None,
    actor: str | None,
) -> list[Path]:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # one snapshot for both reads, issuing or not
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():  # SQLite: BEGIN IMMEDIATE, no writer in between
            issues = issued_cash(conn, campaign_id)
            projected = cash_totals(conn, campaign_id)
    groups: dict[tuple[str, str], list[IssuedCash]] = defaultdict(list)
    for issue in issues:
        groups[(issue.fund_source, issue.district)].append(issue)
    ledger_totals = {k: sum(i.amount_fen for i in v) for k, v in groups.items()}
    if ledger_totals != projected:
        diff = sorted(
            f"{s}/{d}: ledger {yuan(ledger_totals.get((s, d), 0))},"
            f" deliveries {yuan(projected.get((s, d), 0))}"
            for s, d in set(ledger_totals) | set(projected)
            if ledger_totals.get((s, d), 0) != projected.get((s, d), 0)
        )
        raise ReconciliationError(
            "the ledger and the deliveries table disagree on cash issued; no bank file"
            f" written: {'; '.join(diff)}"
        )

    keys = ordered_groups(groups, plan)
    if principal is not None:
        keys = permitted_groups(keys, principal, full)
    projects = {i.code: (i.project_name or i.name) for i in plan.items}
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    summary: list[list[object]] = []
    written: list[dict[str, object]] = []
    total_rows = total_fen = 0
    by_place = attrgetter("street", "community", "person_key", "item")
    names: dict[str, str] = {}  # name -> as written (masked unless full)
    accounts: dict[int, str] = {}  # id(issue.extra) -> account as written; extras are shared
    amounts: dict[int, str] = {}  # fen -> yuan
    for source, district in keys:
        rows = sorted(groups[(source, district)], key=by_place)
        path = out_dir / bank_file_name(campaign_id, source, district)
        references = [bank_reference(i.idempotency_key) for i in rows]
        if len(set(references)) != len(references):  # 2**-64 per pair; never silently
            raise ReconciliationError(f"two issues share a bank reference in {path.name}")
        lines: list[list[object]] = []
        for n, (i, ref) in enumerate(zip(rows, references, strict=True), start=1):
            name = names.get(i.name)
            if name is None:
                name = names[i.name] = i.name if full else mask_name(i.name)
            account = accounts.get(id(i.extra))
            if account is None:
                account = accounts[id(i.extra)] = _account(i, full)
            amount = amounts.get(i.amount_fen)
            if amount is None:
                amount = amounts[i.amount_fen] = yuan(i.amount_fen)
            lines.append(
                [
                    n,
                    name,
                    i.id_number if full else mask_id(i.id_number),
                    account,
                    amount,
                    projects.get(i.item, i.item),
                    ref,
                ]
            )
        # Text from outside: name (1), account (3), project name (5); the others are
        # numbers, the validated ID number and references formatted here.
        write_csv(path, BANK_HEADER, lines, text_columns=(1, 3, 5))
        fen = sum(i.amount_fen for i in rows)
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
    summary_path = out_dir / summary_file_name(campaign_id)
    write_csv(summary_path, SUMMARY_HEADER, summary)
    paths.append(summary_path)
    if actor is not None:
        _record(engine, campaign_id, actor, full, written)
    return paths


def _account(issue: IssuedCash, full: bool) -> str:
    account = account_of(issue.extra)
    return account if full else mask_account(account)


def ordered_groups(groups: Iterable[tuple[str, str]], plan: CampaignPlan) -> list[tuple[str, str]]:
    """(fund source, district) keys in the plan's order of fund sources and districts."""
    source_rank = {f.code: n for n, f in enumerate(plan.fund_sources)}
    district_rank = {d: n for n, d in enumerate(plan.jurisdiction.district_names())}
    big = len(source_rank) + len(district_rank)
    return sorted(
        groups,
        key=lambda k: (source_rank.get(k[0], big), k[0], district_rank.get(k[1], big), k[1]),
    )


def permitted_groups(
    keys: Sequence[tuple[str, str]], principal: Principal, full: bool
) -> list[tuple[str, str]]:
    """The keys whose district ``principal`` may export (in full: ops or supervisors only);
    :class:`Forbidden` when there were some and none is left."""

    def may(district: str) -> bool:
        if not full:
            return allowed(principal, Action.READ, district)
        roles = set(principal.roles)
        return bool(roles & {Role.OPS, Role.SUPERVISOR}) and allowed(
            principal, Action.CHANGE, district
        )

    kept = [k for k in keys if may(k[1])]
    if keys and not kept:
        who = getattr(principal, "id", "this user")
        what = "bank files in full (needs ops or supervisor)" if full else "bank files"
        districts = ", ".join(sorted({d for _s, d in keys}))
        raise Forbidden(
            f"{who} may not export {what} of {districts}:"
            f" outside their jurisdiction ({principal.scope or 'the whole city'}) or role"
        )
    return kept


def _record(
    engine: Engine, campaign_id: str, actor: str, full: bool, files: list[dict[str, object]]
) -> None:
    ledger.record(
        engine,
        campaign_id,
        EventType.BANK_FILES_WRITTEN,
        {"full": full, "files": files},
        actor,
        datetime.now(UTC),
        f"{campaign_id}:bank-files:{uuid.uuid4()}",
    )
