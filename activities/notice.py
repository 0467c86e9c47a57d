"""Before paying: the budget check, the public notice (公示) and objections (异议)."""

from __future__ import annotations

from temporalio import activity

from activities.context import ActivityContext, utcnow
from warmth.contracts import (
    Activities,
    BudgetReport,
    CampaignRef,
    LodgeObjectionInput,
    ResolveObjectionInput,
)
from warmth.domain.budget import check_budget
from warmth.domain.events import EventType
from warmth.store import ledger, notice
from warmth.store.campaigns import get_plan
from warmth.store.deliveries import unconfirmed_by_community


class NoticeActivities:
    def __init__(self, ctx: ActivityContext) -> None:
        self._ctx = ctx

    @activity.defn(name=Activities.BUDGET_CHECK)
    def budget_check(self, inp: CampaignRef) -> BudgetReport:
        """What the entitlements need per fund source and district, against the budget."""
        engine = self._ctx.engine
        plan = get_plan(engine, inp.campaign_id)
        needed = notice.entitlement_totals(engine, inp.campaign_id, plan)
        report = BudgetReport(
            sources=check_budget(needed, {f.code: f.budget for f in plan.fund_sources})
        )
        ledger.record(
            engine,
            inp.campaign_id,
            EventType.BUDGET_CHECKED,
            report.model_dump(mode="json"),
            "system:distribute",
            utcnow(),
            # one fact per check the workflow asked for, whatever the retries
            f"{inp.campaign_id}:budget-checked:"
            f"{activity.info().workflow_run_id}:{activity.info().activity_id}",
        )
        return report

    @activity.defn(name=Activities.POST_NOTICE)
    def post_notice(self, inp: CampaignRef) -> list[str]:
        """Publish the list per district, masked; the files' paths."""
        engine = self._ctx.engine
        plan = get_plan(engine, inp.campaign_id)
        files = notice.write_notice_files(
            engine, inp.campaign_id, plan, self._ctx.output_dir / inp.campaign_id / "notice"
        )
        ledger.record(
            engine,
            inp.campaign_id,
            EventType.NOTICE_POSTED,
            {"files": [f.name for f in files]},
            "system:distribute",
            utcnow(),
            f"{inp.campaign_id}:notice-posted",
        )
        return [str(f) for f in files]

    @activity.defn(name=Activities.LODGE_OBJECTION)
    def lodge_objection(self, inp: LodgeObjectionInput) -> str:
        o = inp.objection
        return notice.lodge_objection(
            self._ctx.engine, inp.campaign_id, o.person_key, o.reason, o.user, utcnow()
        )

    @activity.defn(name=Activities.RESOLVE_OBJECTION)
    def resolve_objection(self, inp: ResolveObjectionInput) -> str:
        r = inp.resolution
        return notice.resolve_objection(
            self._ctx.engine,
            inp.campaign_id,
            r.person_key,
            r.uphold,
            r.resolution,
            r.user,
            utcnow(),
        )

    @activity.defn(name=Activities.UNCONFIRMED_DELIVERIES)
    def unconfirmed_deliveries(self, inp: CampaignRef) -> dict[str, int]:
        """Deliveries issued but not confirmed, per community path."""
        return unconfirmed_by_community(self._ctx.engine, inp.campaign_id)
