"""The report benchmark: ``python -m warmth.reports.bench 100000``.

Builds an N-household campaign in a temporary SQLite store the way the phases do —
a synthetic roster (:func:`warmth.demo.write_demo_roster`, with its duplicates and bad
rows) staged and accepted, households registered, every entitlement issued, callbacks
drawn — then confirms the deliveries of about 60 % of the households (DeliveryConfirmed)
so the outstanding list is realistic. None of that is timed. Timed is
:func:`warmth.reports.write_campaign_report`: the fold over the ledger, the workbook,
the JSON, the charts and the summary pages.

The last line printed is ``{"households": N, "seconds": S}``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from warmth.store.schema import deliveries
from warmth.store.schema import ledger as ledger_table

CAMPAIGN = "bench"
ACTOR = "bench"
SECRET = b"warmth-bench-secret"
BATCH = 1000
CONFIRMED_SHARE = 0.6

Echo = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


def build_campaign(engine: Engine, households: int, work: Path, echo: Echo = _quiet) -> None:
    """A campaign of ``households`` people through survey, distribution and follow-up."""
    at = datetime(2026, 12, 1, tzinfo=UTC)
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
            engine, CAMPAIGN, district, plan.callback.rate, plan.callback.minimum, ACTOR, at
        )
    _confirm_some(engine, at + timedelta(days=20))
    echo("confirmed")


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
            paths = write_campaign_report(engine, CAMPAIGN, work / "out", final=True)
            seconds = time.perf_counter() - start
            # on a shared machine the wall time includes other processes' turns
            echo(f"report: {seconds:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
            for p in paths:
                echo(f"{p.name}: {p.stat().st_size:,} bytes")
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
