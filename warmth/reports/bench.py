"""The report benchmark: ``python -m warmth.reports.bench 100000``.

Builds an N-household campaign in a temporary SQLite store the way the phases do —
a synthetic roster (:func:`warmth.demo.write_demo_roster`, with its duplicates and bad
rows) staged and accepted, households registered, every entitlement issued, callbacks
drawn — then confirms the deliveries of about 60 % of the households (DeliveryConfirmed)
so the outstanding list is realistic, and records the follow-up as its commands would
(:func:`follow_up`): every drawn household (10 %) assigned to a caller, called
(one to three calls) and nine in ten concluded; a verification case for each "not
received" or complaint; hazards for one household in 250; one urgent case in 500,
decided and mostly paid. None of that is timed. Timed is
:func:`warmth.reports.write_campaign_report` as of 70 days after the start (ten days
past the distribute deadline, so overdue units exist): the fold over the ledger, the
workbook, the JSON, the charts, the summary pages and the files' SHA-256.

The last line printed is ``{"households": N, "seconds": S}``.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from warmth import intake
from warmth.demo import demo_plan, write_demo_roster
from warmth.domain.events import EventType, LedgerEvent, household_stream
from warmth.domain.plan import CampaignPlan
from warmth.reports import write_campaign_report
from warmth.reports.statistics import DELIVERY_CONFIRMED
from warmth.store import distribution, followup, ledger, survey
from warmth.store.campaigns import create_campaign
from warmth.store.engine import open_store_engine
from warmth.store.schema import callbacks, deliveries, households
from warmth.store.schema import ledger as ledger_table

CAMPAIGN = "bench"
ACTOR = "bench"
SECRET = b"warmth-bench-secret"
BATCH = 1000
CONFIRMED_SHARE = 0.6
START = datetime(2026, 12, 1, tzinfo=UTC)
AS_OF = START + timedelta(days=70)
"""The report's as-of time: ten days after the distribute deadline of the bench's plan."""
CALLBACK_SHARE = 0.1
"""Households drawn for callbacks (the demo plan draws 5 %; the bench twice as many)."""
HAZARD_EVERY = 250
URGENT_EVERY = 500

Echo = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


def build_campaign(engine: Engine, households: int, work: Path, echo: Echo = _quiet) -> None:
    """A campaign of ``households`` people through survey, distribution and follow-up."""
    at = START
    plan = demo_plan(at, timedelta(days=15))
    create_campaign(engine, CAMPAIGN, plan, ACTOR, at)
    roster = work / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, households)
    report = intake.stage_file(
        engine, SECRET, CAMPAIGN, plan, roster, unit="民政科", actor=ACTOR, at=at
    )
    intake.settle_import(engine, CAMPAIGN, report.import_id, True, ACTOR, at)
    echo(f"staged {report.accepted} rows")
    _batches(engine, plan, at, survey_step=True)
    echo("registered")
    _batches(engine, plan, at, survey_step=False)
    echo("issued")
    for district in plan.jurisdiction.district_names():
        followup.draw_district_callbacks(
            engine, CAMPAIGN, district, CALLBACK_SHARE, plan.callback.minimum, ACTOR, at
        )
    _confirm_some(engine, at + timedelta(days=20))
    echo("confirmed")
    follow_up(engine, at + timedelta(days=45))
    echo("followed up")


def _batches(engine: Engine, plan: CampaignPlan, at: datetime, *, survey_step: bool) -> None:
    for district in plan.jurisdiction.district_names():
        cursor: str | None = None
        done = False
        while not done:
            if survey_step:
                cursor, _n, done = survey.register_batch(
                    engine, CAMPAIGN, district, cursor, BATCH, ACTOR, at
                )
            else:
                cursor, _n, done = distribution.issue_batch(
                    engine, CAMPAIGN, plan.items, district, cursor, BATCH, ACTOR, at
                )


def _confirm_some(engine: Engine, at: datetime) -> None:
    """DeliveryConfirmed for every item of the first ~60 % of households (by key)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(deliveries)
            .where(deliveries.c.campaign_id == CAMPAIGN)
            .order_by(deliveries.c.person_key)
        ).all()
    keys = sorted({r.person_key for r in rows})
    chosen = set(keys[: int(len(keys) * CONFIRMED_SHARE)])
    events = [
        LedgerEvent(
            campaign_id=CAMPAIGN,
            stream=household_stream(CAMPAIGN, r.person_key),
            type=DELIVERY_CONFIRMED,
            # as warmth.store.deliveries records it: the issue's facts and the proof
            payload={
                "item": r.item,
                "kind": r.kind,
                "fund_source": r.fund_source,
                "amount_fen": int(r.amount_fen),
                "quantity": int(r.quantity),
                "district": r.district,
                "community": r.community,
                "proof": f"回执-{n:07d}",
                "source": "bench",
            },
            actor=ACTOR,
            at=at,
            idempotency_key=f"{CAMPAIGN}:{r.person_key}:{r.item}:confirmed",
        )
        for n, r in enumerate(rows)
        if r.person_key in chosen
    ]
    for part in ledger.chunks(events, 20_000):
        with engine.begin() as conn:
            ledger.append(conn, part)


