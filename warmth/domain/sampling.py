"""The callback sample (随机电话回访): deterministic, per community, with a minimum.

"Random" here must be reproducible and auditable: the same campaign always draws the
same households. Each household is ranked by a keyed hash of (campaign, person); the
first ``max(minimum, ceil(rate × n))`` of each community are drawn.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable


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
