"""The campaign plan (活动方案): what a campaign covers, its money and its dated phases.

A plan is written in YAML by the ops team and validated here. Naive date-times are
read in the plan's time zone (Asia/Shanghai by default). Structural mistakes are
reported by pydantic, the rules between fields by :func:`plan_problems`; either way
every mistake comes at once, each with its path (``phases.distribute.deadline``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warmth.domain.jurisdiction import JurisdictionTree, scope_covers, scope_level
from warmth.domain.phases import PHASE_ORDER, Phase

_Add = Callable[[str, str], None]
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Model):
    start: date
    end: date


class FundSource(_Model):
    """A source of money (资金来源): 市级, 区级, 街镇配套, 条线自筹, 社会募集 …"""

    code: str = Field(pattern=_CODE.pattern)
    name: str = Field(min_length=1)
    budget: Decimal = Field(ge=0, description="yuan")


class AidItem(_Model):
    """An aid item (救助项目) and its standard per target category."""

    code: str = Field(pattern=_CODE.pattern)
    name: str = Field(min_length=1)
    kind: Literal["cash", "in_kind"]
    unit: str = Field(default="元", description="元 for cash; 份/件/个 … for in-kind")
    fund_source: str
    project_name: str | None = Field(
        default=None, description="救助金项目名称 written on the bank transfer (cash items)"
    )
    unit_cost: Decimal = Field(default=Decimal(0), ge=0, description="yuan per unit (in-kind)")
    standards: dict[str, Decimal] = Field(
        min_length=1, description="category -> amount in yuan (cash) or quantity (in-kind)"
    )


class Supervisor(_Model):
    """A person who approves gates (分管领导) within a jurisdiction."""

    id: str = Field(pattern=_CODE.pattern)
    name: str = Field(min_length=1)
    scope: str = Field(default="", description="jurisdiction path; '' is the whole city")
    email: str | None = None
    phone: str | None = None
    language: Literal["zh", "en"] = "zh"


class PhasePlan(_Model):
    start: datetime
    deadline: datetime
    approvers: list[str] = Field(min_length=1, description="supervisor ids who may decide the gate")
    reminders: list[timedelta] = Field(
        default_factory=lambda: [timedelta(days=3), timedelta(days=1), timedelta(hours=2)],
        description="offsets before the deadline at which the undecided are reminded",
    )
    approval_window: timedelta = Field(
        default=timedelta(days=3),
        description="time to decide a gate that opens at the deadline (the survey's does)",
    )


class CallbackPlan(_Model):
    rate: float = Field(default=0.1, gt=0, le=1, description="share of households called back")
    minimum: int = Field(default=1, ge=0, description="at least this many per community")
    attempts: int = Field(
        default=3, ge=1, description="unreachable attempts, on different days, before giving up"
    )


class CasePlan(_Model):
    """Deadlines of follow-up work: verification cases (核实) and hazard fixes (隐患整改)."""

    verification_window: timedelta = Field(
        default=timedelta(days=7), description="time to verify a 'not received' or complaint"
    )
    rectification_window: timedelta = Field(
        default=timedelta(days=14), description="time to fix a hazard once it is recorded"
    )
    reminders: list[timedelta] = Field(
        default_factory=lambda: [timedelta(days=3), timedelta(days=1), timedelta(hours=2)],
        description="offsets before a case's deadline at which its owner is reminded",
    )
    sweep_every: timedelta = Field(
        default=timedelta(days=1),
        description="how often the campaign looks for newly recorded follow-up work",
    )
    sweep_grid: timedelta = Field(
        default=timedelta(hours=1),
        description="reminder instants are rounded up to this grid, so work due close"
        " together shares one sweep; keep it below the smallest reminder offset",
    )


class UrgentPlan(_Model):
    """Urgent cases (临时救助 / 一事一议): raised any time, approved, paid from their own fund."""

    fund_source: str = Field(description="the fund source urgent aid is paid from")
    city_threshold: Decimal = Field(
        default=Decimal(3000), ge=0, description="yuan; above it the city supervisor approves too"
    )
    project_name: str = Field(default="临时救助金", description="救助金项目名称 on the transfer")
    decision_window: timedelta = Field(
        default=timedelta(days=3),
        description="a raised case is decided within this; its approvers are reminded at"
        " cases.reminders before, and the city hears once it has passed",
    )


class WeeklyDispatch(_Model):
    """周调度: every week at this weekday and time each supervisor gets their progress."""

    weekday: int = Field(default=1, ge=1, le=7, description="1 = Monday … 7 = Sunday")
    time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")


class CampaignPlan(_Model):
    """A whole campaign plan. Build it with :func:`parse_plan` or ``warmth.planfile``."""

    code: str = Field(pattern=_CODE.pattern, description="short ASCII id, default campaign id")
    name: str = Field(min_length=1)
    theme: str = ""
    period: Period
    time_zone: str = "Asia/Shanghai"
    jurisdiction: JurisdictionTree
    categories: list[str] = Field(min_length=1)
    fund_sources: list[FundSource] = Field(min_length=1)
    items: list[AidItem] = Field(min_length=1)
    supervisors: list[Supervisor] = Field(min_length=1)
    phases: dict[Phase, PhasePlan]
    notice_days: int = Field(default=7, ge=0, description="公示 days")
    notice_period: timedelta | None = Field(
        default=None, description="overrides notice_days (compressed plans: seconds)"
    )

    @property
    def notice_window(self) -> timedelta:
        return (
            self.notice_period
            if self.notice_period is not None
            else timedelta(days=self.notice_days)
        )

    callback: CallbackPlan = Field(default_factory=CallbackPlan)
    cases: CasePlan = Field(default_factory=CasePlan)
    urgent: UrgentPlan | None = None
    escalation_interval: timedelta = Field(default=timedelta(days=1))
    weekly_dispatch: WeeklyDispatch | None = Field(default_factory=WeeklyDispatch)
    notification_retry: timedelta = Field(
        default=timedelta(seconds=30), description="first retry interval of a failing channel"
    )

    def first_weekly_dispatch(self) -> datetime | None:
        """The first weekly dispatch instant at or after the survey's start (plan time zone)."""
        if self.weekly_dispatch is None:
            return None
        start = self.phases[Phase.SURVEY].start.astimezone(self.zone)
        hour, minute = (int(x) for x in self.weekly_dispatch.time.split(":"))
        day = start.replace(hour=hour, minute=minute, second=0, microsecond=0)
        day += timedelta(days=(self.weekly_dispatch.weekday - 1 - day.weekday()) % 7)
        return day if day >= start else day + timedelta(days=7)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def localized(self) -> CampaignPlan:
        """A copy whose naive phase date-times are placed in the plan's time zone."""
        zone = self.zone

        def fix(value: datetime) -> datetime:
            return value.replace(tzinfo=zone) if value.tzinfo is None else value

        phases = {
            name: p.model_copy(update={"start": fix(p.start), "deadline": fix(p.deadline)})
            for name, p in self.phases.items()
        }
        return self.model_copy(update={"phases": phases})

    def phase(self, phase: Phase) -> PhasePlan:
        return self.phases[phase]

    def supervisor(self, user_id: str) -> Supervisor | None:
        return next((s for s in self.supervisors if s.id == user_id), None)

    def fund_source(self, code: str) -> FundSource | None:
        return next((f for f in self.fund_sources if f.code == code), None)


