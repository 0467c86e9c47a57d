"""``warmth bench distribute``: N households through entitlement, issue and bank files.

The households are registered first (not timed). Then, on the embedded dev server
with an in-process worker, the real ``DistributePhase`` workflow issues every
entitlement in batches, and the bank files are written; that is what is timed.
Duplicates and missing issues are counted from the ledger afterwards.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from warmth import intake
from warmth.bench.import_bench import ACTOR, CAMPAIGN, SECRET, peak_rss_mb
from warmth.bench.rosters import bench_plan, cached_roster
from warmth.codec import KeyRing
from warmth.contracts import PhaseInput, PhaseResult
from warmth.domain.entitlements import entitlements
from warmth.domain.events import EventType
from warmth.domain.phases import Phase
from warmth.payments import write_bank_files
from warmth.store import survey
from warmth.store.campaigns import create_campaign
from warmth.store.engine import open_store_engine
from warmth.store.ledger import events_of
from warmth.store.schema import households
from warmth.temporal import data_converter, find_binary

CLAIMS = b"bench-claims-secret-not-for-use"


class DistributeBench(BaseModel):
    households: int
    seconds: float
    issue_seconds: float
    bank_files_seconds: float
    issued: int
    duplicates: int
    missing: int
    peak_rss_mb: float


async def run_distribute_bench(
    n: int, *, cache_dir: Path, batch_size: int = 1000, echo: object = None
) -> DistributeBench:
    from workers.registry import build_worker  # a composition root, like the demo

    say = echo if callable(echo) else (lambda _m: None)
    roster, _ = cached_roster(cache_dir, n, "csv")
    at = datetime.now(UTC)
    plan = bench_plan(at)
    with tempfile.TemporaryDirectory(prefix="warmth-bench-") as tmp:
        engine = open_store_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        create_campaign(engine, CAMPAIGN, plan, ACTOR, at)
        report = intake.stage_file(
            engine, SECRET, CAMPAIGN, plan, roster, unit="民政科", actor=ACTOR, at=at
        )
        intake.settle_import(engine, CAMPAIGN, report.import_id, True, ACTOR, at)
        for district in plan.jurisdiction.district_names():
            cursor, done = None, False
            while not done:
                cursor, _n, done = survey.register_batch(
                    engine, CAMPAIGN, district, cursor, 5000, ACTOR, at
                )
        with engine.connect() as conn:
            owed = {
                (str(k), e.item)
                for k, cats in conn.execute(
                    select(households.c.person_key, households.c.categories)
                )
                for e in entitlements(cats, plan.items)
            }
        say(f"{len({k for k, _ in owed})} households registered; {len(owed)} entitlements owed")
        keys = KeyRing.generate("bench")
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=find_binary("temporal"),
            data_converter=data_converter(keys),
            dev_server_log_level="error",
            dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal",
                                   "--sqlite-pragma", "synchronous=normal"],
        )  # fmt: skip
        try:
            async with build_worker(env.client, "bench", engine, SECRET, claims_secret=CLAIMS):
                began = time.perf_counter()
                await env.client.execute_workflow(
                    "DistributePhase",
                    PhaseInput(
                        campaign_id=CAMPAIGN,
                        phase=Phase.DISTRIBUTE,
                        round=1,
                        districts=plan.jurisdiction.district_names(),
                        batch_size=batch_size,
                    ),
                    id=f"bench-distribute-{at.timestamp()}",
                    task_queue="bench",
                    result_type=PhaseResult,
                )
                issued_at = time.perf_counter()
                write_bank_files(engine, CAMPAIGN, plan, Path(tmp) / "bank")
                done_at = time.perf_counter()
        finally:
            await env.shutdown()
        with engine.connect() as conn:
            issued = Counter(
                (e.stream.rsplit(":", 1)[1], str(e.payload["item"]))
                for e in events_of(conn, CAMPAIGN, [EventType.AID_ISSUED])
            )
        engine.dispose()
    return DistributeBench(
        households=len({k for k, _ in owed}),
        seconds=round(done_at - began, 3),
        issue_seconds=round(issued_at - began, 3),
        bank_files_seconds=round(done_at - issued_at, 3),
        issued=sum(issued.values()),
        duplicates=sum(c - 1 for c in issued.values() if c > 1),
        missing=len(owed - set(issued)),
        peak_rss_mb=peak_rss_mb(),
    )
