"""The follow-up sweep (待办巡检): remind owners of open work, escalate what is overdue.

The campaign workflow calls :func:`sweep` (through an activity) at the instants it
returned last time, and whenever new work is recorded. Messages are grouped per
recipient — a cadre with three hazards to fix gets one message listing them — and
keyed by (recipient, sweep instant), so a retried sweep never sends twice.

Who hears:
- verification cases (核实): before the deadline the district's supervisors; after
  it, the supervisors one level up (the city), or the district again when no one is.
- rectifications (隐患整改): before the deadline the responsible cadre (包保人), or the
  supervisors nearest the household when no cadre is assigned; after it, the
  supervisors of the household's district.
- urgent cases awaiting a decision (临时救助审批, due ``urgent.decision_window`` after
  they were raised): those who may decide at the level awaited — the district's
  supervisors (the city's if none of them may), or the city's once the district
  approved a case above the threshold; after the deadline, the city. The raiser and
  the district's approver are never asked, as they may not decide.
  New cases are found by the daily sweep (raising one does not wake it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from warmth.contracts import Notification
from warmth.domain.casework import Due, OpenWork, due_in, next_instant
from warmth.domain.jurisdiction import scope_covers, scope_level
from warmth.domain.plan import CampaignPlan, Supervisor
from warmth.messaging import campaign_directory, send_each
from warmth.notify.channels import Channel
from warmth.store.casework import open_work

_KIND = {
    "verification": "verification_reminder",
    "rectification": "rectification_reminder",
    "urgent": "urgent_reminder",
}
_PHASE = {"verification": "回访核查", "rectification": "回访核查", "urgent": "临时救助"}


@dataclass
class SweepOutcome:
    next_at: datetime | None
    sent: int = 0
    failed: list[str] = field(default_factory=list)  # idempotency keys whose channel failed
    open_by_district: dict[str, int] = field(default_factory=dict)


def _district_sups(plan: CampaignPlan, district: str) -> list[Supervisor]:
    return [
        s
        for s in plan.supervisors
        if scope_covers(plan.jurisdiction.normalize_scope(s.scope), district)
        and scope_level(plan.jurisdiction.normalize_scope(s.scope)) != "city"
    ]


def _above(plan: CampaignPlan, district: str) -> list[Supervisor]:
    return [
        s
        for s in plan.supervisors
        if scope_covers(plan.jurisdiction.normalize_scope(s.scope), district)
        and plan.jurisdiction.normalize_scope(s.scope) != district
        and scope_level(plan.jurisdiction.normalize_scope(s.scope)) == "city"
    ]


def _nearest(plan: CampaignPlan, community: str) -> list[Supervisor]:
    """The most specific supervisors whose jurisdiction covers ``community``."""
    covering = [
        s
        for s in plan.supervisors
        if scope_covers(plan.jurisdiction.normalize_scope(s.scope), community)
    ]
    if not covering:
        return []

    def depth(s: Supervisor) -> int:
        scope = plan.jurisdiction.normalize_scope(s.scope)
        return scope.count("/") if scope else -1  # the city is above every district

    deepest = max(depth(s) for s in covering)
    return [s for s in covering if depth(s) == deepest]


def recipients_for(plan: CampaignPlan, due: Due) -> list[str]:
    """Who is told about ``due`` (supervisor ids or a cadre's staff id)."""
    work = due.work
    if work.kind == "urgent":
        return _urgent_recipients(plan, due)
    if work.kind == "verification":
        people = _above(plan, work.district) if due.escalation else []
        people = people or _district_sups(plan, work.district) or _nearest(plan, work.community)
        return [s.id for s in people]
    if not due.escalation and work.owner:
        return [work.owner]
    people = _district_sups(plan, work.district) if due.escalation else []
    return [s.id for s in (people or _nearest(plan, work.community))]


def _urgent_recipients(plan: CampaignPlan, due: Due) -> list[str]:
    """Who can decide an urgent case: the level awaited, without the people barred from it.

    The district level is any supervisor covering the district, the city's included; the
    city level is a city supervisor other than the raiser and the district's approver.
    Before the deadline the district's own supervisors are asked first; after it, and
    for the city level, the city's. When nobody is left who may decide, everyone who
    would have been asked is told all the same: the case is stuck and someone must know.
    """
    work = due.work
    district, city = _district_sups(plan, work.district), _above(plan, work.district)
    if work.awaiting == "city":
        order = [city]  # only a city supervisor gives the second approval
    elif due.escalation:
        order = [city, district]
    else:
        order = [district, city]
    for people in order:
        allowed = [s.id for s in people if s.id not in work.barred]
        if allowed:
            return allowed
    everyone = [s.id for people in order for s in people]
    return everyone or [s.id for s in district]


def _line(work: OpenWork, escalation: int, zone: ZoneInfo) -> str:
    when = work.deadline.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    late = f"，已逾期（第{escalation}次督办）" if escalation else ""
    return f"{work.community}：{work.label}，截止 {when}{late}"


def sweep(
    engine: Engine,
    channel: Channel,
    plan: CampaignPlan,
    campaign_id: str,
    since: datetime,
    until: datetime,
    now: Callable[[], datetime],
    beat: Callable[[], None] = lambda: None,
) -> SweepOutcome:
    """Send what fell due in ``(since, until]``; the next instant something falls due.

    ``beat`` is called before each message (the activity heartbeats there).
    """
    urgent = plan.urgent.decision_window if plan.urgent is not None else None
    work = open_work(engine, campaign_id, urgent)
    cases = plan.cases
    due = due_in(work, cases.reminders, plan.escalation_interval, since, until)
    outcome = SweepOutcome(
        next_at=next_instant(work, cases.reminders, plan.escalation_interval, until)
    )
    for w in work:
        if w.kind == "verification":
            outcome.open_by_district[w.district] = outcome.open_by_district.get(w.district, 0) + 1
    groups: dict[tuple[str, str, bool], list[Due]] = defaultdict(list)
    for d in due:
        for rid in recipients_for(plan, d):
            groups[(rid, d.work.kind, d.escalation > 0)].append(d)
    if not groups:
        return outcome
    directory = campaign_directory(engine, plan, campaign_id, [rid for rid, _, _ in groups])
    zone = plan.zone
    notes = (
        Notification(
            campaign_id=campaign_id,
            kind=_KIND[kind],
            recipients=[rid],
            data={
                "campaign": plan.name,
                "phase": _PHASE[kind],
                "jurisdiction": _jurisdiction(plan, items),
                "summary": _summary(items, zone),
            },
            idempotency_key=(
                f"{campaign_id}:followup:{kind}:{'escalation' if late else 'reminder'}"
                f":{rid}:{until.isoformat()}"
            ),
        )
        for (rid, kind, late), items in sorted(groups.items())
    )
    outcome.sent, outcome.failed = send_each(
        engine, channel, directory, notes, plan.time_zone, now, beat
    )
    return outcome


MAX_LINES = 20
"""Items listed in one message; the rest are counted (an SMS or a robot message must
stay short, and the full list is in `warmth hazard list` / `warmth verify list`)."""


def _summary(items: Sequence[Due], zone: ZoneInfo) -> str:
    lines = [_line(d.work, d.escalation, zone) for d in items[:MAX_LINES]]
    if len(items) > MAX_LINES:
        lines.append(f"……共 {len(items)} 项，其余 {len(items) - MAX_LINES} 项见系统清单")
    return "\n".join(lines)


def _jurisdiction(plan: CampaignPlan, items: Sequence[Due]) -> str:
    districts = sorted({d.work.district for d in items})
    return "、".join(districts) if districts else plan.jurisdiction.city
