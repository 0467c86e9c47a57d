"""``warmth callback``, ``warmth callbacks`` (电话回访) and ``warmth verify`` (核实).

Every command acts as the user of ``WARMTH_TOKEN`` / ``--token``: callers (回访员) and
ops record calls within their jurisdiction, district-level supervisors and ops resolve
verification cases, auditors read. Text is Chinese unless ``WARMTH_LANGUAGE=en``; ID
numbers, names and phones are shown masked unless ``--full`` is asked for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from warmth import callbacks as service
from warmth.cli import work_deadlines
from warmth.cli.common import (
    JSON_OPT,
    State,
    current_user,
    engine,
    fail,
    print_json,
    sync,
)
from warmth.domain.callbacks import RESULT_CHOICES, CallbackResult, parse_result
from warmth.domain.ids import check_id, mask_id, mask_name, mask_phone, normalize_id
from warmth.roster.export import write_csv, write_xlsx
from warmth.store.campaigns import get_plan

callbacks_app = typer.Typer(
    help="Callbacks (电话回访): import results, callers' lists (回访清单).", no_args_is_help=True
)
verify_app = typer.Typer(help="Verification cases (核实): list and resolve.", no_args_is_help=True)
_STATUS_ZH = {
    "drawn": "待回访",
    "attempted": "回访中",
    "open": "待核实",
    "resolved": "已办结",
    **{r.value: r.label_zh for r in CallbackResult},
}


def _en() -> bool:
    return State.settings.language == "en"


def _t(zh: str, en: str) -> str:
    return en if _en() else zh


def _status(value: str | None) -> str:
    if value is None:
        return ""
    return value if _en() else _STATUS_ZH.get(value, value)


def _when(text: str | None, zone: str) -> datetime:
    now = datetime.now(UTC)
    if text is None:
        return now
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(
            f"--at {text!r} 不是日期时间（如 2026-01-05T10:30） /"
            " is not a date-time like 2026-01-05T10:30"
        )
    return value.replace(tzinfo=ZoneInfo(zone)) if value.tzinfo is None else value


def callback(
    campaign_id: str,
    id_number: str = typer.Argument(..., help="the household's ID number (公民身份号码)"),
    result: str = typer.Option(
        ..., "--result", help="reached | unreachable | not-received | complaint (或 已联系 …)"
    ),
    note: str = typer.Option("", "--note", help="备注: what was said"),
    at: str | None = typer.Option(
        None, "--at", help="when the call was made, ISO (plan time zone if none given); default now"
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """Record one callback's result (回访结果) for a sampled household, as yourself."""
    parsed = parse_result(result)
    if parsed is None:
        fail(f"--result {result!r} 无法识别 / unknown result; use {RESULT_CHOICES}")
    canonical = normalize_id(id_number)
    if check_id(canonical) is not None:
        fail(f"{mask_id(canonical)} 不是有效的公民身份号码 / is not a valid ID number")
    shown = mask_id(canonical)

    user = sync(current_user)

    def go() -> service.CallbackRecord:
        store = engine()
        plan = get_plan(store, campaign_id)
        return service.record_callback(
            store,
            campaign_id,
            canonical,
            parsed,
            by=user,
            at=_when(at, plan.time_zone),
            note=note,
        )

    r = sync(go)
    if json_out:
        print_json(r)
        return
    if not r.recorded:
        typer.echo(
            _t(
                f"{shown} {r.day} 的“{r.result.label_zh}”已记录过，未重复记录",
                f"{r.result.value} on {r.day} for {shown} was recorded before; nothing new",
            )
        )
    else:
        typer.echo(
            _t(
                f"已记录 {shown} {r.day}：{r.result.label_zh}",
                f"recorded {r.result.value} on {r.day} for {shown}",
            )
        )
    if r.concluded_now and r.outcome:
        typer.echo(_t(f"回访办结：{_status(r.outcome)}", f"callback concluded: {r.outcome}"))
    if r.case_id and r.case_deadline and r.concluded_now:
        due = r.case_deadline.isoformat()
        typer.echo(
            _t(
                f"已立核实事项 {r.case_id}（{r.district}），期限 {due}",
                f"verification case {r.case_id} opened for {r.district}, due {due}",
            )
        )


