"""Roster operations for the CLI (and later the API): check, import into a campaign, compare.

Kept apart from ``warmth.service`` (campaign lifecycle) so each stays one screen of
plain calls; no presentation here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import Engine, select
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from warmth import intake
from warmth.auth.interceptors import acting_as
from warmth.auth.rules import Action, Forbidden, User, authorize
from warmth.contracts import RosterSubmission, SubmissionAck
from warmth.domain.errors import Rejected
from warmth.domain.events import EventType
from warmth.domain.ids import mask_id, mask_name, normalize_id
from warmth.domain.people import person_key
from warmth.domain.plan import CampaignPlan
from warmth.planfile import load_plan
from warmth.roster import CheckResult, check_file, read_jurisdiction, write_error_report
from warmth.roster.columns import FIELDS, LABELS
from warmth.roster.export import write_xlsx
from warmth.roster.reader import read_table
from warmth.store import ledger
from warmth.store.campaigns import get_plan, record_refusal
from warmth.store.schema import households, roster_imports, roster_staging
from warmth.store.survey import same_import
from warmth.temporal import campaign_workflow_id

OPEN_SURVEY_STATES = ("pending", "waiting", "collecting")


TEMPLATE_EXAMPLE = [
    "1", "王芳", "310104198501010013", "13812345678", "闵行区", "江川路街道", "红旗社区",
    "江川路100弄1号101室", "低保对象、独居老人", "1", "江川路街道民政科", "取暖、助餐",
    "用电线路老化", "示例行，导入前请删除 / sample row, delete before importing",
]  # fmt: skip


def write_template(path: Path) -> None:
    """The roster template (附件3 导入模板): Chinese headers, one sample row to delete."""
    write_xlsx(
        path,
        [LABELS[f] for f in FIELDS],
        [TEMPLATE_EXAMPLE],
        sheet_title="花名册",
        column_widths=[6, 10, 22, 14, 10, 14, 14, 26, 20, 8, 18, 14, 16, 30],
    )


def check_roster(
    path: Path,
    plan_path: Path,
    *,
    jurisdiction: Path | None = None,
    encoding: str | None = None,
    errors_out: Path | None = None,
) -> CheckResult:
    """Check a roster file against a plan, without a campaign or a server."""
    plan = load_plan(plan_path)
    communities = (
        read_jurisdiction(jurisdiction) if jurisdiction else list(plan.jurisdiction.communities())
    )
    result = check_file(path, plan.categories, communities, encoding)
    if errors_out is not None:
        write_error_report(result, errors_out)
    return result


async def import_roster(
    client: Client,
    engine: Engine,
    secret: bytes,
    campaign_id: str,
    path: Path,
    *,
    unit: str,
    actor: User,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> intake.ImportReport:
    """Check and stage a unit's roster, then offer it to the campaign's survey.

    The campaign accepts it (an update) until the survey deadline; a refused file
    is marked refused and none of its rows is ever registered.
    """
    plan = get_plan(engine, campaign_id)
    from warmth import service  # the campaign service; imported here to keep modules small

    user = actor.id
    try:
        authorize(actor, Action.IMPORT, actor.scope)
    except Forbidden as exc:
        record_refusal(engine, campaign_id, user, "import roster", str(exc), datetime.now(UTC))
        raise Rejected(str(exc)) from None

    progress_now = await service.progress(client, campaign_id)
    survey = next(p for p in progress_now.phases if p.phase == "survey")
    if survey.state not in OPEN_SURVEY_STATES:
        raise Rejected(
            f"the survey of {campaign_id} closed at {survey.deadline:%Y-%m-%d %H:%M};"
            " rosters can no longer be imported"
        )
    report = intake.stage_file(
        engine,
        secret,
        campaign_id,
        plan,
        path,
        unit=unit,
        actor=user,
        at=datetime.now(UTC),
        encoding=encoding,
        progress=progress,
    )
    if report.accepted == 0 or report.status != "staged":
        return report
    handle = client.get_workflow_handle(campaign_workflow_id(campaign_id))
    try:
        with acting_as(actor):
            ack: SubmissionAck = await handle.execute_update(
                "submit_roster",
                RosterSubmission(
                    import_id=report.import_id,
                    unit=unit,
                    user=user,
                    accepted_rows=report.accepted,
                    districts=sorted(report.by_district),
                ),
                result_type=SubmissionAck,
            )
    except WorkflowUpdateFailedError as exc:
        intake.settle_import(engine, campaign_id, report.import_id, False, user, datetime.now(UTC))
        cause = exc.cause
        why = cause.message if isinstance(cause, ApplicationError) else str(cause)
        record_refusal(engine, campaign_id, user, "import roster", why, datetime.now(UTC))
        raise Rejected(why) from None
    return report.model_copy(update={"status": ack.status})


class CommunityDifference(BaseModel):
    district: str
    street: str
    community: str
    missing: int  # in the reference list, not in the roster (possibly missed, 遗漏)
    extra: int  # in the roster, not in the reference list


class Comparison(BaseModel):
    reference_file: str
    reference_people: int
    roster_people: int
    missing: int
    extra: int
    by_community: list[CommunityDifference]


def compare_roster(
    engine: Engine,
    secret: bytes,
    campaign_id: str,
    reference: Path,
    *,
    out: Path | None = None,
    actor: str = "ops",
    encoding: str | None = None,
) -> Comparison:
    """Cross-check the roster with another department's list (数据共享比对), by community.

    The optional ``out`` workbook lists each difference with masked name and ID number.
    """
    plan = get_plan(engine, campaign_id)
    ref: dict[str, tuple[str, str, str, str, str]] = {}
    for _row, raw in read_table(reference, ("id_number",), encoding):
        id_number = normalize_id(raw.get("id_number", ""))
        if id_number:
            key = person_key(secret, id_number)
            ref[key] = (
                raw.get("name", ""),
                id_number,
                raw.get("district", ""),
                raw.get("street", ""),
                raw.get("community", ""),
            )
    roster = _roster_people(engine, campaign_id)
    missing = [k for k in ref if k not in roster]
    extra = [k for k in roster if k not in ref]
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for k in missing:
        counts[(*_place(ref[k][2:], plan), "missing")] += 1
    for k in extra:
        counts[(*roster[k][2:], "extra")] += 1
    places = sorted({key[:3] for key in counts})
    result = Comparison(
        reference_file=reference.name,
        reference_people=len(ref),
        roster_people=len(roster),
        missing=len(missing),
        extra=len(extra),
        by_community=[
            CommunityDifference(
                district=d,
                street=s,
                community=c,
                missing=counts[(d, s, c, "missing")],
                extra=counts[(d, s, c, "extra")],
            )
            for d, s, c in places
        ],
    )
    if out is not None:
        rows = [
            ("遗漏 missing", *_place(ref[k][2:], plan), mask_name(ref[k][0]), mask_id(ref[k][1]))
            for k in missing
        ] + [
            ("多出 extra", *roster[k][2:], mask_name(roster[k][0]), mask_id(roster[k][1]))
            for k in extra
        ]
        write_xlsx(out, ["差异/difference", "区", "街道", "社区", "姓名", "公民身份号码"], rows)
    ledger.record(
        engine,
        campaign_id,
        EventType.ROSTER_COMPARED,
        result.model_dump(mode="json", exclude={"by_community"}),
        actor,
        datetime.now(UTC),
        f"{campaign_id}:compared:{intake.file_digest(reference)}:{len(roster)}",
    )
    return result


def _roster_people(engine: Engine, campaign_id: str) -> dict[str, tuple[str, str, str, str, str]]:
    """Person key -> (name, id, district, street, community): households and accepted rows."""
    people: dict[str, tuple[str, str, str, str, str]] = {}
    with engine.connect() as conn:
        for r in conn.execute(
            select(roster_staging.c.person_key, roster_staging.c.record)
            .join(roster_imports, same_import)
            .where(roster_staging.c.campaign_id == campaign_id)
            .where(roster_imports.c.status == "accepted")
        ):
            rec = r.record
            people.setdefault(
                str(r.person_key),
                (rec["name"], rec["id_number"], rec["district"], rec["street"], rec["community"]),
            )
        for h in conn.execute(
            select(
                households.c.person_key,
                households.c.name,
                households.c.id_number,
                households.c.district,
                households.c.street,
                households.c.community,
            ).where(households.c.campaign_id == campaign_id)
        ):
            people[str(h.person_key)] = (
                str(h.name),
                str(h.id_number),
                str(h.district),
                str(h.street),
                str(h.community),
            )
    return people


def _place(where: tuple[str, ...], plan: CampaignPlan) -> tuple[str, str, str]:
    """A reference row's place, or 未知 where the other department's list has none."""
    district, street, community = (*where, "", "", "")[:3]
    known = {d for d, _s, _c in plan.jurisdiction.communities()}
    return (
        district if district in known else (district or "未知"),
        street or "-",
        community or "-",
    )
