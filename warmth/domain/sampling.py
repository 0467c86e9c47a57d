"""The callback sample (随机电话回访): deterministic, per community, with a minimum.

"Random" here must be reproducible and auditable: the same campaign always draws the
same households. Each household is ranked by a keyed hash of (campaign, person); the
first ``max(minimum, ceil(rate × n))`` of each community are drawn. The stratified
draw (:func:`draw_stratified_sample`, the one the follow-up phase uses) also draws at
least one household of every category present in the community (分层抽样).
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple


def sample_size(population: int, rate: float, minimum: int) -> int:
    """How many of ``population`` to call back."""
    if population <= 0:
        return 0
    return min(population, max(minimum, math.ceil(rate * population)))


def draw_rank(campaign_id: str, person_key: str) -> str:
    """A stable pseudo-random rank for one household in one campaign."""
    return hashlib.sha256(f"{campaign_id}\x00{person_key}".encode()).hexdigest()


def draw_sample(
    campaign_id: str,
    households: Iterable[tuple[str, str]],
    rate: float,
    minimum: int,
) -> list[str]:
    """Person keys drawn from (person_key, community) pairs, community by community."""
    by_community: dict[str, list[str]] = defaultdict(list)
    for person_key, community in households:
        by_community[community].append(person_key)
    drawn: list[str] = []
    for community in sorted(by_community):
        members = sorted(by_community[community], key=lambda k: draw_rank(campaign_id, k))
        drawn.extend(members[: sample_size(len(members), rate, minimum)])
    return drawn


class Drawn(NamedTuple):
    """One household of the callback sample and the stratum (category) it was drawn for."""

    person_key: str
    community: str
    stratum: str


def draw_stratified_sample(
    campaign_id: str,
    households: Iterable[tuple[str, str, Sequence[str]]],
    rate: float,
    minimum: int,
) -> list[Drawn]:
    """The callback sample of (person_key, community, categories) triples, stratified.

    Per community, ``sample_size(n, rate, minimum)`` households are drawn, and more if
    needed so that every category (救助对象类别) present in the community has at least one
    household drawn; a household in several categories counts for each of them.

    1. Coverage: the community's categories are taken rarest first (then by name); a
       category no drawn household has yet draws its best-ranked undrawn member, and that
       category is its stratum.
    2. Rate: the best-ranked households not yet drawn fill the sample up to its size;
       the stratum of each is its rarest category (the same order as above).

    Ranks are :func:`draw_rank`, so the same campaign always draws the same sample,
    whatever the order of ``households``. The result is ordered by community, then by
    the order of drawing.
    """
    by_community: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
    for person_key, community, categories in households:
        known = by_community[community].get(person_key, ())
        by_community[community][person_key] = tuple(dict.fromkeys([*known, *categories]))
    drawn: list[Drawn] = []
    for community in sorted(by_community):
        members = by_community[community]
        ranked = sorted(members, key=lambda k: (draw_rank(campaign_id, k), k))
        sizes: dict[str, int] = defaultdict(int)
        for cats in members.values():
            for c in cats:
                sizes[c] += 1
        order = sorted(sizes, key=lambda c: (sizes[c], c))
        position = {c: i for i, c in enumerate(order)}
        taken: dict[str, str] = {}  # person key -> stratum, in drawing order
        covered: set[str] = set()
        for category in order:
            if category in covered:
                continue
            first = next(k for k in ranked if k not in taken and category in members[k])
            taken[first] = category
            covered.update(members[first])
        size = sample_size(len(ranked), rate, minimum)
        for key in ranked:
            if len(taken) >= size:
                break
            if key not in taken:
                cats = members[key]
                taken[key] = min(cats, key=lambda c: position[c]) if cats else ""
        drawn.extend(Drawn(k, community, s) for k, s in taken.items())
    return drawn