class PlanProblem(BaseModel):
    """One mistake in a plan, with the path of the field it is about."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def plan_problems(plan: CampaignPlan) -> list[PlanProblem]:
    """The rules between fields that pydantic's per-field checks cannot see."""
    out: list[PlanProblem] = []

    def add(path: str, message: str) -> None:
        out.append(PlanProblem(path=path, message=message))

    if plan.period.end < plan.period.start:
        add("period.end", "must not be before period.start")

    _check_unique(add, "categories", plan.categories)
    _check_unique(add, "fund_sources", [f.code for f in plan.fund_sources], ".code")
    _check_unique(add, "items", [i.code for i in plan.items], ".code")
    _check_unique(add, "supervisors", [s.id for s in plan.supervisors], ".id")
    _check_jurisdiction(add, plan.jurisdiction)

    categories = set(plan.categories)
    sources = {f.code for f in plan.fund_sources}
    for i, item in enumerate(plan.items):
        if item.fund_source not in sources:
            add(f"items[{i}].fund_source", f"unknown fund source {item.fund_source!r}")
        for category, standard in item.standards.items():
            path = f"items[{i}].standards.{category}"
            if category not in categories:
                add(path, f"unknown category {category!r}")
            if standard <= 0:
                add(path, "must be greater than 0")
            if item.kind == "in_kind" and standard != standard.to_integral_value():
                add(path, "an in-kind quantity must be a whole number")

    for i, sup in enumerate(plan.supervisors):
        if not plan.jurisdiction.has_scope(sup.scope):
            add(f"supervisors[{i}].scope", f"{sup.scope!r} is not in the jurisdiction tree")

    supervisors = {s.id: s for s in plan.supervisors}
    previous: tuple[Phase, PhasePlan] | None = None
    for phase in PHASE_ORDER:
        p = plan.phases.get(phase)
        if p is None:
            add(f"phases.{phase}", "is missing")
            continue
        if p.deadline <= p.start:
            add(f"phases.{phase}.deadline", f"must be after phases.{phase}.start")
        for j, approver in enumerate(p.approvers):
            found = supervisors.get(approver)
            if found is None:
                add(f"phases.{phase}.approvers[{j}]", f"unknown supervisor {approver!r}")
            elif scope_level(plan.jurisdiction.normalize_scope(found.scope)) not in (
                "city",
                "district",
            ):
                add(
                    f"phases.{phase}.approvers[{j}]",
                    f"{approver}'s scope {found.scope!r} is below a district;"
                    " gates are decided district by district",
                )
        for j, offset in enumerate(p.reminders):
            if offset <= timedelta(0):
                add(f"phases.{phase}.reminders[{j}]", "must be a positive duration")
        if previous is not None:
            prev_name, prev = previous
            if p.start < prev.start:
                add(f"phases.{phase}.start", f"must not be before phases.{prev_name}.start")
            if p.deadline <= prev.deadline:
                add(f"phases.{phase}.deadline", f"must be after phases.{prev_name}.deadline")
        previous = (phase, p)
    if plan.urgent is not None and plan.urgent.fund_source not in sources:
        add("urgent.fund_source", f"unknown fund source {plan.urgent.fund_source!r}")
    for name in ("verification_window", "rectification_window", "sweep_every", "sweep_grid"):
        if getattr(plan.cases, name) <= timedelta(0):
            add(f"cases.{name}", "must be a positive duration")
    if plan.urgent is not None and plan.urgent.decision_window <= timedelta(0):
        add("urgent.decision_window", "must be a positive duration")
    if plan.urgent is not None and not any(
        plan.jurisdiction.has_scope(s.scope)
        and scope_level(plan.jurisdiction.normalize_scope(s.scope)) == "city"
        for s in plan.supervisors
    ):
        add(
            "urgent",
            "needs a city supervisor (scope covering the whole city): cases above"
            " city_threshold are approved by one",
        )
    for j, offset in enumerate(plan.cases.reminders):
        if offset <= timedelta(0):
            add(f"cases.reminders[{j}]", "must be a positive duration")
    summary = plan.phases.get(Phase.SUMMARIZE)
    for j, approver in enumerate(summary.approvers if summary else []):
        found = supervisors.get(approver)
        scope = plan.jurisdiction.normalize_scope(found.scope) if found is not None else ""
        if found is not None and not all(
            scope_covers(scope, d.name) for d in plan.jurisdiction.districts
        ):
            add(
                f"phases.summarize.approvers[{j}]",
                f"{approver}'s scope {found.scope!r} does not cover every district;"
                " the summary is approved for the whole campaign (the city supervisor)",
            )
    if plan.escalation_interval <= timedelta(0):
        add("escalation_interval", "must be a positive duration")
    return out


def _check_unique(add: _Add, path: str, values: list[str], suffix: str = "") -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            add(f"{path}[{i}]{suffix}", f"duplicate {value!r}")
        seen.add(value)


def _check_jurisdiction(add: _Add, tree: JurisdictionTree) -> None:
    if not tree.districts:
        add("jurisdiction.districts", "must list at least one district")
    _check_unique(add, "jurisdiction.districts", [d.name for d in tree.districts], ".name")
    for i, district in enumerate(tree.districts):
        base = f"jurisdiction.districts[{i}].streets"
        _check_unique(add, base, [s.name for s in district.streets], ".name")
        for j, street in enumerate(district.streets):
            _check_unique(add, f"{base}[{j}].communities", street.communities)
    for i, district in enumerate(tree.districts):
        if "/" in district.name:
            add(f"jurisdiction.districts[{i}].name", "must not contain '/'")
