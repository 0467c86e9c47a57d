"""The mobilize batch: responsible unit and cadre per household, idempotent, on the ledger."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, select

from warmth import staff
from warmth.domain.events import EventType
from warmth.store.ledger import events_of
from warmth.store.schema import households
from warmth.store.staff import cadre_counts, cadre_notices, staff_by_id

from .helpers import (
    AT,
    CADRES,
    CAMPAIGN,
    EAST,
    ONE,
    OPS,
    SECRET,
    TWO,
    cadre_id,
    cadres_of,
    campaign_with_households,
    event_types,
    loads,
    mobilize_district,
    staff_file,
)


def east_households(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    households.c.campaign_id == CAMPAIGN, households.c.district == EAST
                )
            ).scalar_one()
        )


def test_each_household_gets_a_cadre_of_its_community_balanced(engine: Engine, setup: Path) -> None:
    assert mobilize_district(engine, EAST, limit=7) > 3  # communities span several batches
    one, two = loads(engine, ONE), loads(engine, TWO)
    assert None not in one and len(one) == 3
    assert max(one.values()) - min(one.values()) <= 1
    assert set(two) == {cadre_id(engine, "赵敏")}
    assert set(loads(engine, "梅园三社区")) == {None}  # no cadres: NULL

    n = east_households(engine)
    counts = cadre_counts(engine, CAMPAIGN, EAST)
    assigned = sum(one.values()) + sum(two.values())
    assert counts == {"cadres": 4, "assigned_cadre": assigned, "without_cadre": n - assigned}
    types = event_types(engine)
    assert types.count(EventType.CADRE_ASSIGNED) == assigned
    assert types.count(EventType.RESPONSIBILITY_ASSIGNED) == n
    with engine.connect() as conn:
        first = next(e for e in events_of(conn, CAMPAIGN) if e.type == EventType.CADRE_ASSIGNED)
    assert first.payload["previous"] is None and first.actor == "system:mobilize"
    assert first.stream.startswith(f"household:{CAMPAIGN}:")


def test_a_rerun_adds_no_event_and_changes_nothing(engine: Engine, setup: Path) -> None:
    mobilize_district(engine, EAST, limit=7)
    before = event_types(engine)
    assignments = cadres_of(engine, ONE)
    mobilize_district(engine, EAST, limit=7)
    mobilize_district(engine, EAST, limit=1000)  # other batch boundaries
    assert event_types(engine) == before
    assert cadres_of(engine, ONE) == assignments


def test_a_cadre_taken_off_duty_hands_over_only_their_households(
    engine: Engine, setup: Path
) -> None:
    mobilize_district(engine, EAST)
    before = cadres_of(engine, ONE)
    zhang = cadre_id(engine, "张伟")
    staff.deactivate_staff(engine, CAMPAIGN, zhang, actor=OPS, at=AT)
    n_events = len(event_types(engine))
    mobilize_district(engine, EAST)
    after = cadres_of(engine, ONE)
    moved = {k for k in before if before[k] != after[k]}
    assert moved == {k for k, c in before.items() if c == zhang}
    assert zhang not in after.values()
    spread = loads(engine, ONE)
    assert max(spread.values()) - min(spread.values()) <= 1
    with engine.connect() as conn:
        new = list(events_of(conn, CAMPAIGN))[n_events:]
    assert [e.type for e in new] == [EventType.CADRE_ASSIGNED] * len(moved)
    assert {e.payload["previous"] for e in new} == {zhang}
    # and again: nothing more
    mobilize_district(engine, EAST)
    assert len(event_types(engine)) == n_events + len(moved)


def test_a_community_losing_its_last_cadre_is_unassigned_then_reassigned(
    engine: Engine, setup: Path
) -> None:
    mobilize_district(engine, EAST)
    zhao = cadre_id(engine, "赵敏")
    staff.deactivate_staff(engine, CAMPAIGN, zhao, actor=OPS, at=AT)
    mobilize_district(engine, EAST)
    assert set(loads(engine, TWO)) == {None}
    households_two = len(cadres_of(engine, TWO))
    assert event_types(engine).count(EventType.CADRE_UNASSIGNED) == households_two
    # The old list imported again does not undo the deactivation …
    staff.import_staff(engine, SECRET, CAMPAIGN, setup / "cadres.csv", actor=OPS, at=AT)
    mobilize_district(engine, EAST)
    assert set(loads(engine, TWO)) == {None}
    # … a new list naming 赵敏 puts her back: the households return, as new facts.
    staff.import_staff(
        engine, SECRET, CAMPAIGN, staff_file(setup / "again.csv", CADRES[3]), actor=OPS, at=AT
    )
    mobilize_district(engine, EAST)
    assert set(loads(engine, TWO)) == {zhao}
    assert event_types(engine).count(EventType.CADRE_ASSIGNED) == (
        sum(loads(engine, ONE).values()) + 2 * households_two
    )


def test_cadres_listed_after_mobilize_are_assigned_on_the_next_run(
    engine: Engine, tmp_path: Path
) -> None:
    campaign_with_households(engine, tmp_path)
    mobilize_district(engine, EAST)
    assert cadre_counts(engine, CAMPAIGN, EAST)["assigned_cadre"] == 0
    units = event_types(engine).count(EventType.RESPONSIBILITY_ASSIGNED)
    path = staff_file(tmp_path / "late.csv", *CADRES)
    staff.import_staff(engine, SECRET, CAMPAIGN, path, actor=OPS, at=AT)
    mobilize_district(engine, EAST)
    assert None not in loads(engine, ONE)
    assert event_types(engine).count(EventType.RESPONSIBILITY_ASSIGNED) == units


def test_cadre_notices_list_each_cadre_and_their_household_count(
    engine: Engine, setup: Path
) -> None:
    assert cadre_notices(engine, CAMPAIGN, EAST) == []
    mobilize_district(engine, EAST)
    notices = cadre_notices(engine, CAMPAIGN, EAST)
    one, two = loads(engine, ONE), loads(engine, TWO)
    expected = {str(k): n for k, n in {**one, **two}.items()}
    assert [(n.cadre_id, n.households) for n in notices] == sorted(expected.items())
    # Each cadre serves one community here: their count is under its name.
    assert {n.cadre_id: n.by_community for n in notices} == {
        **{str(k): {ONE: v} for k, v in one.items()},
        **{str(k): {TWO: v} for k, v in two.items()},
    }
    assert cadre_notices(engine, CAMPAIGN, "西山区") == []
    contacts = staff_by_id(engine, CAMPAIGN, [n.cadre_id for n in notices])
    assert {m.name for m in contacts.values()} == {"张伟", "李娜", "王强", "赵敏"}
    # A cadre taken off duty is not notified, even before the next batch.
    staff.deactivate_staff(engine, CAMPAIGN, cadre_id(engine, "张伟"), actor=OPS, at=AT)
    assert len(cadre_notices(engine, CAMPAIGN, EAST)) == 3
