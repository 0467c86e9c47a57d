"""The callback sample in the store: stratum recorded, callers assigned by load."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import structlog
from sqlalchemy import Engine, select

from tests.distribute.conftest import setup_campaign
from tests.followup.conftest import CID, DRAWN, PLAN, draw_all, with_callers
from warmth.domain.events import EventType
from warmth.store import followup
from warmth.store.ledger import events_of
from warmth.store.schema import callbacks, households
from warmth.store.staff import StaffMember, StaffRole, deactivate_staff, save_staff


def rows(engine: Engine) -> list[tuple[str, str, str, str | None, str | None, list[str]]]:
    with engine.connect() as conn:
        return [
            (r.person_key, r.district, f"{r.street}/{r.community}", r.caller_id, r.stratum,
             list(r.categories))
            for r in conn.execute(
                select(callbacks, households.c.street, households.c.categories).join(
                    households,
                    (households.c.campaign_id == callbacks.c.campaign_id)
                    & (households.c.person_key == callbacks.c.person_key),
                )
            )
        ]  # fmt: skip


def types(engine: Engine, type_: str) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [e.payload for e in events_of(conn, CID, [type_])]


def test_the_sample_covers_every_category_of_each_community_and_records_it(
    engine: Engine, tmp_path: Path
) -> None:
    setup_campaign(engine, tmp_path, households=120)
    sizes = draw_all(engine, PLAN.callback.rate, PLAN.callback.minimum)
    drawn = rows(engine)
    assert sum(sizes.values()) == len(drawn)
    with engine.connect() as conn:
        population = conn.execute(
            select(households.c.street, households.c.community, households.c.categories)
        ).all()
    present: dict[str, set[str]] = {}
    for r in population:
        present.setdefault(f"{r.street}/{r.community}", set()).update(r.categories)
    covered: dict[str, set[str]] = {}
    for _k, _d, community, _caller, stratum, cats in drawn:
        assert stratum in cats
        covered.setdefault(community, set()).update(cats)
    assert covered == present
    payloads = types(engine, EventType.CALLBACK_DRAWN)
    assert len(payloads) == len(drawn)
    assert all(p["stratum"] in {s for *_, s, _c in drawn} for p in payloads)


def test_callers_covering_the_community_get_balanced_lists(engine: Engine, tmp_path: Path) -> None:
    setup_campaign(engine, tmp_path, households=60)
    with_callers(engine)
    with structlog.testing.capture_logs() as logs:
        draw_all(engine, 1.0, 1)
    drawn = rows(engine)
    east = [r for r in drawn if r[1] == "东湖区"]
    assert all(r[3] is not None for r in east)  # every 东湖区 household has a caller
    for _k, _d, community, caller, _s, _c in east:
        if caller == "c-mei1":
            assert community == "梅园街道/梅园一社区"
        if caller == "c-meiyuan":
            assert community.startswith("梅园街道/")
    load = Counter(r[3] for r in east)
    assert set(load) == {"c-east", "c-meiyuan", "c-mei1"}  # the cadre is no caller
    covers = {
        "c-east": lambda c: True,
        "c-meiyuan": lambda c: c.startswith("梅园街道/"),
        "c-mei1": lambda c: c == "梅园街道/梅园一社区",
    }
    for _k, _d, community, caller, _s, _c in east:  # no household would be better elsewhere
        assert caller is not None
        others = [o for o, f in covers.items() if f(community) and o != caller]
        assert all(load[caller] <= load[o] + 1 for o in others), (community, caller, load)
    # 西山区 has no caller: its households stay unassigned, and it is reported
    west = [r for r in drawn if r[1] == "西山区"]
    assert west and all(r[3] is None for r in west)
    warning = next(e for e in logs if e["event"] == "callbacks without a caller")
    assert warning["district"] == "西山区" and warning["unassigned"] == len(west)
    assigned = types(engine, EventType.CALLBACK_ASSIGNED)
    assert len(assigned) == len(east)
    assert Counter(p["caller_id"] for p in assigned) == load
    assert {p["district"] for p in assigned} == {"东湖区"}


def test_drawing_again_changes_nothing_and_late_callers_get_the_rest(
    engine: Engine, tmp_path: Path
) -> None:
    setup_campaign(engine, tmp_path, households=30)
    draw_all(engine, 1.0, 1)  # no caller listed yet
    before = rows(engine)
    assert all(r[3] is None for r in before)
    with_callers(engine)
    deactivate_staff(engine, CID, "c-mei1", StaffRole.CALLER, "ops", DRAWN)
    draw_all(engine, 1.0, 1)  # a retried activity: same sample, unassigned ones assigned
    after = rows(engine)
    assert sorted(r[0] for r in after) == sorted(r[0] for r in before)
    assert {r[3] for r in after if r[1] == "东湖区"} == {"c-east", "c-meiyuan"}
    n = len(types(engine, EventType.CALLBACK_ASSIGNED))
    assert len(types(engine, EventType.CALLBACK_DRAWN)) == len(before)
    result = followup.assign_callbacks(engine, CID, ["东湖区", "西山区"], "ops", DRAWN)
    assert result.assigned == 0 and sum(result.unassigned.values()) == sum(
        r[1] == "西山区" for r in after
    )
    assert len(types(engine, EventType.CALLBACK_ASSIGNED)) == n


def test_callers_of_one_unit_share_its_households_evenly(engine: Engine, tmp_path: Path) -> None:
    setup_campaign(engine, tmp_path, households=60)
    save_staff(
        engine,
        CID,
        [
            StaffMember(
                staff_id=f"w{i}",
                role=StaffRole.CALLER,
                name=f"回访{i}",
                phone=f"1390000000{i}",
                district="西山区",
            )
            for i in range(3)
        ],
        "ops",
        DRAWN,
    )
    draw_all(engine, 1.0, 1)
    load = Counter(r[3] for r in rows(engine) if r[1] == "西山区")
    assert set(load) == {"w0", "w1", "w2"}
    assert max(load.values()) - min(load.values()) <= 1
