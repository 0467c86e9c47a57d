"""The demo's follow-up work, done as the people of a bureau would do it.

Urgent cases (临时救助) raised during mobilization and approved — one by its district
alone, one above the city threshold by the city too; callbacks (电话回访) recorded for
the whole sample, one household saying it received nothing, which opens a
verification case (核实) that its district resolves; and most hazards fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import Engine, select
from temporalio.client import Client

from warmth import urgent_service
from warmth.auth.rules import User
from warmth.callbacks import record_callback, resolve_verification_case
from warmth.store.schema import callbacks, households

Say = Callable[[str], None]


def _households(engine: Engine, campaign_id: str, n: int) -> list[tuple[str, str, str]]:
    """(id_number, category, district) of the first ``n`` households, by key."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(households.c.id_number, households.c.categories, households.c.district)
            .where(households.c.campaign_id == campaign_id)
            .order_by(households.c.person_key)
            .limit(n)
        ).all()
    return [(str(r.id_number), str(r.categories[0]), str(r.district)) for r in rows]


async def raise_urgent_cases(
    client: Client,
    engine: Engine,
    secret: bytes,
    users: dict[str, User],
    heads: dict[str, str],
    campaign_id: str,
    task_queue: str,
    say: Say,
) -> None:
    """Two urgent cases: 1,500 yuan (district decides) and 5,000 (city approves too)."""
    for (id_number, category, district), amount, reason in zip(
        _households(engine, campaign_id, 2),
        (Decimal(1500), Decimal(5000)),
        ("突发疾病住院，医疗费用负担重", "房屋失火，冬季取暖和生活无着落"),
        strict=False,
    ):
        case = await urgent_service.open_case(
            client, engine, secret, campaign_id, users["ops.demo"],
            id_number=id_number, category=category, amount=amount, reason=reason,
            task_queue=task_queue,
        )  # fmt: skip
        say(f"  ! urgent case {case.case_id} raised in {district}: {amount} yuan")
        for decider in (heads[district], "chen.city"):
            case = await urgent_service.decide_case(
                client, engine, campaign_id, case.case_id, users[decider],
                approve=True, amount=amount, comment="同意", task_queue=task_queue,
            )  # fmt: skip
            say(f"  ✓ {decider} approved urgent case {case.case_id}: {case.status}")
            if case.status == "paid":
                break


def do_followup(engine: Engine, users: dict[str, User], campaign_id: str, say: Say) -> None:
    """Call back every sampled household, verify the one complaint, fix most hazards."""
    ops = users["ops.demo"]
    with engine.connect() as conn:
        drawn = conn.execute(
            select(households.c.id_number)
            .join(
                callbacks,
                (callbacks.c.campaign_id == households.c.campaign_id)
                & (callbacks.c.person_key == households.c.person_key),
            )
            .where(households.c.campaign_id == campaign_id)
            .order_by(households.c.person_key)
        ).all()
    now = datetime.now(UTC)
    cases: list[tuple[str, str]] = []
    for i, (id_number,) in enumerate(drawn):
        result = "not_received" if i == 0 else "reached"
        r = record_callback(engine, campaign_id, str(id_number), result, by=ops, at=now)
        if r.case_id:
            cases.append((r.case_id, r.district))
    say(f"  ✓ {len(drawn)} callbacks recorded; {len(cases)} verification case(s) opened")
    for case_id, district in cases:
        resolve_verification_case(
            engine, campaign_id, case_id, "经核实已于签收日领取，系家属代领未告知", by=ops
        )
        say(f"  ✓ verification case {case_id} in {district} resolved")
    tasks = urgent_service.list_hazards(engine, campaign_id, ops, open_only=True)
    fixed = 0
    for task in tasks[: len(tasks) * 4 // 5]:
        urgent_service.fix_hazard(engine, campaign_id, task.task_id, "已更换老化线路/软管", ops)
        fixed += 1
    say(f"  ✓ {fixed} of {len(tasks)} hazards fixed (隐患整改)")
