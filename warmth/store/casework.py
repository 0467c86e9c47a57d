"""Open follow-up work in the store: verification cases, hazard rectifications and
urgent cases awaiting a decision.

Read by the campaign's sweep (:mod:`warmth.followup_sweep`), which reminds owners
before deadlines and escalates after them, and by the follow-up gate, which may not
close a district while its verification cases are open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Connection, Engine, select

from warmth.domain.casework import OpenWork
from warmth.domain.money import yuan
from warmth.store.callbacks import open_case_deadlines
from warmth.store.ledger import as_utc
from warmth.store.schema import rectifications, urgent_cases, verification_cases

REASON_ZH = {"not_received": "未收到", "complaint": "投诉"}


def open_work(
    engine: Engine, campaign_id: str, urgent_window: timedelta | None = None
) -> list[OpenWork]:
    """Every open verification case and rectification task of the campaign; with
    ``urgent_window`` (the plan's ``urgent.decision_window``) also every urgent case
    awaiting a decision, due that long after it was raised."""
    out: list[OpenWork] = []
    v, r = verification_cases.c, rectifications.c
    with engine.connect() as conn:
        if urgent_window is not None:
            out.extend(_pending_urgent(conn, campaign_id, urgent_window))
        for row in conn.execute(
            select(
                v.case_id, v.opened_at, v.deadline, v.district, v.street, v.community, v.reason
            ).where(v.campaign_id == campaign_id, v.status == "open")
        ):
            out.append(
                OpenWork(
                    kind="verification",
                    id=row.case_id,
                    opened_at=as_utc(row.opened_at),
                    deadline=as_utc(row.deadline),
                    district=row.district,
                    community=f"{row.district}/{row.street}/{row.community}",
                    owner=None,
                    label=f"核实 {row.case_id}（{REASON_ZH.get(row.reason, row.reason)}）",
                )
            )
        for task in conn.execute(
            select(
                r.task_id,
                r.found_at,
                r.deadline,
                r.district,
                r.street,
                r.community,
                r.hazard,
                r.cadre_id,
            ).where(r.campaign_id == campaign_id, r.status == "open")
        ):
            out.append(
                OpenWork(
                    kind="rectification",
                    id=task.task_id,
                    opened_at=as_utc(task.found_at),
                    deadline=as_utc(task.deadline),
                    district=task.district,
                    community=f"{task.district}/{task.street}/{task.community}",
                    owner=task.cadre_id,
                    label=f"整改 {task.task_id}（{task.hazard}隐患）",
                )
            )
    return sorted(out, key=lambda w: (w.deadline, w.kind, w.id))


def _pending_urgent(conn: Connection, campaign_id: str, window: timedelta) -> list[OpenWork]:
    u = urgent_cases.c
    out: list[OpenWork] = []
    for case in conn.execute(
        select(
            u.case_id, u.raised_at, u.district, u.street, u.community, u.asked_fen,
            u.approved_fen, u.raised_by, u.district_decided_by,
        ).where(u.campaign_id == campaign_id, u.status == "pending")
    ):  # fmt: skip
        raised = as_utc(case.raised_at)
        first = case.district_decided_by
        if first:  # approved by the district above the threshold: the city decides
            what = f"区级核定 {yuan(int(case.approved_fen or 0))} 元，待市级审批"
        else:
            what = f"申请 {yuan(int(case.asked_fen))} 元，待区级审批"
        out.append(
            OpenWork(
                kind="urgent",
                id=case.case_id,
                opened_at=raised,
                deadline=raised + window,
                district=case.district,
                community=f"{case.district}/{case.street}/{case.community}",
                owner=None,
                label=f"临时救助 {case.case_id}（{what}）",
                awaiting="city" if first else "district",
                barred=tuple(b for b in (case.raised_by, first) if b),
            )
        )
    return out


def open_verification_by_district(
    engine: Engine, campaign_id: str, districts: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """District -> ids of its open verification cases (only districts that have some)."""
    found: dict[str, list[str]] = defaultdict(list)
    chosen = list(districts) if districts is not None else None
    for case in open_case_deadlines(engine, campaign_id, chosen):
        found[case.district].append(case.case_id)
    return dict(found)
