"""A worker killed with SIGKILL in the middle of distribution (issue 4).

The worker runs as a separate process against the real dev server; when the
distribute phase is issuing aid it is killed and another is started. The campaign
completes and the ledger holds exactly one issue per (person, item): none twice,
none missing.
"""

from __future__ import annotations

import asyncio
import csv
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select
from temporalio.testing import WorkflowEnvironment

from tests.conftest import CLAIMS, KEYRING, SECRET
from tests.support import OPS, approve_all, drive, expected_from_roster, issued_pairs
from warmth import service
from warmth.demo import demo_plan, write_demo_roster
from warmth.domain.events import EventType
from warmth.payments import write_bank_files
from warmth.store.ledger import events_of
from warmth.store.schema import deliveries


def start_worker(
    env: WorkflowEnvironment, engine: Engine, task_queue: str, log: Path
) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "WARMTH_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "WARMTH_TASK_QUEUE": task_queue,
        "WARMTH_STORE_URL": engine.url.render_as_string(hide_password=False),
        "WARMTH_PERSON_KEY_SECRET": SECRET.decode(),
        "WARMTH_CLAIMS_SECRET": CLAIMS.decode(),
        "WARMTH_CODEC_KEYS": KEYRING.to_json(),
        "WARMTH_DATA_DIR": str(log.parent),
        "WARMTH_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "workers.main"], env=environ, stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip


def issued_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(deliveries)).scalar_one())


async def test_a_worker_killed_mid_distribution_pays_no_one_twice_and_no_one_is_missed(
    dev_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    now = await dev_env.get_current_time()
    # The worker process takes a few seconds to start: a roomier season than the demo's.
    plan = demo_plan(now + timedelta(seconds=1), timedelta(seconds=8))
    roster = tmp_path / "roster.csv"
    write_demo_roster(roster, plan.jurisdiction, 3000)
    people, owed = expected_from_roster(plan, roster)
    log = tmp_path / "workers.log"
    worker = start_worker(dev_env, engine, task_queue, log)
    killed = False
    try:
        await service.start_campaign(
            dev_env.client, engine, task_queue, plan, campaign_id="kill", roster_files=[roster],
            actor=OPS, person_key_secret=SECRET, batch_size=50,
        )  # fmt: skip
        decide = approve_all(dev_env.client, engine, "kill")
        while not killed:
            p = await service.progress(dev_env.client, "kill")
            if p.open_gate is not None:
                await decide(p.open_gate)
            if p.phases[2].state in ("public_notice", "working"):
                # Issuing is fast: watch the store alone, and kill after the first batch.
                for _ in range(60_000):
                    if issued_rows(engine) > 0:
                        break
                    await asyncio.sleep(0.002)
                worker.send_signal(signal.SIGKILL)  # mid-distribution, no goodbye
                worker.wait()
                killed = True
            await asyncio.sleep(0.05)
        partial = issued_rows(engine)
        worker = start_worker(dev_env, engine, task_queue, log)
        final = await drive(dev_env, "kill", decide, max_steps=1_000_000)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    assert 0 < partial < len(owed), "the kill did not land in the middle of distribution"
    assert final.status == "completed"
    issued = issued_pairs(engine, "kill")
    assert Counter(issued).most_common(1)[0][1] == 1  # no (person, item) twice
    assert set(issued) == owed  # and none missing
    assert final.phases[0].totals["households"] == people
    # The bank files sum, per fund source, to the cash the ledger says was issued.
    files = write_bank_files(engine, "kill", plan, tmp_path / "bank")
    ledger_fen: Counter[str] = Counter()
    with engine.connect() as conn:
        for e in events_of(conn, "kill", [EventType.AID_ISSUED]):
            if e.payload["kind"] == "cash":
                ledger_fen[e.payload["fund_source"]] += int(e.payload["amount_fen"])
    bank_fen: Counter[str] = Counter()
    for f in files:
        if f.name.endswith("-bank-summary.csv"):
            continue
        source = next(s.code for s in plan.fund_sources if f"-bank-{s.code}-" in f.name)
        with f.open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                if row["序号"].isdigit():  # payment rows (not a total line)
                    bank_fen[source] += round(Decimal(row["金额（元）"]) * 100)
    assert bank_fen == ledger_fen and sum(ledger_fen.values()) > 0
