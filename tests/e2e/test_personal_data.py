"""No ID number, phone or name from a roster leaves the store in clear (issue 7).

A campaign runs on the real dev server with its SQLite file on disk; then every
workflow history is dumped with the `temporal` CLI, and the server's database file
and the logs are searched for every ID number, mobile and name of the roster.
"""

from __future__ import annotations

import csv
import json
import logging
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from tests.conftest import CLAIMS, KEYRING, SECRET, claims_interceptor
from tests.support import OPS, approve_all, drive
from warmth import service
from warmth.demo import demo_plan, write_demo_roster
from warmth.logging import configure
from warmth.temporal import data_converter, find_binary
from workers.registry import build_worker


async def test_histories_server_database_and_logs_hold_no_personal_data(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "temporal.db"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        data_converter=data_converter(KEYRING),
        dev_server_log_level="error",
        dev_server_extra_args=["--db-filename", str(db)],
        interceptors=[claims_interceptor()],
    )
    configure("INFO", json=True)
    try:
        now = await env.get_current_time()
        plan = demo_plan(now + timedelta(seconds=1), timedelta(seconds=3))
        roster = tmp_path / "roster.csv"
        write_demo_roster(roster, plan.jurisdiction, 60)
        async with build_worker(env.client, "pii", engine, SECRET, claims_secret=CLAIMS):
            await service.start_campaign(
                env.client, engine, "pii", plan, campaign_id="pii", roster_files=[roster],
                actor=OPS, person_key_secret=SECRET,
            )  # fmt: skip
            await drive(env, "pii", approve_all(env.client, engine, "pii"), max_steps=100_000)
        address = env.client.service_client.config.target_host
        histories = []
        for wid in ["campaign:pii"] + [
            f"campaign:pii:{p}:1"
            for p in ("survey", "mobilize", "distribute", "followup", "summarize")
        ]:
            out = subprocess.run(
                [find_binary("temporal"), "workflow", "show", "--workflow-id", wid,
                 "--address", address, "--output", "json"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            histories.append(out.stdout)
    finally:
        logging.getLogger().handlers.clear()
        await env.shutdown()
    logs = capsys.readouterr()
    with roster.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    secrets = {r["公民身份号码"] for r in rows} | {r["联系电话"] for r in rows}
    names = {r["姓名"] for r in rows if len(r["姓名"]) >= 3}  # two-character names are too common
    assert len(histories) == 6 and all(json.loads(h) for h in histories)
    haystacks = {
        "histories": "\n".join(histories),
        "logs": logs.out + logs.err,
        "server database": db.read_bytes().decode("utf-8", errors="ignore"),
    }
    for where, text in haystacks.items():
        leaked = sorted(s for s in secrets | names if s in text)
        assert leaked == [], f"{len(leaked)} personal values in clear in the {where}"
