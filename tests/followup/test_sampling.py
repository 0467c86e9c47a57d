"""The stratified callback sample and the callback rules: pure, no store."""

from __future__ import annotations

import math
import random
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from warmth.domain.callbacks import (
    CallbackResult,
    conclusion,
    parse_result,
    verification_case_id,
)
from warmth.domain.sampling import draw_stratified_sample, sample_size

CATS = ["低保对象", "低收入家庭", "特困人员", "困境儿童", "独居老人"]

R = CallbackResult


def people(n: int, seed: int = 1) -> list[tuple[str, str, list[str]]]:
    rng = random.Random(seed)
    return [
        (f"p{i}", rng.choice(["A", "B", "C"]), rng.sample(CATS, rng.randint(1, 2)))
        for i in range(n)
    ]


def test_every_category_of_a_community_is_drawn_at_least_once() -> None:
    # 100 households of 低保对象 and a single 特困人员 and 困境儿童 household:
    # the rate alone (10) would most likely miss them.
    pop = [(f"p{i}", "A", ["低保对象"]) for i in range(100)]
    pop += [("rare1", "A", ["特困人员"]), ("rare2", "A", ["困境儿童", "低保对象"])]
    drawn = draw_stratified_sample("c1", pop, rate=0.1, minimum=1)
    assert {d.person_key for d in drawn} >= {"rare1", "rare2"}
    assert {d.stratum for d in drawn} == {"低保对象", "特困人员", "困境儿童"}
    assert len(drawn) == math.ceil(0.1 * 102)  # the strata fit within the rate's 11
    strata = {d.person_key: d.stratum for d in drawn}
    assert strata["rare1"] == "特困人员" and strata["rare2"] == "困境儿童"


def test_a_household_in_several_categories_counts_for_each() -> None:
    pop = [
        ("both", "A", ["低保对象", "独居老人"]),
        ("x", "A", ["低保对象"]),
        ("y", "A", ["独居老人"]),
    ]
    drawn = draw_stratified_sample("c1", pop, rate=0.1, minimum=0)
    # one household covers both categories when it ranks first in the rarest one
    assert 1 <= len(drawn) <= 2
    covered = {c for d in drawn for c in dict((k, cats) for k, _c, cats in pop)[d.person_key]}
    assert covered == {"低保对象", "独居老人"}


def test_strata_can_exceed_the_rate_and_the_minimum() -> None:
    pop = [(f"p{i}", "A", [CATS[i % 5]]) for i in range(20)]
    drawn = draw_stratified_sample("c1", pop, rate=0.05, minimum=1)
    assert len(drawn) == 5  # one per category, more than ceil(0.05 × 20) = 1
    assert sorted(d.stratum for d in drawn) == sorted(CATS)


def test_the_minimum_per_community_and_the_rate_hold() -> None:
    pop = [(f"p{i}", "A" if i < 95 else "B", ["低保对象"]) for i in range(100)]
    drawn = draw_stratified_sample("c1", pop, rate=0.1, minimum=2)
    assert sum(d.community == "A" for d in drawn) == 10
    assert sum(d.community == "B" for d in drawn) == 2


def test_the_same_campaign_draws_the_same_sample_whatever_the_order() -> None:
    pop = people(300)
    first = draw_stratified_sample("c1", pop, rate=0.1, minimum=2)
    shuffled = pop[:]
    random.Random(5).shuffle(shuffled)
    assert draw_stratified_sample("c1", shuffled, rate=0.1, minimum=2) == first
    assert draw_stratified_sample("c2", pop, rate=0.1, minimum=2) != first


households = st.lists(
    st.tuples(
        st.text("abcdefgh", min_size=1, max_size=4),
        st.sampled_from(["A", "B", "C"]),
        st.lists(st.sampled_from(CATS), min_size=1, max_size=3, unique=True),
    ),
    max_size=60,
    unique_by=lambda t: t[0],
)


@settings(max_examples=150, deadline=None)
@given(
    pop=households,
    rate=st.floats(min_value=0.01, max_value=1.0),
    minimum=st.integers(min_value=0, max_value=5),
)
def test_sample_properties(
    pop: list[tuple[str, str, list[str]]], rate: float, minimum: int
) -> None:
    drawn = draw_stratified_sample("cx", pop, rate, minimum)
    cats = {k: set(c) for k, _, c in pop}
    where = {k: c for k, c, _ in pop}
    assert len({d.person_key for d in drawn}) == len(drawn)  # nobody twice
    by_community: dict[str, list[str]] = defaultdict(list)
    for k, c, _ in pop:
        by_community[c].append(k)
    for community, members in by_community.items():
        mine = [d for d in drawn if d.community == community]
        assert all(where[d.person_key] == community for d in mine)
        present = set().union(*(cats[k] for k in members))
        covered = set().union(*(cats[d.person_key] for d in mine))
        assert covered == present  # every stratum at least once
        size = sample_size(len(members), rate, minimum)
        assert size <= len(mine) <= max(size, len(present))
        assert all(d.stratum in cats[d.person_key] for d in mine)
    assert draw_stratified_sample("cx", list(reversed(pop)), rate, minimum) == drawn


def test_results_read_in_chinese_and_english() -> None:
    assert parse_result("已联系") is R.REACHED
    assert parse_result("联系不上") is R.UNREACHABLE
    assert parse_result(" 未收到 ") is R.NOT_RECEIVED
    assert parse_result("投诉") is R.COMPLAINT
    assert parse_result("not-received") is R.NOT_RECEIVED
    assert parse_result("Not_Received") is R.NOT_RECEIVED
    assert parse_result("Reached") is R.REACHED
    assert parse_result("maybe") is None


def test_three_unreachable_days_conclude_two_on_one_day_count_once() -> None:
    u = R.UNREACHABLE
    assert conclusion([("2026-12-22", u), ("2026-12-22", u)], 3) is None
    assert conclusion([("2026-12-22", u), ("2026-12-23", u)], 3) is None
    assert conclusion([("2026-12-22", u), ("2026-12-23", u), ("2026-12-23", u)], 3) is None
    assert conclusion([("2026-12-22", u), ("2026-12-23", u), ("2026-12-24", u)], 3) is u
    assert conclusion([("2026-12-22", u), ("2026-12-23", R.REACHED)], 3) is R.REACHED
    assert conclusion([("2026-12-22", R.COMPLAINT)], 3) is R.COMPLAINT
    assert conclusion([("2026-12-22", u)], 1) is u


def test_one_verification_case_id_per_household() -> None:
    a = verification_case_id("c1", "k1")
    assert a == verification_case_id("c1", "k1") != verification_case_id("c1", "k2")
    assert a.startswith("V") and len(a) == 12
