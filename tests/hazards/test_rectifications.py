"""Hazard rectification (隐患整改) in the store: survey tasks, visit hazards, fixes, lists."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tests.mobilize.helpers import (
    AT,
    AUDITOR,
    CAMPAIGN,
    OPS,
    OPS_EAST,
    PLAN,
    SECRET,
    campaign_with_households,
    mobilize_district,
    staff_file,
)
from warmth import urgent_service
from warmth.auth.rules import Forbidden, Role, User
from warmth.domain.errors import NotFound, Rejected
from warmth.domain.events import EventType
from warmth.staff import import_staff
from warmth.store import hazards
from warmth.store.ledger import events_of
from warmth.store.schema import households, rectifications

EAST = "东湖区"
CADRE_EAST = User(id="cadre.east", name="包保人", roles=(Role.CADRE,), scope=EAST, created_at=AT)
CALLER = User(id="caller", name="回访员", roles=(Role.CALLER,), created_at=AT)


def hazard_events(engine: Engine, kind: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [e.payload for e in events_of(conn, CAMPAIGN, [kind])]


def survey_hazards(engine: Engine, district: str) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(households.c.hazards).where(
                households.c.campaign_id == CAMPAIGN, households.c.district == district
            )
        ).all()
    return Counter(kind for (kinds,) in rows for kind in kinds)


def a_household(engine: Engine, district: str = EAST, hazard: str | None = None) -> tuple[str, str]:
    """(ID number, person key) of a household of ``district`` (with ``hazard`` / with none)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(households.c.id_number, households.c.person_key, households.c.hazards)
            .where(households.c.campaign_id == CAMPAIGN, households.c.district == district)
            .order_by(households.c.person_key)
        ).all()
    for id_number, key, kinds in rows:
        if (hazard in kinds) if hazard else not kinds:
            return id_number, key
    raise AssertionError("no such household in the test roster")


@pytest.fixture
def campaign(engine: Engine, tmp_path: Path) -> Engine:
    campaign_with_households(engine, tmp_path, 120)
    return engine


def test_survey_hazards_open_one_task_each_once(campaign: Engine) -> None:
    engine = campaign
    expected = survey_hazards(engine, EAST)
    assert sum(expected.values()) > 5  # the demo roster reports some hazards
    n = hazards.open_survey_rectifications(engine, CAMPAIGN, EAST, "system:followup", AT)
    assert n == sum(expected.values())
    again = hazards.open_survey_rectifications(engine, CAMPAIGN, EAST, "system:followup", AT)
    assert again == n
    recorded = hazard_events(engine, EventType.HAZARD_RECORDED)
    assert len(recorded) == n  # running twice opened nothing new
    assert Counter(str(p["hazard"]) for p in recorded) == expected
    assert {p["source"] for p in recorded} == {"survey"}
    assert {p["district"] for p in recorded} == {EAST}
    due = hazards.open_rectifications_due(engine, CAMPAIGN)
    assert len(due) == n
    assert {d.deadline for d in due} == {AT + PLAN.cases.rectification_window}
    # The other district has its own tasks, opened by its own call.
    assert hazards.open_survey_rectifications(engine, CAMPAIGN, "西山区", "system", AT) > 0
    assert len(hazard_events(engine, EventType.HAZARD_RECORDED)) > n


def test_survey_tasks_name_the_responsible_cadre(campaign: Engine, tmp_path: Path) -> None:
    engine = campaign
    staff = staff_file(
        tmp_path / "staff.csv",
        *(
            [f"包保{n}", f"1380000000{n}", f"{EAST}/{street}街道/{street}{c}社区", "包保人"]
            for n, (street, c) in enumerate(
                ((s, c) for s in ("梅园", "竹林", "松涛") for c in "一二三"), start=1
            )
        ),
    )
    import_staff(engine, SECRET, CAMPAIGN, staff, actor=OPS, at=AT)
    mobilize_district(engine, EAST)
    hazards.open_survey_rectifications(engine, CAMPAIGN, EAST, "system", AT)
    with engine.connect() as conn:
        rows = conn.execute(
            select(rectifications.c.person_key, rectifications.c.cadre_id).where(
                rectifications.c.campaign_id == CAMPAIGN
            )
        ).all()
        cadres = dict(
            conn.execute(
                select(households.c.person_key, households.c.cadre_id).where(
                    households.c.campaign_id == CAMPAIGN
                )
            ).all()
        )
    assert rows and all(cadre == cadres[key] for key, cadre in rows)
    assert all(cadre is not None for _key, cadre in rows)
    assert {p["cadre_id"] for p in hazard_events(engine, EventType.HAZARD_RECORDED)} == {
        c for _k, c in rows
    }


def test_a_visit_hazard_of_a_kind_already_open_returns_the_open_task(campaign: Engine) -> None:
    engine = campaign
    id_number, _key = a_household(engine)
    first = urgent_service.add_hazard(engine, SECRET, CAMPAIGN, id_number, "用电", "插座烧焦", OPS)
    assert first.recorded and first.task.source == "visit" and first.task.status == "open"
    assert first.task.deadline == first.task.found_at + PLAN.cases.rectification_window
    again = urgent_service.add_hazard(engine, SECRET, CAMPAIGN, id_number, "用电", "又看到", OPS)
    assert not again.recorded and again.task.task_id == first.task.task_id
    other = urgent_service.add_hazard(engine, SECRET, CAMPAIGN, id_number, "消防", "楼道堆物", OPS)
    assert other.recorded and other.task.task_id != first.task.task_id
    assert len(hazard_events(engine, EventType.HAZARD_RECORDED)) == 2
    # Fixed, the same kind found again later is a new task.
    urgent_service.fix_hazard(engine, CAMPAIGN, first.task.task_id, "已更换插座", OPS)
    later = urgent_service.add_hazard(engine, SECRET, CAMPAIGN, id_number, "用电", "线路老化", OPS)
    assert later.recorded and later.task.task_id not in (first.task.task_id, other.task.task_id)
    # Masked: the ID number never shows in clear.
    assert later.task.id_number != id_number and later.task.id_number.endswith(id_number[-4:])


