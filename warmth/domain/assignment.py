"""Responsible cadres (包保人) for households, balanced by load. Pure: no store, no clock.

Each household of a community gets one of the community's active cadres (落实到人,
一对一包保). The rule, in order:

1. A household whose current cadre is still active keeps them — nothing moves that
   does not have to, so a cadre added later does not take households from others.
2. Every other household (never assigned, or its cadre left) goes to the cadre with the
   fewest households at that moment, ties broken by cadre id.

Households are taken in id order, so the same inputs always give the same result. In a
fresh community the loads end up within one of each other (max − min ≤ 1).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping


def assign(
    households: Iterable[str],
    cadres: Iterable[str],
    current: Mapping[str, str | None],
    load: Mapping[str, int],
) -> dict[str, str | None]:
    """Each household's cadre after assignment (``None`` when there is no cadre at all).

    ``households`` are the households to decide (person keys); ``cadres`` the community's
    active cadres (staff ids); ``current`` each household's cadre now (missing or
    ``None``: unassigned); ``load`` how many households each cadre already has, counting
    the households given here that keep their cadre (missing: 0). No input is changed.
    """
    active = sorted(set(cadres))
    ordered = sorted(set(households))
    if not active:
        return dict.fromkeys(ordered)
    result: dict[str, str | None] = {}
    heap = [(load.get(c, 0), c) for c in active]
    heapq.heapify(heap)
    keep = set(active)
    for household in ordered:
        now = current.get(household)
        if now is not None and now in keep:
            result[household] = now
            continue
        count, cadre = heapq.heappop(heap)
        result[household] = cadre
        heapq.heappush(heap, (count + 1, cadre))
    return result


def changes(
    decided: Mapping[str, str | None], current: Mapping[str, str | None]
) -> dict[str, tuple[str | None, str | None]]:
    """The households whose cadre changes: ``{household: (previous, new)}``."""
    return {h: (current.get(h), cadre) for h, cadre in decided.items() if current.get(h) != cadre}
