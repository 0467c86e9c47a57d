"""Every statistic of the hand-checked campaign (see conftest.py), computed from the ledger."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete

from tests.reports.campaign import AT, CID, IDS, KEYS, Campaign, confirm, survey_only
from warmth.domain.errors import NotFound
from warmth.reports.statistics import (
    CallbackCount,
    CategoryCount,
    DistrictCoverage,
    FundUse,
    OutstandingHousehold,
    compute,
    fold_ledger,
    snapshot,
)
from warmth.store import deliveries as delivery_store
from warmth.store.schema import callbacks, deliveries, households


def masked(who: str) -> str:
    number = IDS[who]
    return number[:6] + "********" + number[-4:]


def test_people_per_category_count_a_person_in_two_categories_in_both(campaign: Campaign) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    assert stats.households == 5
    assert stats.merged_records == 1  # 王芳 reported again by 社区居委会 as 独居老人
    assert stats.by_category == [
        CategoryCount(category="低保对象", people=2),  # A, E
        CategoryCount(category="低收入家庭", people=1),  # B
        CategoryCount(category="特困人员", people=1),  # C
        CategoryCount(category="困境儿童", people=1),  # D
        CategoryCount(category="独居老人", people=1),  # A, by the merge
        CategoryCount(category="重残人员", people=1),  # D
    ]


def test_people_per_district_street_and_community_cover_the_whole_tree(
    campaign: Campaign,
) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    assert [(r.district, r.people, r.by_category) for r in stats.by_district] == [
        (
            "东湖区",
            3,
            {"低保对象": 1, "低收入家庭": 1, "困境儿童": 1, "独居老人": 1, "重残人员": 1},
        ),
        ("西山区", 2, {"低保对象": 1, "特困人员": 1}),
    ]
    assert [(r.district, r.street, r.people) for r in stats.by_street] == [
        ("东湖区", "梅园街道", 2),
        ("东湖区", "竹林街道", 1),
        ("东湖区", "松涛街道", 0),
        ("西山区", "枫桥街道", 2),
        ("西山区", "柳岸街道", 0),
        ("西山区", "桃源街道", 0),
    ]
    assert len(stats.by_community) == 18  # every community of the plan, in its order
    people = {(r.street, r.community): r.people for r in stats.by_community if r.people}
    assert people == {
        ("梅园街道", "梅园一社区"): 1,
        ("梅园街道", "梅园二社区"): 1,
        ("竹林街道", "竹林一社区"): 1,
        ("枫桥街道", "枫桥一社区"): 2,
    }
    first = stats.by_community[0]
    assert (first.community, first.by_category) == ("梅园一社区", {"低保对象": 1, "独居老人": 1})


def test_aid_issued_and_confirmed_per_item(campaign: Campaign) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    rows = [
        (i.item, i.name, i.issued, i.confirmed, i.outstanding, i.quantity, i.amount,
         i.confirmed_amount)
        for i in stats.items
    ]  # fmt: skip
    assert rows == [
        # 慰问金 at the highest standard: A 500 (低保 over 独居 400), B 300, C 800,
        # D 600 (困境儿童 over 重残 500), E 500; confirmed A, C, D
        ("condolence", "慰问金", 5, 3, 2, 0, Decimal("2700.00"), Decimal("1900.00")),
        # 取暖补贴 for 低保/特困/独居 only: A 200, C 300, E 200; confirmed C
        ("heating", "取暖补贴", 3, 1, 2, 0, Decimal("700.00"), Decimal("300.00")),
        # one 节日礼包 (150 yuan) each; confirmed C, D
        ("package", "节日礼包", 5, 2, 3, 5, Decimal("750.00"), Decimal("300.00")),
    ]
    assert (stats.issued, stats.confirmed) == (13, 6)


def test_money_per_fund_source_against_the_budget(campaign: Campaign) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    assert stats.fund_sources == [
        FundUse(fund_source="city", name="市级", budget=Decimal("2000000.00"),
                issued=Decimal("2700.00"), confirmed=Decimal("1900.00"),
                remaining=Decimal("1997300.00"), share=0.0014),  # 0.00135, half up
        FundUse(fund_source="district", name="区级", budget=Decimal("1000000.00"),
                issued=Decimal("700.00"), confirmed=Decimal("300.00"),
                remaining=Decimal("999300.00"), share=0.0007),
        FundUse(fund_source="charity", name="社会募集", budget=Decimal("500000.00"),
                issued=Decimal("750.00"), confirmed=Decimal("300.00"),
                remaining=Decimal("499250.00"), share=0.0015),
    ]  # fmt: skip


def test_coverage_per_district_counts_only_fully_confirmed_households(
    campaign: Campaign,
) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    assert stats.coverage == [
        # A partly (慰问金 only), B nothing, D everything
        DistrictCoverage(district="东湖区", registered=3, entitled=3, confirmed=1, partial=1,
                         coverage=0.3333),
        # C everything, E nothing
        DistrictCoverage(district="西山区", registered=2, entitled=2, confirmed=1, partial=0,
                         coverage=0.5),
    ]  # fmt: skip
    assert (stats.entitled, stats.confirmed_households, stats.coverage_rate) == (5, 2, 0.4)


def test_outstanding_households_are_listed_masked_in_jurisdiction_order(
    campaign: Campaign,
) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    assert stats.outstanding == [
        OutstandingHousehold(person_key=KEYS["A"], district="东湖区", street="梅园街道",
                             community="梅园一社区", name="王*", id_number=masked("A"),
                             items=["heating", "package"], confirmed_items=["condolence"],
                             amount=Decimal("350.00")),
        OutstandingHousehold(person_key=KEYS["B"], district="东湖区", street="梅园街道",
                             community="梅园二社区", name="李*", id_number=masked("B"),
                             items=["condolence", "package"], confirmed_items=[],
                             amount=Decimal("450.00")),
        OutstandingHousehold(person_key=KEYS["E"], district="西山区", street="枫桥街道",
                             community="枫桥一社区", name="孙*", id_number=masked("E"),
                             items=["condolence", "heating", "package"], confirmed_items=[],
                             amount=Decimal("850.00")),
    ]  # fmt: skip
    dump = stats.model_dump_json()
    assert not any(number in dump for number in IDS.values())  # no ID number in clear


def test_callbacks_drawn_and_roster_files(campaign: Campaign) -> None:
    stats = compute(campaign.engine, CID, as_of=AT)
    assert stats.callbacks == [
        CallbackCount(district="东湖区", registered=3, drawn=3, rate=1.0),  # 1 per community
        # ceil(0.1 × 2) = 1, but C (特困人员) and E (低保对象) are two strata: both drawn
        CallbackCount(district="西山区", registered=2, drawn=2, rate=1.0),
    ]
    assert stats.callbacks_drawn == 5
    assert [(r.file, r.rows, r.accepted, r.rejected_rows, r.duplicates, r.status)
            for r in stats.rosters] == [
        (campaign.accepted_file.name, 7, 6, 1, 1, "accepted"),
        (campaign.refused_file.name, 1, 1, 0, 0, "refused"),
    ]  # fmt: skip
    assert stats.rejected_rows == 1


def test_statistics_come_from_the_ledger_not_the_projections(campaign: Campaign) -> None:
    before = compute(campaign.engine, CID, as_of=AT)
    with campaign.engine.begin() as conn:  # projections can be rebuilt; the ledger stays
        conn.execute(delete(deliveries))
        conn.execute(delete(callbacks))
    after = compute(campaign.engine, CID, as_of=AT)
    assert after == before
    with campaign.engine.begin() as conn:  # the one join: masked labels of the list
        conn.execute(delete(households))
    unlabelled = compute(campaign.engine, CID, as_of=AT)
    assert [(h.name, h.id_number) for h in unlabelled.outstanding] == [("", "")] * 3
    assert unlabelled.model_copy(update={"outstanding": []}) == before.model_copy(
        update={"outstanding": []}
    )


def test_a_progress_report_before_distribution_has_no_coverage_yet(
    engine: Engine, tmp_path: Path
) -> None:
    survey_only(engine, tmp_path)
    stats = compute(engine, CID, as_of=AT)
    assert (stats.stage, stats.households, stats.issued, stats.outstanding) == (
        "progress", 5, 0, [],
    )  # fmt: skip
    assert [(c.entitled, c.coverage) for c in stats.coverage] == [(0, None), (0, None)]
    assert [(f.issued, f.remaining, f.share) for f in stats.fund_sources] == [
        (Decimal("0.00"), Decimal("2000000.00"), 0.0),
        (Decimal("0.00"), Decimal("1000000.00"), 0.0),
        (Decimal("0.00"), Decimal("500000.00"), 0.0),
    ]
    assert compute(engine, CID, final=True, as_of=AT).stage == "final"


def test_a_repeated_confirmation_counts_once(campaign: Campaign) -> None:
    before = compute(campaign.engine, CID, as_of=AT)
    confirm(campaign.engine, "C", "condolence")  # same idempotency key: not appended
    assert compute(campaign.engine, CID, as_of=AT) == before


def test_an_unknown_campaign_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound):
        compute(engine, "nope", as_of=AT)


def test_a_report_reads_one_snapshot_without_locking_writers_out(campaign: Campaign) -> None:
    with campaign.engine.connect() as conn, snapshot(conn):
        before = fold_ledger(conn, CID)
        confirm(campaign.engine, "B", "condolence")  # a writer commits meanwhile, unblocked
        during = fold_ledger(conn, CID)
    assert during.confirmed == before.confirmed
    assert compute(campaign.engine, CID, as_of=AT).confirmed == 7


def test_a_confirmation_recorded_by_the_store_counts_like_any_other(campaign: Campaign) -> None:
    with campaign.engine.begin() as conn:
        row = delivery_store.delivery(conn, CID, KEYS["B"], "condolence")
        assert row is not None
        delivery_store.confirm(conn, CID, row, by="ops", proof="回执-0001", at=AT)
    stats = compute(campaign.engine, CID, as_of=AT)
    assert (stats.items[0].item, stats.items[0].confirmed) == ("condolence", 4)
    b = next(h for h in stats.outstanding if h.person_key == KEYS["B"])
    assert (b.items, b.confirmed_items) == (["package"], ["condolence"])
    assert b.amount == Decimal("150.00")