def follow_up(engine: Engine, at: datetime) -> int:
    """Follow-up facts with the event types and payloads of ``warmth.domain.events``."""
    rng = random.Random(5)
    with engine.connect() as conn:
        drawn = conn.execute(
            select(callbacks.c.person_key, callbacks.c.district, callbacks.c.community)
            .where(callbacks.c.campaign_id == CAMPAIGN)
            .order_by(callbacks.c.person_key)
        ).all()
        people = conn.execute(
            select(
                households.c.person_key,
                households.c.district,
                households.c.street,
                households.c.community,
            )
            .where(households.c.campaign_id == CAMPAIGN)
            .order_by(households.c.person_key)
        ).all()
    street = {r.person_key: r.street for r in people}
    events: list[LedgerEvent] = []

    def add(stream: str, kind: str, payload: dict[str, object], key: str, when: datetime) -> None:
        events.append(
            LedgerEvent(
                campaign_id=CAMPAIGN,
                stream=stream,
                type=kind,
                payload=payload,
                actor=ACTOR,
                at=when,
                idempotency_key=f"{CAMPAIGN}:{key}",
            )
        )

    cases = 0
    for n, (key, district, community) in enumerate(drawn):
        stream = household_stream(CAMPAIGN, key)
        where = {"district": district, "community": community}
        caller = f"caller-{n % 40:02d}"
        add(stream, EventType.CALLBACK_ASSIGNED, {"caller_id": caller, **where},
            f"{key}:callback-assigned:{caller}", at)  # fmt: skip
        if rng.random() < 0.05:
            continue  # not called yet
        outcome = rng.choices(
            ["reached", "unreachable", "not_received", "complaint"], [85, 7, 5, 3]
        )[0]
        results = ["unreachable"] * 3 if outcome == "unreachable" else [outcome]
        if outcome == "reached" and rng.random() < 0.2:
            results = ["unreachable", "reached"]
        for day, result in enumerate(results):
            when = at + timedelta(days=day)
            add(stream, EventType.CALLBACK_ATTEMPTED,
                {"day": f"{when:%Y-%m-%d}", "result": result, **where},
                f"{key}:callback:{when:%Y-%m-%d}:{result}", when)  # fmt: skip
        if rng.random() < 0.05:
            continue  # called, not concluded yet
        done = at + timedelta(days=len(results))
        add(stream, EventType.CALLBACK_CONCLUDED, {"outcome": outcome, **where},
            f"{key}:callback-concluded", done)  # fmt: skip
        if outcome in ("not_received", "complaint"):
            cases += 1
            case = f"V{cases:05d}"
            place = {"district": district, "street": street.get(key, ""), "community": community}
            add(stream, EventType.VERIFICATION_OPENED,
                {"case_id": case, "reason": outcome, **place,
                 "deadline": (done + timedelta(days=7)).isoformat()},
                f"verification:{case}:opened", done)  # fmt: skip
            if rng.random() < 0.7:
                add(stream, EventType.VERIFICATION_RESOLVED,
                    {"case_id": case, "district": district, "finding": "已核实"},
                    f"verification:{case}:resolved", done + timedelta(days=3))  # fmt: skip
    for n, r in enumerate(people[::HAZARD_EVERY]):
        _hazard(add, rng, n, r, at)
    for n, r in enumerate(people[HAZARD_EVERY // 2 :: URGENT_EVERY]):
        _urgent(add, rng, n, r, at)
    for part in ledger.chunks(events, 20_000):
        with engine.begin() as conn:
            ledger.append(conn, part)
    return len(events)


_Add = Callable[[str, str, dict[str, object], str, datetime], None]
_KINDS = ("用电", "用气", "用水", "消防", "食品安全")


def _hazard(add: _Add, rng: random.Random, n: int, r: Any, at: datetime) -> None:
    key, district, street, community = _row(r)
    task = f"H{n:05d}"
    place = {"district": district, "street": street, "community": community}
    hazard = rng.choice(_KINDS)
    found = at - timedelta(days=rng.randint(0, 30))
    add(household_stream(CAMPAIGN, key), EventType.HAZARD_RECORDED,
        {"task_id": task, "hazard": hazard, "source": "visit", **place, "cadre_id": None,
         "deadline": (found + timedelta(days=14)).isoformat()},
        f"hazard:{task}:recorded", found)  # fmt: skip
    if rng.random() < 0.6:
        add(household_stream(CAMPAIGN, key), EventType.HAZARD_FIXED,
            {"task_id": task, "hazard": hazard, "district": district, "community": community,
             "note": "已整改"},
            f"hazard:{task}:fixed", found + timedelta(days=5))  # fmt: skip


def _urgent(add: _Add, rng: random.Random, n: int, r: Any, at: datetime) -> None:
    key, district, street, community = _row(r)
    case = f"U{n:05d}"
    stream = household_stream(CAMPAIGN, key)
    asked = rng.choice([800, 1500, 2000, 3000, 5000]) * 100
    add(stream, EventType.URGENT_OPENED,
        {"case_id": case, "category": "重病", "asked_fen": asked, "district": district,
         "street": street, "community": community},
        f"urgent:{case}:opened", at)  # fmt: skip
    if rng.random() < 0.1:
        return  # not decided yet
    approve = rng.random() < 0.9
    amount = asked if approve else 0
    add(stream, EventType.URGENT_DECIDED,
        {"case_id": case, "level": "district", "approve": approve, "amount_fen": amount,
         "comment": ""},
        f"urgent:{case}:district", at + timedelta(days=1))  # fmt: skip
    if approve and amount > 300_000:
        add(stream, EventType.URGENT_DECIDED,
            {"case_id": case, "level": "city", "approve": True, "amount_fen": amount,
             "comment": ""},
            f"urgent:{case}:city", at + timedelta(days=2))  # fmt: skip
    if approve:
        add(stream, EventType.URGENT_ISSUED,
            {"case_id": case, "fund_source": "district", "amount_fen": amount,
             "district": district, "community": community},
            f"urgent:{case}:issued", at + timedelta(days=3))  # fmt: skip


def _row(r: Any) -> tuple[str, str, str, str]:
    key, district, street, community = r
    return str(key), str(district), str(street), str(community)


def count_events(engine: Engine) -> int:
    """The campaign's ledger events (what the report folds)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    ledger_table.c.campaign_id == CAMPAIGN,
                    ledger_table.c.type != EventType.CAMPAIGN_CREATED,
                )
            ).scalar_one()
        )


def bench_report(households: int, echo: Echo = _quiet) -> float:
    """Seconds :func:`write_campaign_report` takes on an N-household campaign."""
    with tempfile.TemporaryDirectory(prefix="warmth-report-bench-") as tmp:
        work = Path(tmp)
        engine = open_store_engine(f"sqlite:///{work / 'store.db'}")
        try:
            build_campaign(engine, households, work, echo)
            echo(f"ledger events: {count_events(engine)}")
            start, cpu = time.perf_counter(), time.process_time()
            written = write_campaign_report(engine, CAMPAIGN, work / "out", final=True, as_of=AS_OF)
            seconds = time.perf_counter() - start
            # on a shared machine the wall time includes other processes' turns
            echo(f"report: {seconds:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
            for f in written.files:
                echo(f"{f.name}: {f.path.stat().st_size:,} bytes, sha256 {f.sha256[:12]}…")
            return seconds
        finally:
            engine.dispose()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    households = int(args[0]) if args else 100_000

    def echo(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    seconds = bench_report(households, echo)
    print(json.dumps({"households": households, "seconds": round(seconds, 3)}))


if __name__ == "__main__":
    main()
