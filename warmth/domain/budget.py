"""The budget check (预算核对): entitlements per fund source against the plan's budget.

Pure: the store computes what is owed per source and district; this decides
whether it fits and, where it does not, by how much and where the money goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class SourceTotal(BaseModel):
    """One fund source: its budget, what the entitlements need, and the shortfall."""

    model_config = ConfigDict(frozen=True)

    source: str
    budget: Decimal
    needed: Decimal
    shortfall: Decimal  # needed - budget when positive, else 0
    by_district: dict[str, Decimal]


def check_budget(
    needed_fen: Mapping[str, Mapping[str, int]], budget: Mapping[str, Decimal]
) -> list[SourceTotal]:
    """Every fund source with its totals; a source with no budget line has a budget of 0."""
    out: list[SourceTotal] = []
    for source in sorted(set(needed_fen) | set(budget)):
        by_district = {d: Decimal(f) / 100 for d, f in sorted(needed_fen.get(source, {}).items())}
        needed = sum(by_district.values(), Decimal(0))
        limit = budget.get(source, Decimal(0))
        out.append(
            SourceTotal(
                source=source,
                budget=limit,
                needed=needed,
                shortfall=max(needed - limit, Decimal(0)),
                by_district=by_district,
            )
        )
    return out


def overrun(totals: list[SourceTotal]) -> list[SourceTotal]:
    """The sources whose entitlements exceed their budget."""
    return [t for t in totals if t.shortfall > 0]