@callbacks_app.command("import")
def import_(
    campaign_id: str,
    file: Path = typer.Argument(
        ..., help="results (.xlsx or .csv): 公民身份号码, 结果, 日期 (optional), 备注"
    ),
    encoding: str | None = typer.Option(None, "--encoding", help="CSV encoding"),
    json_out: bool = JSON_OPT,
) -> None:
    """Record every good row of a results file; bad rows are listed, again: nothing new."""

    user = sync(current_user)

    def go() -> service.CallbackImportReport:
        return service.import_callbacks(engine(), campaign_id, file, by=user, encoding=encoding)

    r = sync(go)
    if json_out:
        print_json({**r.model_dump(mode="json"), "rejected_rows": r.rejected_rows})
        return
    typer.echo(
        _t(
            f"{r.file_name}：{r.rows} 行，新记录 {r.recorded}，已记录过 {r.already_recorded}，"
            f"办结 {r.concluded}，立核实 {len(r.cases_opened)}，错误 {r.rejected_rows} 行",
            f"{r.file_name}: {r.rows} rows, {r.recorded} recorded now, {r.already_recorded}"
            f" recorded before, {r.concluded} concluded, {len(r.cases_opened)} case(s) opened,"
            f" {r.rejected_rows} row(s) refused",
        )
    )
    for e in r.rejected[:50]:
        typer.echo(
            _t(f"  第{e.row}行 {e.field}：{e.reason}", f"  row {e.row} {e.field}: {e.reason}")
        )
    if len(r.rejected) > 50:
        typer.echo(f"  … {len(r.rejected) - 50} more (--json)")


_LIST_HEADER = (
    "回访员编号", "区", "街道", "社区", "抽样类别", "姓名", "公民身份号码", "联系电话", "地址",
    "状态", "回访记录",
)  # fmt: skip


@callbacks_app.command("list")
def list_(
    campaign_id: str,
    caller: str | None = typer.Option(None, "--caller", help="one caller's list (staff id)"),
    out: Path | None = typer.Option(None, "--out", help="write the list to FILE.xlsx or .csv"),
    full: bool = typer.Option(
        False, "--full", help="names, ID numbers and phones in clear (the copy callers dial from)"
    ),
    json_out: bool = JSON_OPT,
) -> None:
    """The callers' lists (回访清单) within your jurisdiction; personal data masked."""
    if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
        fail(f"--out {out.name}: 请用 .xlsx 或 .csv / use a .xlsx or .csv file")
    tasks = sync(
        lambda: service.list_callback_tasks(
            engine(), campaign_id, by=current_user(), caller_id=caller, full=full
        )
    )
    rows: list[dict[str, Any]] = [
        {
            "caller_id": t.caller_id,
            "district": t.district,
            "street": t.street,
            "community": t.community,
            "stratum": t.stratum,
            "name": t.name,  # masked by the service unless --full
            "id_number": t.id_number,
            "phone": t.phone or "",
            "address": t.address or "",
            "status": t.status,
            "attempts": t.attempts,
        }
        for t in tasks
    ]
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        table = [
            [
                r["caller_id"] or "", r["district"], r["street"], r["community"],
                r["stratum"] or "", r["name"], r["id_number"], r["phone"], r["address"],
                _STATUS_ZH.get(r["status"], r["status"]), "；".join(r["attempts"]),
            ]
            for r in rows
        ]  # fmt: skip
        if out.suffix.lower() == ".xlsx":
            write_xlsx(out, _LIST_HEADER, table, sheet_title="回访清单")
        else:
            write_csv(out, _LIST_HEADER, table)
    if json_out:
        print_json({"callbacks": rows, **({"file": str(out)} if out else {})})
        return
    unassigned = sum(1 for r in rows if not r["caller_id"])
    for r in rows:
        typer.echo(
            f"{r['caller_id'] or _t('（未分配）', '(unassigned)')}  {r['district']}/{r['street']}/"
            f"{r['community']}  {r['stratum'] or ''}  {r['name']}  {r['id_number']}  {r['phone']}"
            f"  {_status(r['status'])}"
        )
    typer.echo(
        _t(
            f"共 {len(rows)} 户，未分配回访员 {unassigned} 户",
            f"{len(rows)} households, {unassigned} without a caller",
        )
        + (f"; {out}" if out else "")
    )