def test_a_visit_finds_the_survey_task_of_the_same_kind(campaign: Engine) -> None:
    engine = campaign
    id_number, _key = a_household(engine, hazard="用电")
    hazards.open_survey_rectifications(engine, CAMPAIGN, EAST, "system", AT)
    r = urgent_service.add_hazard(engine, SECRET, CAMPAIGN, id_number, "用电", "仍未整改", OPS)
    assert not r.recorded and r.task.source == "survey"


def test_visit_hazards_are_checked(campaign: Engine) -> None:
    engine = campaign
    id_number, _key = a_household(engine)
    with pytest.raises(Rejected, match="unknown hazard kind"):
        urgent_service.add_hazard(engine, SECRET, CAMPAIGN, id_number, "噪音", "吵", OPS)
    with pytest.raises(Rejected, match="needs a note"):
        urgent_service.add_hazard(engine, SECRET, CAMPAIGN, id_number, "用气", " ", OPS)
    with pytest.raises(Forbidden, match="outside your jurisdiction"):
        west, _ = a_household(engine, "西山区")
        urgent_service.add_hazard(engine, SECRET, CAMPAIGN, west, "用气", "漏气", OPS_EAST)
    with pytest.raises(NotFound, match="no household"):
        urgent_service.add_hazard(engine, SECRET, CAMPAIGN, "11010519491231002X", "用气", "x", OPS)
    assert hazard_events(engine, EventType.HAZARD_RECORDED) == []


def test_a_fix_is_recorded_once_by_the_cadre_or_ops_within_jurisdiction(
    campaign: Engine,
) -> None:
    engine = campaign
    id_number, _key = a_household(engine)
    task = urgent_service.add_hazard(
        engine, SECRET, CAMPAIGN, id_number, "用气", "软管老化", OPS
    ).task
    west_ops = User(
        id="ops.west", name="西山区经办", roles=(Role.OPS,), scope="西山区", created_at=AT
    )
    for user, why in ((CALLER, "responsible cadre or ops"), (west_ops, "responsible cadre or ops")):
        with pytest.raises(Forbidden, match=why):
            urgent_service.fix_hazard(engine, CAMPAIGN, task.task_id, "已换", user)
    with pytest.raises(Forbidden):
        urgent_service.fix_hazard(engine, CAMPAIGN, task.task_id, "已换", AUDITOR)
    with pytest.raises(Rejected, match="needs a note"):
        urgent_service.fix_hazard(engine, CAMPAIGN, task.task_id, "", CADRE_EAST)
    done = urgent_service.fix_hazard(engine, CAMPAIGN, task.task_id, "已更换软管", CADRE_EAST)
    assert done.recorded and done.task.status == "fixed" and done.task.fixed_by == "cadre.east"
    again = urgent_service.fix_hazard(engine, CAMPAIGN, task.task_id, "再次确认", OPS)
    assert not again.recorded
    assert again.task.fix_note == "已更换软管" and again.task.fixed_by == "cadre.east"
    fixed = hazard_events(engine, EventType.HAZARD_FIXED)
    assert fixed == [
        {
            "task_id": task.task_id,
            "hazard": "用气",
            "district": EAST,
            "community": task.community,
            "note": "已更换软管",
        }
    ]
    assert hazards.open_rectifications_due(engine, CAMPAIGN) == []
    with pytest.raises(NotFound):
        urgent_service.fix_hazard(engine, CAMPAIGN, "nope", "x", OPS)


def test_lists_are_masked_and_within_jurisdiction(campaign: Engine) -> None:
    engine = campaign
    for d in ("东湖区", "西山区"):
        hazards.open_survey_rectifications(engine, CAMPAIGN, d, "system", AT)
    every = urgent_service.list_hazards(engine, CAMPAIGN, OPS)
    east = urgent_service.list_hazards(engine, CAMPAIGN, OPS_EAST)
    assert {t.district for t in every} == {"东湖区", "西山区"}
    assert east and {t.district for t in east} == {EAST}
    assert len(urgent_service.list_hazards(engine, CAMPAIGN, AUDITOR)) == len(every)
    with pytest.raises(Forbidden):
        urgent_service.list_hazards(engine, CAMPAIGN, OPS_EAST, scope="西山区")
    one = east[0]
    place = f"{one.district}/{one.street}/{one.community}"
    assert {
        t.community for t in urgent_service.list_hazards(engine, CAMPAIGN, OPS, scope=place)
    } == {one.community}
    with engine.connect() as conn:
        clear = set(conn.execute(select(households.c.id_number)).scalars())
    assert not clear & {t.id_number for t in every}
    urgent_service.fix_hazard(engine, CAMPAIGN, one.task_id, "已整改", OPS)
    still = urgent_service.list_hazards(engine, CAMPAIGN, OPS, open_only=True)
    assert len(still) == len(every) - 1 and one.task_id not in {t.task_id for t in still}
    due = hazards.open_rectifications_due(engine, CAMPAIGN)
    assert sorted(d.task_id for d in due) == sorted(t.task_id for t in still)
    assert [d.deadline for d in due] == sorted(d.deadline for d in due)
    assert all(d.deadline >= AT + timedelta(days=1) for d in due)
