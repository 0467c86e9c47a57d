"""The campaign tells each cadre their households once the mobilize gate is approved."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SECRET, worker_for
from tests.support import OPS, approve_all, drive, start
from tests.workflows.test_campaign import season
from warmth.demo import write_demo_roster, write_demo_staff
from warmth.staff import import_staff
from warmth.store.outbox import sent_messages
from warmth.store.schema import households


async def test_every_cadre_hears_of_their_households_after_the_mobilize_gate(
    ts_env: WorkflowEnvironment, engine: Engine, task_queue: str, tmp_path: Path
) -> None:
    plan = (await season(ts_env)).model_copy(update={"weekly_dispatch": None})
    roster, staff_list = tmp_path / "roster.csv", tmp_path / "staff.csv"
    write_demo_roster(roster, plan.jurisdiction, 60)
    write_demo_staff(staff_list, plan.jurisdiction)
    async with worker_for(ts_env, task_queue, engine):
        await start(ts_env, engine, task_queue, plan, roster)
        import_staff(engine, SECRET, "c1", staff_list, actor=OPS)
        final = await drive(ts_env, "c1", approve_all(ts_env.client, engine, "c1"))

    assert final.status == "completed" and final.failed_notifications == 0
    with engine.connect() as conn:
        per_cadre = dict(
            conn.execute(
                select(households.c.cadre_id, func.count())
                .where(households.c.campaign_id == "c1", households.c.cadre_id.is_not(None))
                .group_by(households.c.cadre_id)
            ).all()
        )
    notices = [m for m in sent_messages(engine, "c1") if m["kind"] == "cadre_assignment"]
    assert per_cadre and len(notices) == len(per_cadre)  # one each, none twice
    told = {m["recipients"][0]: int(m["data"]["households"]) for m in notices}  # type: ignore[index]
    assert told == per_cadre
    for m in notices:
        lines = str(m["data"]["communities"]).splitlines()  # type: ignore[index]
        assert sum(int(line.split("|")[1]) for line in lines) == told[m["recipients"][0]]  # type: ignore[index]
        assert m["state"] == "sent"