@verify_app.command("list")
def verify_list(
    campaign_id: str,
    open_only: bool = typer.Option(False, "--open", help="only cases still open"),
    json_out: bool = JSON_OPT,
) -> None:
    """Verification cases (核实) within your jurisdiction; personal data masked."""
    cases = sync(
        lambda: service.list_verification_cases(
            engine(), campaign_id, by=current_user(), open_only=open_only
        )
    )
    rows = [
        {
            "case_id": c.case_id,
            "district": c.district,
            "street": c.street,
            "community": c.community,
            "name": mask_name(c.name),
            "id_number": mask_id(c.id_number),
            "phone": mask_phone(c.phone) if c.phone else "",
            "reason": c.reason,
            "note": c.note,
            "opened_by": c.opened_by,
            "opened_at": c.opened_at.isoformat(),
            "deadline": c.deadline.isoformat(),
            "status": c.status,
            "finding": c.finding,
            "resolved_by": c.resolved_by,
            "resolved_at": c.resolved_at.isoformat() if c.resolved_at else None,
        }
        for c in cases
    ]
    if json_out:
        print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['case_id']}  {r['district']}/{r['street']}/{r['community']}  {r['name']}"
            f"  {r['id_number']}  {_status(r['reason'])}  {_t('期限', 'due')} {r['deadline']}"
            f"  {_status(r['status'])}" + (f"  {r['finding']}" if r["finding"] else "")
        )
    if not rows:
        typer.echo(_t("没有核实事项", "no verification case"))


@verify_app.command("resolve")
def verify_resolve(
    campaign_id: str,
    case_id: str = typer.Argument(..., help="the case id from `warmth verify list`"),
    finding: str = typer.Option(..., "--finding", help="核实结论: what the verification found"),
    json_out: bool = JSON_OPT,
) -> None:
    """Resolve a verification case with its finding (district-level supervisor or ops)."""
    case, new = sync(
        lambda: service.resolve_verification_case(
            engine(), campaign_id, case_id, finding, by=current_user()
        )
    )
    if json_out:
        print_json(
            {
                "case_id": case.case_id,
                "district": case.district,
                "status": case.status,
                "finding": case.finding,
                "resolved_by": case.resolved_by,
                "resolved_at": case.resolved_at,
                "recorded": new,
            }
        )
        return
    if new:
        typer.echo(_t(f"核实事项 {case.case_id} 已办结", f"case {case.case_id} resolved"))
    else:
        typer.echo(
            _t(
                f"核实事项 {case.case_id} 此前已办结，未重复记录",
                f"case {case.case_id} was resolved before; nothing new recorded",
            )
        )


@verify_app.command("extend")
def verify_extend(
    campaign_id: str,
    case_id: str = typer.Argument(..., help="the case id from `warmth verify list`"),
    to: datetime = typer.Option(..., "--to", help=work_deadlines.TO_HELP),
    reason: str = typer.Option(..., "--reason", help=work_deadlines.REASON_HELP),
    json_out: bool = JSON_OPT,
) -> None:
    """Move an open case's deadline (ops or a supervisor of its district); reminders follow."""
    work_deadlines.extend("verification", campaign_id, case_id, to, reason, json_out)
