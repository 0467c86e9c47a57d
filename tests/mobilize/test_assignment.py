"""Responsible cadres balanced by load: the pure rule (warmth.domain.assignment)."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from warmth.domain.assignment import assign, changes

HOUSEHOLDS = [f"h{i:02d}" for i in range(10)]


def spread(result: dict[str, str | None]) -> Counter[str | None]:
    return Counter(result.values())


def test_a_fresh_community_is_balanced_and_ties_go_to_the_smaller_id() -> None:
    result = assign(HOUSEHOLDS, ["c", "a", "b"], {}, {})
    assert spread(result) == {"a": 4, "b": 3, "c": 3}
    # Households in id order, each to the least-loaded cadre, ties by cadre id.
    assert [result[h] for h in HOUSEHOLDS[:4]] == ["a", "b", "c", "a"]


@pytest.mark.parametrize(("n", "k"), [(1, 1), (1, 5), (7, 2), (30, 4), (101, 7), (5, 5)])
def test_fresh_loads_differ_by_at_most_one(n: int, k: int) -> None:
    result = assign([f"h{i}" for i in range(n)], [f"c{j}" for j in range(k)], {}, {})
    loads = [spread(result).get(f"c{j}", 0) for j in range(k)]
    assert sum(loads) == n
    assert max(loads) - min(loads) <= 1


def test_the_result_does_not_depend_on_input_order() -> None:
    rng = random.Random(1)
    cadres = ["c1", "c2", "c3"]
    first = assign(HOUSEHOLDS, cadres, {}, {})
    for _ in range(5):
        shuffled_h = rng.sample(HOUSEHOLDS, len(HOUSEHOLDS))
        shuffled_c = rng.sample(cadres, len(cadres))
        assert assign(shuffled_h, shuffled_c, {}, {}) == first


def test_existing_assignments_to_active_cadres_are_kept_even_if_unbalanced() -> None:
    current: dict[str, str | None] = dict.fromkeys(HOUSEHOLDS, "a")
    result = assign(HOUSEHOLDS, ["a", "b"], current, {"a": 10})
    assert result == current
    assert changes(result, current) == {}


def test_a_new_cadre_takes_only_unassigned_households() -> None:
    current: dict[str, str | None] = {h: ("a" if i < 6 else None) for i, h in enumerate(HOUSEHOLDS)}
    result = assign(HOUSEHOLDS, ["a", "b"], current, {"a": 6})
    assert all(result[h] == "a" for h in HOUSEHOLDS[:6])
    assert all(result[h] == "b" for h in HOUSEHOLDS[6:])
    assert set(changes(result, current)) == set(HOUSEHOLDS[6:])


def test_households_of_a_cadre_who_left_go_to_the_least_loaded_and_nothing_else_moves() -> None:
    current: dict[str, str | None] = {
        h: ("a", "b", "c")[i % 3] for i, h in enumerate(HOUSEHOLDS)
    }  # a: 4, b: 3, c: 3
    result = assign(HOUSEHOLDS, ["b", "c"], current, {"b": 3, "c": 3})
    moved = changes(result, current)
    assert set(moved) == {h for h in HOUSEHOLDS if current[h] == "a"}
    assert all(previous == "a" for previous, _new in moved.values())
    assert spread(result) == {"b": 5, "c": 5}


def test_load_from_outside_the_call_counts() -> None:
    # b already answers for 5 households elsewhere in the community (earlier batches).
    result = assign(["x1", "x2", "x3"], ["a", "b"], {}, {"b": 5})
    assert set(result.values()) == {"a"}


def test_without_cadres_every_household_has_none() -> None:
    current: dict[str, str | None] = {"h1": "gone", "h2": None}
    result = assign(["h1", "h2"], [], current, {})
    assert result == {"h1": None, "h2": None}
    assert changes(result, current) == {"h1": ("gone", None)}


def test_inputs_are_not_changed() -> None:
    current: dict[str, str | None] = {"h1": None}
    load = {"a": 1}
    cadres = ["b", "a"]
    assign(["h2", "h1"], cadres, current, load)
    assert current == {"h1": None} and load == {"a": 1} and cadres == ["b", "a"]
