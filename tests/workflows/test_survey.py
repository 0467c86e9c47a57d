"""The survey on the time-skipping server: units submit rosters until the deadline."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SECRET, worker_for
from tests.support import OPS, USERS, approve_all, drive
from tests.workflows.test_campaign import season
from warmth import roster_service, service
from warmth.contracts import OpenGate
from warmth.demo import demo_tree, write_demo_roster
from warmth.domain.errors import Rejected
from warmth.domain.jurisdiction import JurisdictionTree
from warmth.domain.phases import Phase
from warmth.domain.plan import CampaignPlan
from warmth.roster import RosterRecord, RosterValidator, read_rows
from warmth.store.outbox import sent_messages
from warmth.store.schema import households, roster_imports

EAST, WEST = demo_tree().districts


def roster(path: Path, district: object, n: int, seed: int) -> Path:
    write_demo_roster(path, JurisdictionTree(city="示范市", districts=[district]), n, seed=seed)  # type: ignore[list-item]
    return path


def people_in(plan: CampaignPlan, *files: Path) -> int:
    """Distinct valid people in the files, checked independently of the store."""
    validator = RosterValidator(plan.categories, list(plan.jurisdiction.communities()))
    return len(
        {
            r.id_number
            for f in files
            for n, raw in read_rows(f)
            if isinstance(r := validator.validate(n, raw), RosterRecord)
        }
    )


def statuses(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {
            str(r.file_name): str(r.status)
            for r in conn.execute(select(roster_imports.c.file_name, roster_imports.c.status))
        }


def household_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(households.c.person_key)).all())


async def test_rosters_are_taken_until_the_deadline_and_a_late_one_is_refused(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    east = roster(tmp_path / "east.csv", EAST, 80, seed=1)
    late = roster(tmp_path / "late.csv", WEST, 40, seed=2)
    refused: list[str] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.SURVEY and not refused:
            with pytest.raises(Rejected) as info:
                await roster_service.import_roster(
                    ts_env.client, engine, SECRET, "c1", late, unit="西山区民政科", actor=OPS
                )
            refused.append(str(info.value))
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine):
        await service.start_campaign(
            ts_env.client,
            engine,
            task_queue,
            plan,
            campaign_id="c1",
            actor=OPS,
            person_key_secret=SECRET,
        )
        report = await roster_service.import_roster(
            ts_env.client, engine, SECRET, "c1", east, unit="东湖区民政科", actor=OPS
        )
        assert report.status == "accepted"
        await drive(ts_env, "c1", decide)

    assert "the survey of c1 closed" in refused[0] or "survey closed" in refused[0]
    assert statuses(engine) == {"east.csv": "accepted"}  # the late file was never staged
    assert household_count(engine) == people_in(plan, east)
    reminders = [m for m in sent_messages(engine, "c1") if m["kind"] == "submission_reminder"]
    assert len(reminders) == 2  # the plan's two offsets before the survey deadline
    assert all("西山区" in str(m["data"]["missing"]) for m in reminders)  # type: ignore[index]
    assert all("东湖区" not in str(m["data"]["missing"]) for m in reminders)  # type: ignore[index]


async def test_a_district_sent_back_at_the_survey_takes_corrections_and_keeps_the_rest(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = await season(ts_env)
    first = roster(tmp_path / "first.csv", WEST, 30, seed=3)
    east = roster(tmp_path / "east.csv", EAST, 30, seed=4)
    fix = roster(tmp_path / "fix.csv", WEST, 20, seed=5)
    wrong = roster(tmp_path / "wrong.csv", EAST, 5, seed=6)
    sent_back: list[bool] = []

    async def decide(gate: OpenGate) -> None:
        if gate.phase == Phase.SURVEY and not sent_back:
            sent_back.append(True)
            await service.decide(
                ts_env.client,
                engine,
                "c1",
                gate.phase,
                USERS["zhao.west"],
                approve=False,
                comment="漏报较多",
            )
            await service.decide(
                ts_env.client, engine, "c1", gate.phase, USERS["li.east"], approve=True
            )
            while (await service.progress(ts_env.client, "c1")).phases[0].state != "collecting":
                await asyncio.sleep(0.02)
            ok = await roster_service.import_roster(
                ts_env.client, engine, SECRET, "c1", fix, unit="西山区民政科", actor=OPS
            )
            assert ok.status == "accepted"
            with pytest.raises(Rejected, match="only 西山区 reopened for corrections"):
                await roster_service.import_roster(
                    ts_env.client, engine, SECRET, "c1", wrong, unit="东湖区民政科", actor=OPS
                )
            return
        await approve_all(ts_env.client, engine, "c1")(gate)

    async with worker_for(ts_env, task_queue, engine):
        await service.start_campaign(
            ts_env.client,
            engine,
            task_queue,
            plan,
            campaign_id="c1",
            roster_files=[first, east],
            actor=OPS,
            person_key_secret=SECRET,
        )
        final = await drive(ts_env, "c1", decide)

    survey = final.phases[0]
    assert survey.rounds == 2
    assert [(d.round, d.districts, d.approved) for d in survey.decisions] == [
        (1, ["西山区"], False),
        (1, ["东湖区"], True),
        (2, ["西山区"], True),
    ]
    assert statuses(engine)["wrong.csv"] == "refused"
    assert household_count(engine) == people_in(plan, first, east, fix)
